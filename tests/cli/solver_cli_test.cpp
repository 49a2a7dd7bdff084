// Solvers from `descent minimize`: bounds for L-BFGS-B, the per-iteration log, and the errors
// of options that do not fit a solver.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/cli_runner.hpp"

namespace descent {
namespace {

using testing::Cli;
using testing::lines_of;
using testing::read_text;

// Rosenbrock in R^4 with every coordinate <= 0.5 from the standard start: x_0 <= 0.5 is active
// at the solution (x_0 = 0.5, x_1 = 0.25, ...: each x_{i+1} = x_i^2 up to the next bound), and
// the log has one row per iteration with falling values.
TEST_F(Cli, LbfgsbTakesBoundsAndLogsEveryIteration) {
  const std::string out = file("x.txt").string(), log = file("log.csv").string();
  const auto r =
      run("minimize --function rosenbrock --dim 4 --init standard --solver 'lbfgsb(gtol=1e-9)' "
          "--upper 0.5 --steps 500 --output '" +
          out + "' --log '" + log + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("termination: converged"), std::string::npos) << r.out;
  const auto x = lines_of(read_text(out));
  ASSERT_EQ(x.size(), 4u);
  EXPECT_EQ(std::stod(x[0]), 0.5);  // exactly on the bound
  for (const auto& v : x) EXPECT_LE(std::stod(v), 0.5);
  const auto rows = lines_of(read_text(log));
  ASSERT_GE(rows.size(), 3u);
  EXPECT_EQ(rows[0], "step,value,gradient_norm,elapsed_s,objective_calls,sample_gradients");
  double previous = 1e300;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const std::string value = rows[k].substr(rows[k].find(',') + 1);
    EXPECT_LT(std::stod(value), previous) << rows[k];
    previous = std::stod(value);
  }
}

TEST_F(Cli, SolverOptionsThatDoNotFitAreRefused) {
  auto r = run("minimize --function rosenbrock --solver lbfgs --upper 0.5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent minimize: --solver: the lbfgs solver does not take bounds (lbfgsb does)\n");
  r = run("minimize --function rosenbrock --lower 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "descent minimize: --lower: only applies with --solver (a solver that takes bounds: lbfgsb)\n");
  r = run("minimize --function rosenbrock --solver lbfgsb --lower 1 --upper 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "descent minimize: --solver: lbfgsb: bounds of parameter 0 are [1, 0]: need lower <= upper, neither "
            "NaN\n");
  r = run("minimize --function rosenbrock --solver 'nonlinear_cg(beta=dai_yuan)'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("'dai_yuan' is not one of fr, pr_plus, hz"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace descent
