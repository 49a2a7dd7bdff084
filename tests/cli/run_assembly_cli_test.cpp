// One registry and one run layer behind every subcommand: `descent list` shows every kind,
// a callback named by --callback is the same run as by its own flag, and a job file's
// callbacks and model keys reach the run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::read_text;
using testing::Result;

void write(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

TEST_F(Cli, ListShowsEveryKindOfTheRegistry) {
  Result r = run("list");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* heading :
       {"OPTIMIZERS", "TRANSFORMS", "SCHEDULES", "ESTIMATORS", "SOLVERS", "AVERAGING", "STOPPING RULES", "MODELS"})
    EXPECT_NE(r.out.find(std::string(heading) + "\n\n"), std::string::npos) << heading;
  r = run("list --kind model");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* name : {"least_squares:", "logistic:", "mlp:", "softmax:"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  EXPECT_NE(r.out.find("  hidden "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("adam:"), std::string::npos);
  // One name, two kinds: both are shown, or the one --kind asks for.
  r = run("list exponential");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("init * gamma^t"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("moving average"), std::string::npos) << r.out;
  r = run("list --kind averaging exponential");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("init * gamma^t"), std::string::npos) << r.out;
  r = run("list --kind solver lkatyusha");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("smoothness"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("max_steps"), std::string::npos) << r.out;  // the run's, not the spec's
  r = run("list --kind solver sgd");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent list: --kind: 'sgd' is an optimizer, not a solver\n");
}

TEST_F(Cli, MinimizeCallbackIsTheSameRunAsItsOwnFlag) {
  const std::string base =
      "minimize --function least_squares --dim 4 --samples 50 --steps 300 --precision double -q "
      "--optimizer 'sgd(lr=0.02)' --estimator 'minibatch(2)' ";
  Result r = run(base + "--average 'tail(tail_fraction=0.5)' --output '" + file("flag.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run(base + "--callback 'tail(tail_fraction=0.5)' --output '" + file("callback.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run(base + "--output '" + file("last.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_text(file("callback.txt")), read_text(file("flag.txt")));
  EXPECT_NE(read_text(file("last.txt")), read_text(file("flag.txt")));  // the average is written back

  r = run(base + "--callback cosine");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--callback: 'cosine' is a schedule, not a callback"), std::string::npos) << r.err;
  r = run("minimize --function least_squares --steps 5 -q --solver 'lkatyusha(smoothness=1)' --callback polyak");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--callback: does not apply with --solver"), std::string::npos) << r.err;
  r = run("minimize --function rosenbrock --steps 5 -q --solver 'lkatyusha(smoothness=1)'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--solver: the lkatyusha solver needs a finite-sum objective; 'rosenbrock' is not one"),
            std::string::npos)
      << r.err;
}

TEST_F(Cli, JobFileCallbacksAndModelKeysReachTheRun) {
  const std::string data =
      "[data]\nname = \"synthetic\"\nsynthetic_samples = 200\nsynthetic_features = 6\n"
      "synthetic_classes = 3\n";
  write(file("job.toml"), data +
                              "[model]\ntype = \"softmax\"\nbias = false\nnum_classes = 3\n"
                              "[optimizer]\nspec = \"sgd(lr=0.1)\"\n"
                              "[training]\nepochs = 2\nbatch_size = 10\ncallbacks = [\"polyak(start_step=5)\"]\n");
  Result r = run("train -q --config '" + file("job.toml").string() + "' --out '" + file("a").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto a = nlohmann::json::parse(read_text(file("a") / "summary.json"));
  EXPECT_EQ(a["parameters"], 3 * 6);  // no bias
  // The same run with the average from its own key.
  write(file("average.toml"), data +
                                  "[model]\ntype = \"softmax\"\nbias = false\nnum_classes = 3\n"
                                  "[optimizer]\nspec = \"sgd(lr=0.1)\"\n"
                                  "[training]\nepochs = 2\nbatch_size = 10\naverage = \"polyak(start_step=5)\"\n");
  r = run("train -q --config '" + file("average.toml").string() + "' --out '" + file("b").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto b = nlohmann::json::parse(read_text(file("b") / "summary.json"));
  ASSERT_EQ(a["epochs"].size(), b["epochs"].size());
  for (std::size_t e = 0; e < a["epochs"].size(); ++e)
    EXPECT_EQ(a["epochs"][e]["test_loss"], b["epochs"][e]["test_loss"]) << e;

  write(file("bad.toml"), data + "[training]\ncallbacks = [\"tail\", \"polyak(start=3)\"]\n");
  r = run("train -q --config '" + file("bad.toml").string() + "' --out '" + file("c").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.toml: [training].callbacks[1]: 'polyak' has no argument 'start'"), std::string::npos)
      << r.err;
  r = run("train -q --data synthetic --model mpl --out '" + file("d").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent train: --model: 'mpl' is not allowed; did you mean 'mlp'?\n");
  r = run("train -q --data synthetic --epochs 0 --out '" + file("e").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent train: --epochs: 0 violates epochs >= 1\n");
  r = run("minimize --function rosenbrok");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--function: 'rosenbrok' is not one of quadratic, rosenbrock, rastrigin, least_squares; did "
                       "you mean 'rosenbrock'?"),
            std::string::npos)
      << r.err;
  r = run("train -q --data synthetic --optimizer 'sgd(lr=1e300)' --out '" + file("o").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("lr = 1e+300 overflows float precision"), std::string::npos) << r.err;
  r = run("train -q --data synthetic --sampling shufle --out '" + file("s").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--sampling: 'shufle' is not one of shuffle, replacement, poisson; did you mean 'shuffle'?"),
            std::string::npos)
      << r.err;
  r = run("train -q --data synthetic --estimator svgr --out '" + file("e").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--estimator: unknown estimator 'svgr'; did you mean 'svrg'?"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace descent
