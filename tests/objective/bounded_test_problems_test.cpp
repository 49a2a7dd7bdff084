#include "descent/objective/bounded_test_problems.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/objective/gradient_check.hpp"
#include "objective/test_support.hpp"

namespace descent {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool feasible(const BoundedTestProblem& p, const std::vector<double>& x) {
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!(p.lower[i] <= x[i] && x[i] <= p.upper[i])) return false;
  return true;
}

TEST(BoundedTestProblems, EntriesAreConsistent) {
  const auto& catalog = bounded_test_problems();
  EXPECT_GE(catalog.size(), 4u);
  for (const BoundedTestProblem& p : catalog) {
    SCOPED_TRACE(p.name);
    const std::size_t n = p.dimension;
    ASSERT_EQ(p.lower.size(), n);
    ASSERT_EQ(p.upper.size(), n);
    ASSERT_EQ(p.start.size(), n);
    ASSERT_EQ(p.minimizer.size(), n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_LT(p.lower[i], p.upper[i]) << i;
    EXPECT_TRUE(feasible(p, p.start));
    EXPECT_TRUE(feasible(p, p.minimizer));
    EXPECT_EQ(p.make<double>()->dimension(), n);
    EXPECT_EQ(p.make<float>()->dimension(), n);
    EXPECT_EQ(find_bounded_test_problem(p.name), &p);
  }
  EXPECT_EQ(find_bounded_test_problem("rosenbrock"), nullptr);
}

// The first-order conditions at every stated solution, and that some bound is active there.
// Every solution is exactly representable and its gradient is computed without rounding
// (dyadic or integer arithmetic: see the construction of each problem), so the conditions
// hold exactly: free coordinates have g_i = 0, not merely small.
TEST(BoundedTestProblems, StatedSolutionsSatisfyTheFirstOrderConditions) {
  std::size_t strictly_active = 0;
  for (const BoundedTestProblem& p : bounded_test_problems()) {
    SCOPED_TRACE(p.name);
    const auto f = p.make<double>();
    std::vector<double> g(p.dimension);
    EXPECT_EQ(f->value_and_gradient(p.minimizer, g), p.minimum);
    std::size_t active = 0;
    for (std::size_t i = 0; i < p.dimension; ++i) {
      const double x = p.minimizer[i];
      if (x == p.lower[i]) {
        EXPECT_GE(g[i], 0.0) << i;
        ++active;
        strictly_active += g[i] > 0;
      } else if (x == p.upper[i]) {
        EXPECT_LE(g[i], 0.0) << i;
        ++active;
        strictly_active += g[i] < 0;
      } else {
        EXPECT_EQ(g[i], 0.0) << i;
      }
    }
    EXPECT_GE(active, 1u);
    EXPECT_EQ(projected_gradient_norm<double>(p.minimizer, g, p.lower, p.upper), 0.0);
    // The start is not a solution.
    std::vector<double> g0(p.dimension);
    f->value_and_gradient(p.start, g0);
    EXPECT_GT(projected_gradient_norm<double>(p.start, g0, p.lower, p.upper), 0.1);
  }
  EXPECT_GE(strictly_active, 9u);  // 5 + 1 + 1 + 2 over the problems whose multipliers are nonzero
}

// The multipliers each construction chose, by hand.
TEST(BoundedTestProblems, MultipliersAreThoseOfTheConstruction) {
  const auto gradient_at_solution = [](const char* name) {
    const BoundedTestProblem& p = *find_bounded_test_problem(name);
    std::vector<double> g(p.dimension);
    p.make<double>()->value_and_gradient(p.minimizer, g);
    return g;
  };
  EXPECT_EQ(gradient_at_solution("box_quadratic"), (std::vector<double>{-2, 0, -1, 3, 0, 1.5, 0, -0.5}));
  EXPECT_EQ(gradient_at_solution("rosenbrock_box"), (std::vector<double>{-1, 0}));
  EXPECT_EQ(gradient_at_solution("nonnegative_least_squares"), (std::vector<double>{0, 12, 0, 0, 10, 0}));
  std::vector<double> capped(10, 0.0);
  capped[0] = -1;  // 2 (x_0 - 1) at x_0 = 1/2; every other residual is 0
  EXPECT_EQ(gradient_at_solution("lbfgsb_driver_capped"), capped);
  EXPECT_EQ(gradient_at_solution("lbfgsb_driver"), std::vector<double>(25, 0.0));
  // driver1's start: f(3, ..., 3) = (3 - 1)^2 + 4 * 24 * (3 - 9)^2.
  const BoundedTestProblem& driver = *find_bounded_test_problem("lbfgsb_driver");
  EXPECT_EQ(driver.make<double>()->value(driver.start), 3460.0);
}

// A property the first-order conditions alone do not give for the nonconvex problems: no
// feasible point is better than the stated solution (as the derivation in each entry's
// reference proves). 2000 random feasible points per problem, in the box clipped to
// x* +- 4 where a bound is infinite.
TEST(BoundedTestProblems, NoRandomFeasiblePointIsBetter) {
  for (const BoundedTestProblem& p : bounded_test_problems()) {
    SCOPED_TRACE(p.name);
    const auto f = p.make<double>();
    for (std::uint64_t seed = 0; seed < 2000; ++seed) {
      const std::vector<double> u = test::random_vector(p.dimension, seed, 0, 1);
      std::vector<double> x(p.dimension);
      for (std::size_t i = 0; i < p.dimension; ++i) {
        const double lo = std::max(p.lower[i], p.minimizer[i] - 4);
        const double hi = std::min(p.upper[i], p.minimizer[i] + 4);
        x[i] = lo + (hi - lo) * u[i];
      }
      ASSERT_GE(f->value(x), p.minimum) << "seed " << seed;
    }
  }
}

TEST(BoundedTestProblems, GradientAndHessianVectorChecks) {
  for (const BoundedTestProblem& p : bounded_test_problems()) {
    SCOPED_TRACE(p.name);
    const auto f = p.make<double>();
    const std::vector<double> v = test::random_vector(p.dimension, 3, -1, 1);
    std::vector<double> middle(p.dimension);
    for (std::size_t i = 0; i < p.dimension; ++i) middle[i] = (p.start[i] + p.minimizer[i]) / 2 + 0.01 * v[i];
    for (const std::vector<double>& x : {p.start, p.minimizer, middle}) {
      const GradientCheckResult gradient = check_gradient(*f, x);
      EXPECT_TRUE(gradient.ok) << gradient.describe();
      const GradientCheckResult hessian = check_hessian_vector(*f, x, v);
      EXPECT_TRUE(hessian.ok) << hessian.describe();
    }
  }
}

TEST(BoundedTestProblems, FloatAgreesWithDoubleAtTheSolution) {
  // At x* (exact in float except lbfgsb_driver_capped's last coordinates, which underflow
  // towards 0 and leave residuals below 1e-38) each problem's float value is f* up to the
  // rounding of its few float operations on numbers below 1e3: 64 eps_f (1 + |f*|).
  for (const BoundedTestProblem& p : bounded_test_problems()) {
    SCOPED_TRACE(p.name);
    const std::vector<float> x = test::to_float(p.minimizer);
    EXPECT_NEAR(p.make<float>()->value(x), p.minimum,
                64 * std::numeric_limits<float>::epsilon() * (1 + std::abs(p.minimum)));
  }
}

// By hand: x = (0, 1, 2) in [0, 1] x [0, 2] x [-inf, inf], g = (1, -3, 0.5):
// x - g = (-1, 4, 1.5) projects to (0, 2, 1.5), so the distances are (0, 1, 0.5).
TEST(BoundedTestProblems, ProjectedGradientNorm) {
  const std::vector<double> x{0, 1, 2}, g{1, -3, 0.5}, lower{0, 0, -kInf}, upper{1, 2, kInf};
  EXPECT_EQ(projected_gradient_norm<double>(x, g, lower, upper), 1.0);
  const std::vector<float> xf{0, 1, 2}, gf{1, 0, 0.5};
  EXPECT_EQ(projected_gradient_norm<float>(xf, gf, lower, upper), 0.5f);
  const std::vector<double> nan_gradient{0, std::nan(""), 0};
  EXPECT_TRUE(std::isnan(projected_gradient_norm<double>(x, nan_gradient, lower, upper)));
  try {
    projected_gradient_norm<double>(x, g, std::vector<double>(2), upper);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "projected_gradient_norm: lower has 2 elements, expected 3");
  }
}

}  // namespace
}  // namespace descent
