// Starts mpirun from an ordinary test: a rank that hangs or dies must stop every rank with
// a non-zero status, within twice the timeout, naming the rank, and leave rank 0's
// checkpoint whole; and `mpirun -np 3 descent train --distributed data_parallel` must
// write the model a single process writes, bit for bit.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace descent {
namespace {

namespace fs = std::filesystem;

struct Launch {
  int status = 0;
  std::string output;
  double seconds = 0;
};

Launch launch(const std::string& command) {
  const auto start = std::chrono::steady_clock::now();
  Launch result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed", 0};
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) result.output += buffer;
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("descent_mpi_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string fault_run(const std::string& mode, int rank, double timeout, const fs::path& checkpoint) {
  return std::string(DESCENT_MPIRUN) + " -np 3 " + DESCENT_FAULT_PROGRAM + " " + mode + " " + std::to_string(rank) +
         " 12 " + std::to_string(timeout) + " " + checkpoint.string();
}

// Whether a checkpoint of the fault program loads: a run resumed from it, alone.
bool resumes(const fs::path& checkpoint) {
  const Launch run =
      launch(std::string(DESCENT_MPIRUN) + " -np 1 " + DESCENT_FAULT_PROGRAM + " resume 0 0 30 " + checkpoint.string());
  return run.status == 0;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(MpiFaults, HangingRankStopsEveryRankWithinTwiceTheTimeout) {
  const fs::path dir = scratch("hang");
  const double timeout = 3;
  // The same run without a fault: what starting MPI and training cost on this machine.
  const Launch clean = launch(fault_run("none", 2, timeout, dir / "clean.bin"));
  ASSERT_EQ(clean.status, 0) << clean.output;
  const Launch hung = launch(fault_run("hang", 2, timeout, dir / "checkpoint.bin"));
  EXPECT_NE(hung.status, 0) << hung.output;
  // Ranks 0 and 1 wait for rank 2 in the step-13 round and give up after `timeout`.
  EXPECT_NE(hung.output.find("no message from rank 2 within 3 s"), std::string::npos) << hung.output;
  EXPECT_LT(hung.seconds - clean.seconds, 2 * timeout) << hung.output;
  // Rank 0 wrote epoch 1's checkpoint (8 steps) before the fault at step 12; it is whole.
  ASSERT_TRUE(fs::exists(dir / "checkpoint.bin"));
  EXPECT_TRUE(resumes(dir / "checkpoint.bin"));
  fs::remove_all(dir);
}

TEST(MpiFaults, DyingRankStopsEveryRank) {
  const fs::path dir = scratch("die");
  const Launch died = launch(fault_run("die", 1, 30, dir / "checkpoint.bin"));
  EXPECT_NE(died.status, 0) << died.output;
  EXPECT_NE(died.output.find("rank 1"), std::string::npos) << died.output;  // mpirun names it
  EXPECT_LT(died.seconds, 30) << "the others waited for their timeout instead of being stopped";
  ASSERT_TRUE(fs::exists(dir / "checkpoint.bin"));
  EXPECT_TRUE(resumes(dir / "checkpoint.bin"));
  fs::remove_all(dir);
}

// `descent <flags>` alone into dir/one and under `mpirun -np 3` into dir/three: the model
// files must be the same bytes.
void expect_three_ranks_write_the_model_of_one(const std::string& flags, const fs::path& dir) {
  const Launch one = launch(std::string(DESCENT_CLI_PATH) + flags + " --out " + (dir / "one").string());
  ASSERT_EQ(one.status, 0) << one.output;
  const Launch three =
      launch(std::string(DESCENT_MPIRUN) + " -np 3 " + DESCENT_CLI_PATH + flags + " --out " + (dir / "three").string());
  ASSERT_EQ(three.status, 0) << three.output;
  const std::string a = read_all(dir / "one" / "model.npz"), b = read_all(dir / "three" / "model.npz");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "the model trained on 3 ranks differs from the single-process one (" << flags << ")";
}

TEST(MpiCli, TrainOnThreeRanksWritesTheModelOfOneProcess) {
  const fs::path dir = scratch("cli");
  const std::string flags =
      " train --data synthetic --model softmax --optimizer 'sgd(lr=0.1, momentum=0.9)' --epochs 2 --batch-size 64 "
      "--precision double --train-limit 600 --test-limit 100 --quiet --distributed 'data_parallel(shards=4)'";
  expect_three_ranks_write_the_model_of_one(flags, dir);
  // Only rank 0 wrote: one metrics file with one header and a row per epoch.
  const std::string metrics = read_all(dir / "three" / "metrics.csv");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 3) << metrics;
  fs::remove_all(dir);
}

TEST(MpiCli, DecentralizedRunKeepsTheAverageModelAndResumes) {
  const fs::path dir = scratch("dsgd");
  const std::string flags =
      " train --data synthetic --model softmax --optimizer 'sgd(lr=0.1)' --batch-size 32 --train-limit 800 "
      "--test-limit 100 --quiet --distributed 'dsgd(graph=ring)' --out " +
      (dir / "run").string();
  const Launch first = launch(std::string(DESCENT_MPIRUN) + " -np 4 " + DESCENT_CLI_PATH + flags + " --epochs 2");
  ASSERT_EQ(first.status, 0) << first.output;
  for (int r = 0; r < 4; ++r) EXPECT_TRUE(fs::exists(dir / "run" / ("checkpoint.rank" + std::to_string(r) + ".bin")));
  const std::string summary = read_all(dir / "run" / "summary.json");
  // A ring of 4 with Metropolis-Hastings weights 1/3: eigenvalues 1, 1/3, 1/3, -1/3; gap 2/3.
  EXPECT_NE(summary.find("\"spectral_gap\": 0.666666666666666"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"consensus_error\""), std::string::npos) << summary;
  const Launch resumed =
      launch(std::string(DESCENT_MPIRUN) + " -np 4 " + DESCENT_CLI_PATH + flags + " --epochs 3 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const std::string metrics = read_all(dir / "run" / "metrics.csv");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 4) << metrics;  // header + 3 epochs
  // Each checkpoint is one node's model: another rank count is refused by name.
  const Launch fewer =
      launch(std::string(DESCENT_MPIRUN) + " -np 2 " + DESCENT_CLI_PATH + flags + " --epochs 4 --resume");
  EXPECT_NE(fewer.status, 0) << fewer.output;
  // (The shard's size already differs here, which the checkpoint's objective check names; the
  // gossip state's own check, for equal shards, is tested in tests/distributed/gossip_test.cpp.)
  EXPECT_TRUE(fewer.output.find("cannot resume node") != std::string::npos ||
              fewer.output.find("was written for objective") != std::string::npos)
      << fewer.output;
  fs::remove_all(dir);
}

TEST(MpiCli, FederatedRoundsOnThreeRanksWriteTheModelOfOneProcess) {
  const fs::path dir = scratch("fed");
  const std::string flags =
      " train --data synthetic --model softmax --optimizer 'adam(lr=0.05)' --epochs 3 --precision double "
      "--train-limit 600 --test-limit 100 --quiet --distributed "
      "'scaffold(clients=12, partition=dirichlet, alpha=0.3, clients_per_round=5, local_steps=3)'";
  expect_three_ranks_write_the_model_of_one(flags, dir);
  fs::remove_all(dir);
}

TEST(MpiCli, RanksWithDifferentSettingsRefuseToTrain) {
  const fs::path dir = scratch("mismatch");
  // Rank-dependent settings through Open MPI's per-rank environment: the seed differs.
  const std::string command = std::string(DESCENT_MPIRUN) + " -np 2 sh -c '" + DESCENT_CLI_PATH +
                              " train --data synthetic --model softmax --epochs 1 --train-limit 200 --test-limit 50 "
                              "--quiet --distributed data_parallel --seed $OMPI_COMM_WORLD_RANK --out " +
                              (dir / "run").string() + "'";
  const Launch run = launch(command);
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("differ from rank 0"), std::string::npos) << run.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace descent
