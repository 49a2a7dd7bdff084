// The scipy L-BFGS-B fixtures (tests/fixtures/scipy/*.json, written by make_lbfgs_fixtures.py;
// format in the README.md beside them) set up the same problems as descent's C++ objectives:
// at every point scipy evaluated, the C++ value and gradient equal the recorded ones up to
// the rounding of the two implementations. The solver parity tests that compare iterates
// build on this.
//
// The tolerance 2 B: see tests/support/scipy_fixtures.hpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "descent/core/error.hpp"
#include "descent/data/dataset.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/objective/bounded_test_problems.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "descent/objective/sum_of_squares.hpp"
#include "objective/test_problem_support.hpp"
#include "support/scipy_fixtures.hpp"

namespace descent {
namespace {

using nlohmann::json;
using test::kEps;
using testing::fixture_problem;
using testing::FixtureProblem;
using testing::kScipyFixtures;
using testing::numbers;
using testing::read_fixture;

TEST(ScipyLbfgsFixtures, RecordTheRunsTheReadmeDescribes) {
  for (const char* name : kScipyFixtures) {
    SCOPED_TRACE(name);
    const json fixture = read_fixture(name);
    EXPECT_EQ(fixture.at("problem"), name);
    EXPECT_EQ(fixture.at("method"), "L-BFGS-B");
    EXPECT_FALSE(fixture.at("scipy_version").get<std::string>().empty());
    EXPECT_FALSE(fixture.at("numpy_version").get<std::string>().empty());
    const json& options = fixture.at("options");
    EXPECT_EQ(options.at("maxcor"), 10);
    EXPECT_EQ(options.at("maxls"), 20);
    for (const json& run : fixture.at("runs")) {
      const json& iterates = run.at("iterates");
      ASSERT_GE(iterates.size(), 2u);
      EXPECT_EQ(numbers(iterates[0].at("x")), numbers(fixture.at("x0")));
      EXPECT_EQ(run.at("nit").get<std::size_t>() + 1, iterates.size());  // x0, then one per iteration
      EXPECT_EQ(run.at("nfev").get<std::size_t>(), run.at("evaluations").size());
      EXPECT_EQ(numbers(run.at("x")), numbers(iterates.back().at("x")));
      EXPECT_EQ(run.at("f"), iterates.back().at("f"));
      // L-BFGS-B accepts only steps that decrease f (its line search's sufficient decrease).
      for (std::size_t k = 1; k < iterates.size(); ++k)
        EXPECT_LT(iterates[k].at("f").get<double>(), iterates[k - 1].at("f").get<double>()) << k;
      EXPECT_TRUE(run.at("success").get<bool>()) << run.at("message");
    }
  }
}

// scipy's L-BFGS-B treats infinite bounds as no bounds: the two runs of an unbounded problem
// are the same run, iterate for iterate.
TEST(ScipyLbfgsFixtures, InfiniteBoundsAreNoBounds) {
  for (const char* name : {"rosenbrock_2d", "rosenbrock_10d", "logistic_l2"}) {
    SCOPED_TRACE(name);
    const json fixture = read_fixture(name);
    ASSERT_EQ(fixture.at("runs").size(), 2u);
    EXPECT_EQ(fixture.at("runs")[0].at("bounds"), "none");
    EXPECT_EQ(fixture.at("runs")[1].at("bounds"), "infinite");
    EXPECT_EQ(fixture.at("runs")[0].at("iterates"), fixture.at("runs")[1].at("iterates"));
  }
}

TEST(ScipyLbfgsFixtures, CppObjectivesMatchEveryRecordedEvaluation) {
  for (const char* name : kScipyFixtures) {
    SCOPED_TRACE(name);
    const json fixture = read_fixture(name);
    const FixtureProblem s = fixture_problem(fixture);
    const std::size_t n = s.objective->dimension();
    std::size_t compared = 0;
    std::vector<double> g(n);
    for (const json& run : fixture.at("runs")) {
      for (const json& e : run.at("evaluations")) {
        const std::vector<double> x = numbers(e.at("x"));
        const std::vector<double> recorded = numbers(e.at("grad"));
        const double f = s.objective->value_and_gradient(x, g);
        const test::MinimizerTolerance bound = s.bound(x);
        EXPECT_NEAR(f, e.at("f").get<double>(), 2 * bound.value) << "evaluation " << compared;
        for (std::size_t j = 0; j < n; ++j) EXPECT_NEAR(g[j], recorded[j], 2 * bound.gradient[j]) << j;
        ++compared;
      }
      for (const json& it : run.at("iterates")) {
        const std::vector<double> x = numbers(it.at("x"));
        const double f = s.objective->value_and_gradient(x, g);
        const test::MinimizerTolerance bound = s.bound(x);
        EXPECT_NEAR(f, it.at("f").get<double>(), 2 * bound.value);
        double g_inf = 0, bound_inf = 0;
        for (std::size_t j = 0; j < n; ++j) {
          g_inf = std::max(g_inf, std::abs(g[j]));
          bound_inf = std::max(bound_inf, bound.gradient[j]);
        }
        EXPECT_NEAR(g_inf, it.at("grad_inf").get<double>(), 2 * bound_inf);
      }
    }
    EXPECT_GT(compared, 10u);
  }
}

// The bounded fixtures carry the bounds and the solution of the C++ entries, and their runs
// end there; scipy.optimize.nnls finds the constructed NNLS solution.
TEST(ScipyLbfgsFixtures, BoundedFixturesAreTheBoundedTestProblems) {
  const double inf = std::numeric_limits<double>::infinity();
  for (const char* name : {"rosenbrock_box", "nonnegative_least_squares", "lbfgsb_driver"}) {
    SCOPED_TRACE(name);
    const json fixture = read_fixture(name);
    const BoundedTestProblem& p = *find_bounded_test_problem(name);
    std::vector<double> lower = numbers(fixture.at("lower")), upper = numbers(fixture.at("upper"));
    for (double& v : lower) v = std::isnan(v) ? -inf : v;  // null: unbounded
    for (double& v : upper) v = std::isnan(v) ? inf : v;
    EXPECT_EQ(lower, p.lower);
    EXPECT_EQ(upper, p.upper);
    EXPECT_EQ(numbers(fixture.at("x0")), p.start);
    EXPECT_EQ(numbers(fixture.at("solution").at("x")), p.minimizer);
    EXPECT_EQ(fixture.at("solution").at("f").get<double>(), p.minimum);
    // scipy stops near x*, not at it (lbfgsb_driver's last coordinates are off by 7e-4: its
    // Hessian is nearly singular along the chain), so the check is on f: no run ends below
    // f* (beyond rounding), and every run ends within 1e-9 of it, a threshold for "reached
    // this minimum" rather than a precision.
    const json& run = fixture.at("runs")[0];
    const std::vector<double> x = numbers(run.at("x"));
    const double bound = fixture_problem(fixture).bound(x).value;
    EXPECT_GE(run.at("f").get<double>(), p.minimum - 2 * bound);
    EXPECT_LE(run.at("f").get<double>() - p.minimum, 1e-9 * std::max(1.0, p.minimum));
  }
  // NNLS by active sets solves the least-squares problem on the free columns, backward
  // stably: its error is a few eps times cond(A) = 7.0 times |x*|, 64 * 7 eps * 2 < 2e-13.
  const json nnls = read_fixture("nonnegative_least_squares");
  const std::vector<double> x = numbers(nnls.at("scipy_nnls").at("x"));
  const std::vector<double> expected = find_bounded_test_problem("nonnegative_least_squares")->minimizer;
  for (std::size_t j = 0; j < x.size(); ++j) EXPECT_NEAR(x[j], expected[j], 64 * 7 * kEps * 2) << j;
  EXPECT_NEAR(nnls.at("scipy_nnls").at("f").get<double>(), 9.0, 64 * 7 * kEps * 9);
}

}  // namespace
}  // namespace descent
