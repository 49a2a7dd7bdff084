// `descent train` and `descent compare` end to end, on the built-in synthetic problem (and
// on a slice of Fashion-MNIST when it is installed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::kCli;
using testing::lines_of;
using testing::read_text;
namespace fs = std::filesystem;

// A small, quick problem: 10 Gaussian clusters in R^16, 2000 samples.
const std::string kSmall = "--data synthetic --preprocess standardize --model softmax --batch-size 50 -q ";

struct Row {
  std::string epoch, train_loss, test_loss, test_accuracy;
};

std::vector<Row> metrics(const fs::path& csv) {
  std::vector<Row> rows;
  const auto lines = lines_of(read_text(csv));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f;
    std::stringstream in(lines[i]);
    for (std::string field; std::getline(in, field, ',');) f.push_back(field);
    rows.push_back({f.at(0), f.at(2), f.at(3), f.at(4)});
  }
  return rows;
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

TEST_F(Cli, TrainReducesTheLossAndWritesItsFiles) {
  const auto r = run("train " + kSmall + "--optimizer 'sgd(lr=0.1)' --epochs 4 --out '" + file("run").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* name : {"metrics.csv", "metrics.jsonl", "checkpoint.bin", "summary.json"})
    EXPECT_TRUE(fs::exists(file("run") / name)) << name;
  const auto rows = metrics(file("run") / "metrics.csv");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_LT(std::stod(rows.back().train_loss), std::stod(rows.front().train_loss));
  // Ten well-separated clusters: a linear classifier does far better than chance (0.1).
  EXPECT_GT(std::stod(rows.back().test_accuracy), 0.5);
  const auto summary = nlohmann::json::parse(read_text(file("run") / "summary.json"));
  EXPECT_EQ(summary["termination"], "max_steps");
  EXPECT_EQ(summary["epochs"].size(), 4u);
  for (const auto& line : lines_of(read_text(file("run") / "metrics.jsonl")))
    EXPECT_NO_THROW(nlohmann::json::parse(line));
}

TEST_F(Cli, ResumedTrainingMatchesAnUninterruptedRun) {
  const std::string base = "train " + kSmall + "--optimizer 'adam(lr=0.01)' --sampling shuffle --seed 3 ";
  ASSERT_EQ(run(base + "--epochs 4 --out '" + file("straight").string() + "'").status, 0);
  ASSERT_EQ(run(base + "--epochs 2 --out '" + file("split").string() + "'").status, 0);
  const auto r = run(base + "--epochs 4 --resume --out '" + file("split").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto straight = metrics(file("straight") / "metrics.csv");
  const auto split = metrics(file("split") / "metrics.csv");
  ASSERT_EQ(straight.size(), 4u);
  ASSERT_EQ(split.size(), 4u);  // two rows from each process
  // Losses are printed as shortest round-trip decimals: equal text means equal doubles,
  // and the held-out loss is a function of every parameter bit.
  for (std::size_t e = 0; e < 4; ++e) {
    EXPECT_EQ(split[e].epoch, straight[e].epoch);
    EXPECT_EQ(split[e].train_loss, straight[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(split[e].test_loss, straight[e].test_loss) << "epoch " << e + 1;
    EXPECT_EQ(split[e].test_accuracy, straight[e].test_accuracy);
  }
}

TEST_F(Cli, ConfigAndDataErrorsAreOneClearLine) {
  write(file("bad.toml"), "[training]\nepochs = 2\nbatchsize = 10\n");
  auto r = run("train --config '" + file("bad.toml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.toml:3:1: unknown key 'batchsize' in [training]; did you mean 'batch_size'?"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;

  write(file("type.toml"), "[model]\nhidden = \"big\"\n");
  r = run("train --config '" + file("type.toml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("type.toml:2:10: [model].hidden must be an array of positive integers"), std::string::npos)
      << r.err;

  r = run("train " + kSmall + "--optimizer 'adam(lr=1e-3' --out '" + file("x").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--optimizer: expected ')' to close 'adam(' opened at column 1"), std::string::npos) << r.err;

  r = run("train --data fashion-mnist --config '" + file("dir.toml").string() + "'");
  EXPECT_EQ(r.status, 2);  // the config file does not exist: CLI11 says so
  write(file("dir.toml"), "[data]\nname = \"fashion-mnist\"\ndir = \"/nonexistent/fmnist\"\n");
  r = run("train -q --config '" + file("dir.toml").string() + "' --out '" + file("x").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("'/nonexistent/fmnist/train-images-idx3-ubyte.gz' is missing"), std::string::npos) << r.err;
}

TEST_F(Cli, CompareWritesATableAndThreePlots) {
  const auto r =
      run("compare " + kSmall + "--epochs 3 --target-loss 1.0 --target-accuracy 0.5 --out '" + file("cmp").string() +
          "' --compare 'sgd(lr=0.1)' --compare 'adam(lr=0.01)' --label SGD --label Adam");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string report = read_text(file("cmp") / "report.md");
  EXPECT_NE(report.find("| SGD | "), std::string::npos) << report;
  EXPECT_NE(report.find("| Adam | "), std::string::npos) << report;
  EXPECT_NE(report.find("time to loss 1 (s)"), std::string::npos) << report;
  EXPECT_NE(report.find("| run | epochs to test accuracy 0.5 | time to test accuracy 0.5 (s) | best test accuracy |"),
            std::string::npos)
      << report;
  for (const char* plot : {"loss_vs_epoch.svg", "loss_vs_seconds.svg", "accuracy_vs_epoch.svg"}) {
    const std::string svg = read_text(file("cmp") / plot);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u) << plot;
    EXPECT_NE(svg.find(">SGD<"), std::string::npos) << plot;
    EXPECT_NE(svg.find(">Adam<"), std::string::npos) << plot;
  }
  const auto results = nlohmann::json::parse(read_text(file("cmp") / "results.json"));
  ASSERT_EQ(results.size(), 2u);
  ASSERT_EQ(results[0]["epochs"].size(), 4u);  // the start (epoch 0) and 3 epochs
  // Same start: the curves begin at the same point, f(x0), then differ only by the optimizer.
  EXPECT_EQ(results[0]["epochs"][0]["epoch"], 0);
  EXPECT_EQ(results[0]["epochs"][0]["train_loss"], results[1]["epochs"][0]["train_loss"]);
  EXPECT_NE(results[0]["epochs"][1]["train_loss"], results[1]["epochs"][1]["train_loss"]);
}

TEST_F(Cli, CompareWithSeedsReportsMeanStdAndBands) {
  const std::string base =
      "compare --data synthetic --preprocess standardize --model mlp --hidden 8 --batch-size 50 -q "
      "--epochs 2 --compare 'sgd(lr=0.1)' ";
  auto r =
      run(base + "--compare 'adam(lr=0.01)' --label SGD --label Adam --seeds 3 --out '" + file("s").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto results = nlohmann::json::parse(read_text(file("s") / "results.json"));
  ASSERT_EQ(results.size(), 6u);  // 2 runs x 3 seeds, run by run
  // Repetition s differs from s - 1 (another start, other batches); the statistics in the
  // table are those of the three final losses.
  std::vector<double> sgd;
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(results[k]["label"], "SGD");
    EXPECT_EQ(results[k]["repetition"], k);
    sgd.push_back(results[k]["epochs"].back()["train_loss"].get<double>());
  }
  EXPECT_NE(sgd[0], sgd[1]);
  EXPECT_NE(sgd[1], sgd[2]);
  const double mean = (sgd[0] + sgd[1] + sgd[2]) / 3;
  double squares = 0;
  for (double v : sgd) squares += (v - mean) * (v - mean);
  const double std_dev = std::sqrt(squares / 2);  // the sample standard deviation
  char expected[160];
  std::snprintf(expected, sizeof expected, "| SGD | %.4f ± %.4f [%.4f, %.4f] |", mean, std_dev,
                *std::min_element(sgd.begin(), sgd.end()), *std::max_element(sgd.begin(), sgd.end()));
  const std::string report = read_text(file("s") / "report.md");
  EXPECT_NE(report.find(expected), std::string::npos) << expected << "\n" << report;
  EXPECT_NE(report.find("3 repetitions per run"), std::string::npos);
  // One shaded band per method in every plot.
  for (const char* plot : {"loss_vs_epoch.svg", "loss_vs_passes.svg", "loss_vs_seconds.svg", "accuracy_vs_epoch.svg"})
    EXPECT_EQ(lines_of(read_text(file("s") / plot)).size() > 0 &&
                  read_text(file("s") / plot).find("fill-opacity") != std::string::npos,
              true)
        << plot;
  // Repetition 0 is the run without --seeds, bit for bit.
  r = run(base + "--out '" + file("one").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto single = nlohmann::json::parse(read_text(file("one") / "results.json"));
  EXPECT_EQ(single[0]["epochs"].back()["train_loss"], results[0]["epochs"].back()["train_loss"]);
  EXPECT_EQ(read_text(file("one") / "loss_vs_epoch.svg").find("fill-opacity"), std::string::npos);  // no band
  // With f* given, the loss plots show the gap f - f* and the table the final one.
  r = run(base + "--reference-optimum 0.25 --out '" + file("gap").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto gap_results = nlohmann::json::parse(read_text(file("gap") / "results.json"));
  char gap_cell[64];
  std::snprintf(gap_cell, sizeof gap_cell, " | %.3e |",
                gap_results[0]["epochs"].back()["train_loss"].get<double>() - 0.25);
  const std::string gap_report = read_text(file("gap") / "report.md");
  EXPECT_NE(gap_report.find("| final f - f* |"), std::string::npos) << gap_report;
  EXPECT_NE(gap_report.find(gap_cell), std::string::npos) << gap_cell << "\n" << gap_report;
  EXPECT_NE(read_text(file("gap") / "loss_vs_epoch.svg").find("training loss - f* (log scale)"), std::string::npos);
  // Four points per epoch: the curves hold the start, 3 points inside each epoch and its end.
  r = run(base + "--evals-per-epoch 4 --out '" + file("often").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto often = nlohmann::json::parse(read_text(file("often") / "results.json"));
  ASSERT_EQ(often[0]["epochs"].size(), 1u + 2 * 4);
  EXPECT_EQ(often[0]["epochs"][1]["progress"], 0.25);
  EXPECT_EQ(often[0]["epochs"].back()["train_loss"], single[0]["epochs"].back()["train_loss"]);
  // f* computed: the better run again for 10x the epochs in double precision; every
  // compared run ends above it.
  r = run(base + "--compare 'adam(lr=0.01)' --full-objective --reference-optimum auto --out '" + file("auto").string() +
          "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string auto_report = read_text(file("auto") / "report.md");
  EXPECT_NE(auto_report.find("for 20 epochs in double precision"), std::string::npos) << auto_report;
  const auto auto_results = nlohmann::json::parse(read_text(file("auto") / "results.json"));
  const auto fstar_at = auto_report.find("f* = ") + 5;
  const double fstar = std::stod(auto_report.substr(fstar_at));
  for (const auto& run_result : auto_results)
    EXPECT_GT(run_result["epochs"].back()["objective"].get<double>(), fstar) << run_result["label"];
  r = run(base + "--reference-optimum soon --out '" + file("bad").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent compare: --reference-optimum: 'soon' is not a finite number or auto\n");
  r = run(base + "--seeds 0 --out '" + file("zero").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent compare: --seeds: 0 violates seeds >= 1\n");
}

TEST_F(Cli, CtrlCStopsTrainingAfterACheckpointThatResumes) {
  const std::string out = file("run").string();
  const pid_t pid = testing::spawn(
      {"train", "--data", "synthetic", "--model", "softmax", "--batch-size", "10", "--epochs", "100000", "--out", out},
      file("log"));
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(testing::wait_for_file(fs::path(out) / "checkpoint.bin"));
  EXPECT_EQ(testing::interrupt_and_wait(pid), 130) << read_text(file("log"));
  EXPECT_NE(read_text(file("log")).find("user_stop"), std::string::npos);
  // The checkpoint written on the way out continues the run.
  const auto r =
      run("train --data synthetic --model softmax --batch-size 10 --epochs 2 --resume -q --out '" + out + "'");
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(Cli, TrainsOnASliceOfFashionMnist) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto r =
      run("train -q --data fashion-mnist --train-limit 3000 --test-limit 1000 --model softmax "
          "--optimizer 'adam(lr=3e-3)' --epochs 3 --out '" +
          file("fm").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = metrics(file("fm") / "metrics.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_LT(std::stod(rows[2].train_loss), std::stod(rows[0].train_loss));
  EXPECT_GT(std::stod(rows[2].test_accuracy), 0.65);  // softmax reaches ~0.84 on the full set
}

}  // namespace
}  // namespace descent

namespace descent {
namespace {

// A solver trains the model full-batch: one metrics row per iteration, f(x) falling every
// iteration (L-BFGS's line search only accepts decreases), a model file, and its iterations
// compared with an optimizer's epochs by data passes.
TEST_F(Cli, SolversTrainAndCompareFullBatch) {
  auto r = run("train " + kSmall + "--precision double --solver lbfgs --solver-steps 25 --out '" +
               file("solver").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(file("solver") / "model.npz"));
  EXPECT_FALSE(fs::exists(file("solver") / "checkpoint.bin"));
  const auto rows = metrics(file("solver") / "metrics.csv");
  ASSERT_FALSE(rows.empty());
  ASSERT_LE(rows.size(), 25u);
  for (std::size_t k = 1; k < rows.size(); ++k)
    EXPECT_LT(std::stod(rows[k].train_loss), std::stod(rows[k - 1].train_loss)) << k;
  EXPECT_GT(std::stod(rows.back().test_accuracy), 0.5);
  const auto summary = nlohmann::json::parse(read_text(file("solver") / "summary.json"));
  EXPECT_EQ(summary["optimizer"].get<std::string>().rfind("lbfgs(", 0), 0u);

  r = run("compare " + kSmall +
          "--precision double --epochs 3 --full-objective --compare 'sgd(lr=0.1)' "
          "--compare-solver lbfgs --compare-solver 'nonlinear_cg(beta=hz)' --solver-steps 20 --out '" +
          file("cmp").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto results = nlohmann::json::parse(read_text(file("cmp") / "results.json"));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1]["label"], "lbfgs");
  EXPECT_EQ(results[2]["label"], "nonlinear_cg(beta=hz)");
  // Every curve starts at the common point: epoch 0 with zero passes and the same f(x).
  EXPECT_EQ(results[1]["epochs"][0]["objective"], results[0]["epochs"][0]["objective"]);
  EXPECT_EQ(results[1]["epochs"][0]["data_passes"], 0.0);
  const std::string report = read_text(file("cmp") / "report.md");
  EXPECT_NE(report.find("| lbfgs |"), std::string::npos) << report;

  // Errors name what the user typed.
  r = run("train " + kSmall + "--solver 'lbfgs(memory=0)' --out '" + file("bad").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent train: --solver: LbfgsOptions::memory = 0 violates memory >= 1\n");
  r = run("train " + kSmall + "--solver lbfgs --estimator lsvrg --out '" + file("bad").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent train: --estimator: does not apply to a solver run (--solver trains full-batch)\n");
  r = run("compare " + kSmall + "--compare-solver 'lbfgs(memry=3)' --out '" + file("bad").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind("descent compare: --compare-solver 'lbfgs(memry=3)': 'lbfgs' has no argument 'memry'", 0), 0u)
      << r.err;
}

}  // namespace
}  // namespace descent
