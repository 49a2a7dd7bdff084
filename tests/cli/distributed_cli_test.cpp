// `descent train --distributed ...` in one process (the tests under mpirun are in
// tests/mpi): federated rounds over simulated clients, data-parallel and decentralized runs
// as a group of one, and the errors that name what to fix.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::read_text;

const std::string kData = "train --data synthetic --model softmax --train-limit 600 --test-limit 100 --quiet ";

TEST_F(Cli, FederatedRunWritesARecordPerRound) {
  const auto r = run(kData +
                     "--optimizer 'sgd(lr=1)' --epochs 3 --distributed "
                     "'fedavg(clients=20, partition=dirichlet, alpha=0.5, clients_per_round=5)' --out '" +
                     file("run").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string metrics = read_text(file("run") / "metrics.csv");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 4) << metrics;  // header + 3 rounds
  const nlohmann::json summary = nlohmann::json::parse(read_text(file("run") / "summary.json"));
  EXPECT_EQ(summary["estimator"],
            "fedavg(clients=20, partition=dirichlet, alpha=0.5, clients_per_round=5, local_epochs=1, "
            "local_batch_size=32, local_learning_rate=0.01)");
  EXPECT_TRUE(std::filesystem::exists(file("run") / "model.npz"));
  // Every round's f(x) is finite and the run moved from the start.
  EXPECT_TRUE(summary["epochs"][2]["objective"].is_number());
}

TEST_F(Cli, FederatedRunRefusesAnEstimatorAndResume) {
  auto r = run(kData + "--distributed fedavg --estimator minibatch --out '" + file("a").string() + "'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("takes no estimator"), std::string::npos) << r.err;
  r = run(kData + "--distributed 'fedprox(mu=0.1)' --resume --out '" + file("b").string() + "'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("a federated run keeps no checkpoint"), std::string::npos) << r.err;
  r = run(kData + "--distributed 'fedavg(mu=0.1)' --out '" + file("c").string() + "'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--distributed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'mu'"), std::string::npos) << r.err;
}

TEST_F(Cli, DataParallelAndDecentralizedRunAsAGroupOfOne) {
  auto r = run(kData + "--epochs 1 --distributed 'data_parallel(shards=2)' --out '" + file("dp").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json summary = nlohmann::json::parse(read_text(file("dp") / "summary.json"));
  EXPECT_EQ(summary["distributed"]["ranks"], 1);
  EXPECT_EQ(summary["distributed"]["transport"], "self");
  r = run(kData + "--epochs 1 --distributed 'dsgd(graph=ring)' --out '" + file("ds").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  summary = nlohmann::json::parse(read_text(file("ds") / "summary.json"));
  EXPECT_EQ(summary["distributed"]["decentralized"]["consensus_error"], 0.0);  // one node agrees with itself
  EXPECT_TRUE(std::filesystem::exists(file("ds") / "checkpoint.rank0.bin"));
}

TEST_F(Cli, DistributedErrorsNameTheFlagOrKey) {
  auto r = run(kData + "--distributed 'data_paralel' --out '" + file("a").string() + "'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--distributed: unknown distributed method 'data_paralel'; did you mean 'data_parallel'"),
            std::string::npos)
      << r.err;
  r = run(kData + "--distributed data_parallel --sampling poisson --out '" + file("b").string() + "'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("sampling poisson is not available"), std::string::npos) << r.err;
  r = run(kData + "--distributed data_parallel --distributed-timeout 0 --out '" + file("c").string() + "'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--distributed-timeout"), std::string::npos) << r.err;
  r = run(kData + "--distributed data_parallel --solver lbfgs --out '" + file("d").string() + "'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("runs in one process"), std::string::npos) << r.err;
  // A job file's [distributed] table, and its key in the message.
  std::ofstream(file("job.toml")) << "[distributed]\nmethod = \"dsgd(graph=star)\"\n";
  r = run(kData + "--config '" + file("job.toml").string() + "' --out '" + file("e").string() + "'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("[distributed].method"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace descent
