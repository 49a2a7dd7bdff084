// The `descent` program end to end: its output, its files and its exit status, run as a
// user would run it. Skipped when the build has no CLI (DESCENT_BUILD_CLI=OFF).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "descent/spec/spec_parser.hpp"
#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::kCli;
using testing::lines_of;
using testing::read_text;
using testing::Result;
namespace fs = std::filesystem;

TEST_F(Cli, HelpAndMissingSubcommand) {
  Result r = run("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("minimize"), std::string::npos);
  EXPECT_NE(r.out.find("list"), std::string::npos);
  r = run("minimize --help");
  EXPECT_EQ(r.status, 0);
  for (const char* option : {"--function",   "--optimizer",        "--steps",     "--log",    "--jsonl",
                             "--seed",       "--threads",          "--precision", "--init",   "--batch-size",
                             "--samples",    "--condition",        "--gtol",      "--rtol",   "--time-limit",
                             "--checkpoint", "--checkpoint-every", "--resume",    "--output", "--quiet"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
  EXPECT_EQ(run("list --help").status, 0);
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("frobnicate").status, 2);
}

TEST_F(Cli, ListShowsEveryEntryWithItsParameters) {
  const Result r = run("list");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* heading : {"OPTIMIZERS", "TRANSFORMS", "SCHEDULES"})
    EXPECT_NE(r.out.find(heading), std::string::npos) << heading;
  for (const char* name : {"adam:",
                           "adamw:",
                           "amsgrad:",
                           "sgd:",
                           "momentum:",
                           "nesterov:",
                           "adagrad:",
                           "rmsprop:",
                           "chain:",
                           "clip_by_value:",
                           "clip_by_global_norm:",
                           "weight_decay:",
                           "add_decayed_weights:",
                           "scale_by_schedule:",
                           "constant:",
                           "step_decay:",
                           "exponential:",
                           "linear_decay:",
                           "cosine:",
                           "warmup:"})
    EXPECT_NE(r.out.find(std::string("\n") + name), std::string::npos) << name;
  // momentum's row shows its own default (0.9, not sgd's 0) and the allowed range.
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  momentum +number +0\\.9 +0 <= momentum < 1 ")));
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n  lr +number or schedule +0\\.001 +lr > 0 ")));
}

TEST_F(Cli, ListFiltersByKindAndName) {
  Result r = run("list --kind schedule");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\ncosine:"), std::string::npos);
  EXPECT_EQ(r.out.find("adam:"), std::string::npos);
  EXPECT_EQ(r.out.find("OPTIMIZERS"), std::string::npos);
  r = run("list cosine");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("cosine:", 0), 0u);
  EXPECT_EQ(r.out.find("warmup:"), std::string::npos);
  r = run("list --kind optimizer cosine");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent list: --kind: 'cosine' is a schedule, not an optimizer\n");
  EXPECT_EQ(run("list --kind widget").status, 2);
  EXPECT_EQ(run("list nope").status, 2);
}

// sgd with lr = 1/L on the quadratic (mu = 1, L = 10) contracts the error by 1 - mu/L =
// 0.9 per step, so 1000 steps reach any tolerance above rounding. When the gradient
// norm is <= gtol, strong convexity bounds the error: ||x - x*|| <= ||g|| / mu = gtol.
TEST_F(Cli, MinimizeConvergesAndWritesItsFiles) {
  const Result r =
      run("minimize --function quadratic --dim 5 --condition 10 --optimizer 'sgd(lr=0.1)' --steps 1000 "
          "--init 0 --gtol 1e-8 --log '" +
          file("run.csv").string() + "' --jsonl '" + file("run.jsonl").string() + "' --output '" +
          file("x.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("termination: converged"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("optimizer: sgd(lr=0.1, momentum=0, nesterov=false, weight_decay=0)"), std::string::npos);
  const std::vector<double> x = read_parameters("x.txt");
  ASSERT_EQ(x.size(), 5u);
  for (double v : x) EXPECT_NEAR(v, 1.0, 1e-8);

  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\nsteps: (\\d+)\n")));
  const std::size_t steps = std::stoul(m[1]);
  const auto csv = lines_of(read_text(file("run.csv")));
  ASSERT_EQ(csv.size(), steps + 1);
  EXPECT_EQ(csv[0], "step,value,gradient_norm,elapsed_s,objective_calls,sample_gradients");
  EXPECT_EQ(csv[1].rfind("1,", 0), 0u);
  const auto jsonl = lines_of(read_text(file("run.jsonl")));
  ASSERT_EQ(jsonl.size(), steps);
  EXPECT_EQ(jsonl[0].rfind("{\"step\":1,", 0), 0u);
}

// Float: rounding in the gradient is about L |x| eps_float ~ 1e-6, far below gtol = 1e-4.
TEST_F(Cli, MinimizeInFloat) {
  const Result r =
      run("minimize --function quadratic --dim 4 --precision float --optimizer 'sgd(lr=0.1)' "
          "--steps 1000 --gtol 1e-4 --quiet --output '" +
          file("x.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");  // --quiet
  const std::vector<double> x = read_parameters("x.txt");
  ASSERT_EQ(x.size(), 4u);
  for (double v : x) {
    EXPECT_NEAR(v, 1.0, 1e-4);
    EXPECT_EQ(v, static_cast<double>(static_cast<float>(v)));  // a float, printed exactly
  }
}

// A run stopped at a checkpoint and resumed ends bit for bit where an uninterrupted
// run ends: minibatch sampling (RNG position), Adam's moments and the step count all
// travel in the checkpoint, and --output prints exact hex floats.
TEST_F(Cli, ResumedRunIsBitwiseTheSame) {
  const std::string common =
      "minimize --function least_squares --dim 8 --samples 64 --batch-size 8 --seed 7 "
      "--optimizer 'chain(clip_by_global_norm(1), adam(lr=warmup(cosine(0.05, 200), 20)))' --quiet ";
  Result r = run(common + "--steps 200 --output '" + file("full.txt").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run(common + "--steps 90 --checkpoint '" + file("ck").string() + "' --checkpoint-every 40");
  ASSERT_EQ(r.status, 0) << r.err;
  r = run(common + "--steps 200 --resume '" + file("ck").string() + "' --output '" + file("resumed.txt").string() +
          "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string full = read_text(file("full.txt"));
  EXPECT_EQ(lines_of(full).size(), 8u);
  EXPECT_EQ(read_text(file("resumed.txt")), full);
}

TEST_F(Cli, NonFiniteRunExitsWithOne) {
  // lr = 1e10 on L = 10 multiplies the error by ~1e11 per step: overflow within ~30 steps.
  const Result r = run("minimize --function quadratic --optimizer 'sgd(lr=1e10)' --steps 1000");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("termination: non_finite"), std::string::npos) << r.out;
}

TEST_F(Cli, SpecErrorsNameTheOptionAndPointAtTheColumn) {
  Result r = run("minimize --function rosenbrock --optimizer 'adma(lr=1)'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent minimize: --optimizer: " +
                       point_at("unknown optimizer or transform 'adma'; did you mean 'adam'?", "adma(lr=1)", 1) + "\n");
  r = run("minimize --function rosenbrock --optimizer 'chain(adam(lr=1)'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent minimize: --optimizer: " +
                       point_at("expected ')' to close 'chain(' opened at column 1", "chain(adam(lr=1)", 17) + "\n");
  r = run("minimize --function rosenbrock --optimizer 'adam(beta1=1.2)'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent minimize: --optimizer: AdamOptions::beta1 = 1.2 violates 0 <= beta1 < 1\n");
}

struct UsageCase {
  const char* args;
  const char* option;
};

// Each case exits with 2, names its option on stderr and prints nothing on stdout.
void expect_usage_errors(const Cli& cli, const std::vector<UsageCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const Result r = cli.run(c.args);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find(c.option), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(Cli, ProblemUsageErrorsNameTheOption) {
  expect_usage_errors(*this, {
                                 {"minimize --function nope", "--function"},
                                 {"minimize --optimizer adam", "--function"},
                                 {"minimize --function rosenbrock --dim 1", "--dim"},
                                 {"minimize --function quadratic --dim -3", "--dim"},
                                 {"minimize --function quadratic --condition 0.5", "--condition"},
                                 {"minimize --function rosenbrock --condition 5", "--condition"},
                                 {"minimize --function rosenbrock --batch-size 4", "--batch-size"},
                                 {"minimize --function rastrigin --samples 4", "--samples"},
                                 {"minimize --function least_squares --batch-size 0", "--batch-size"},
                                 {"minimize --function quadratic --init abc", "--init"},
                                 {"minimize --function quadratic --init nan", "--init"},
                             });
}

TEST_F(Cli, RunUsageErrorsNameTheOption) {
  expect_usage_errors(*this, {
                                 {"minimize --function quadratic --precision half", "--precision"},
                                 {"minimize --function quadratic --steps -1", "--steps"},
                                 {"minimize --function quadratic --threads 0", "--threads"},
                                 {"minimize --function quadratic --gtol -1", "--gtol"},
                                 {"minimize --function quadratic --rtol -1", "--rtol"},
                                 {"minimize --function quadratic --time-limit 0", "--time-limit"},
                                 {"minimize --function quadratic --checkpoint-every 5", "--checkpoint"},
                                 {"minimize --function quadratic --log /nonexistent-dir/run.csv", "--log"},
                                 {"minimize --function quadratic --resume /nonexistent-dir/ck", "--resume"},
                             });
}

TEST_F(Cli, TimeLimitStopsARunWithSuccess) {
  const Result r = run("minimize --function rosenbrock --steps 1000000000000 --time-limit 0.2");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("termination: time_limit"), std::string::npos) << r.out;
}

// Ctrl-C: the run stops between steps, still writes --output, and exits with 130.
TEST_F(Cli, InterruptExitsWith130AfterWritingItsOutput) {
  const std::string checkpoint = file("ck").string();
  const std::string output = file("x.txt").string();
  const pid_t pid = testing::spawn({"minimize", "--function", "rosenbrock", "--dim", "4", "--steps", "1000000000000",
                                    "--checkpoint", checkpoint, "--checkpoint-every", "100", "--output", output},
                                   file("stdout"));
  ASSERT_GT(pid, 0);
  // The first checkpoint exists only once the loop runs, so the handler is installed.
  ASSERT_TRUE(testing::wait_for_file(checkpoint));
  EXPECT_EQ(testing::interrupt_and_wait(pid), 130);
  EXPECT_NE(read_text(file("stdout")).find("termination: user_stop"), std::string::npos);
  EXPECT_EQ(read_parameters("x.txt").size(), 4u);
}

}  // namespace
}  // namespace descent
