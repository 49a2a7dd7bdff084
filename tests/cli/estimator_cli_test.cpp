// Estimators from the command line: `descent minimize --estimator`, `descent train
// --estimator`, and `descent compare` over estimators with its loss-against-passes plot.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::lines_of;
using testing::read_text;
namespace fs = std::filesystem;

// L2 logistic regression, class 0 of 4 Gaussian clusters against the rest: strongly convex.
const std::string kLogistic =
    "--data synthetic --preprocess standardize --model logistic --l2 0.01 --precision double -q ";

TEST_F(Cli, CompareOfEstimatorsPlotsLossAgainstDataPasses) {
  const auto r = run("compare " + kLogistic + "--batch-size 1 --epochs 3 --full-objective --target-loss 1 --out '" +
                     file("cmp").string() + "' --compare 'sgd(lr=0.05)' --compare-estimator 'minibatch(1)' " +
                     "--compare-estimator 'lsvrg' --compare-estimator 'saga' --compare-estimator 'svrg'");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string report = read_text(file("cmp") / "report.md");
  for (const char* label : {"| minibatch(1) | ", "| lsvrg | ", "| saga | ", "| svrg | "})
    EXPECT_NE(report.find(label), std::string::npos) << label << "\n" << report;
  EXPECT_NE(report.find("passes to loss 1"), std::string::npos) << report;
  const std::string svg = read_text(file("cmp") / "loss_vs_passes.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("data passes"), std::string::npos);
  const auto results = nlohmann::json::parse(read_text(file("cmp") / "results.json"));
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[1]["estimator"], "lsvrg(batch_size=1, probability=0)");
  for (const auto& run : results) {
    ASSERT_EQ(run["epochs"].size(), 4u) << run["label"];  // the start (epoch 0), then 3 epochs
    EXPECT_EQ(run["epochs"][0]["objective"], results[0]["epochs"][0]["objective"]);  // f(x0), the same start
    for (const auto& e : run["epochs"]) EXPECT_TRUE(e["objective"].is_number()) << run["label"];
  }
  // An epoch is n steps of one sample: plain SGD costs exactly one pass per epoch, SAGA one
  // more for its table at the start, L-SVRG about 3 (2 + n p with p = 1/n) and SVRG 2.5.
  EXPECT_DOUBLE_EQ(results[0]["epochs"][3]["data_passes"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(results[2]["epochs"][3]["data_passes"].get<double>(), 4.0);
  EXPECT_NEAR(results[1]["epochs"][3]["data_passes"].get<double>(), 9.0, 3.0);
  EXPECT_NEAR(results[3]["epochs"][3]["data_passes"].get<double>(), 7.5, 1.0);
  // With the same constant step, the variance-reduced runs end below SGD's noise floor.
  const double sgd = results[0]["epochs"][3]["objective"].get<double>();
  EXPECT_LT(results[1]["epochs"][3]["objective"].get<double>(), sgd);
  EXPECT_LT(results[2]["epochs"][3]["objective"].get<double>(), sgd);
}

TEST_F(Cli, TrainAndMinimizeTakeAnEstimatorSpec) {
  auto r = run("train " + kLogistic + "--batch-size 4 --epochs 2 --estimator 'saga(batch_size=4)' " +
               "--optimizer 'sgd(lr=0.05)' --out '" + file("run").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto summary = nlohmann::json::parse(read_text(file("run") / "summary.json"));
  EXPECT_EQ(summary["estimator"], "saga(batch_size=4, scalar_table=true)");
  const auto header = lines_of(read_text(file("run") / "metrics.csv")).at(0);
  EXPECT_NE(header.find("data_passes,objective"), std::string::npos) << header;

  r = run("minimize --function least_squares --dim 5 --samples 40 --steps 400 --optimizer 'sgd(lr=0.05)' "
          "--estimator 'lsvrg(batch_size=2)' --precision double");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("estimator: lsvrg(batch_size=2, probability=0)"), std::string::npos) << r.out;

  r = run("minimize --function rosenbrock --steps 10 -q --estimator svrg");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("needs a finite-sum objective"), std::string::npos) << r.err;
  r = run("minimize --function least_squares --steps 10 -q --estimator 'lsvrg(probability=3)'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--estimator: LooplessSvrgOptions::probability = 3 violates 0 <= probability <= 1"),
            std::string::npos)
      << r.err;
  r = run("minimize --function least_squares --steps 10 -q --estimator saga --batch-size 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--batch-size: conflicts with --estimator"), std::string::npos) << r.err;
  r = run("minimize --function least_squares --steps 10 -q --average 'tial'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--average: unknown averaging 'tial'; did you mean 'tail'?"), std::string::npos) << r.err;
  r = run("minimize --function least_squares --steps 10 -q --stationarity-stop 'stationarity(rhat_threshold=0.5)'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("StationarityStopOptions::rhat_threshold = 0.5 violates"), std::string::npos) << r.err;
  r = run("train " + kLogistic + "--epochs 2 --average 'exponential(decay=1.5)' --out '" + file("bad").string() + "'");
  EXPECT_EQ(r.status, 2);
  // The message names the flag the user typed (a job file's key when the spec came from one).
  EXPECT_NE(r.err.find("--average: IterateAveragingOptions::decay = 1.5 violates"), std::string::npos)
      << r.err;
  r = run("minimize --function least_squares --dim 5 --samples 100 --steps 3000 --precision double "
          "--solver 'lkatyusha(smoothness=20, strong_convexity=0.1)'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("solver: lkatyusha(smoothness=20, strong_convexity=0.1,"), std::string::npos) << r.out;
  r = run("minimize --function least_squares --steps 10 -q --solver lkatyusha");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--solver: LooplessKatyushaOptions::smoothness = 0 violates smoothness > 0"),
            std::string::npos)
      << r.err;
  r = run("minimize --function least_squares --steps 10 -q --solver 'lkatyusha(smoothness=1)' --optimizer sgd");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--optimizer: does not apply with --solver"), std::string::npos) << r.err;
  r = run("list --kind estimator");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* name : {"adaptive_batch:", "full_gradient:", "importance:", "label_noise:", "lsvrg:", "lsvrg_as:",
                           "minibatch:", "saga:", "sam:", "svrg:"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

}  // namespace
}  // namespace descent
