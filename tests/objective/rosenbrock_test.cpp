#include "descent/objective/rosenbrock.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/objective/gradient_check.hpp"
#include "objective/test_support.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kFloatEps = std::numeric_limits<float>::epsilon();

TEST(Rosenbrock, NeedsTwoDimensions) {
  try {
    Rosenbrock<double> f(1);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "Rosenbrock::dimension = 1 violates dimension >= 2");
  }
  EXPECT_NO_THROW(Rosenbrock<float>(2));
}

TEST(Rosenbrock, RejectsSpansOfTheWrongLength) {
  const Rosenbrock<double> f(3);
  std::vector<double> x2(2), x3(3), g2(2), g3(3);
  try {
    f.value_and_gradient(x2, g3);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "rosenbrock: x has 2 elements, expected 3");
  }
  try {
    f.hessian_vector(x3, x3, g2);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "rosenbrock: out has 2 elements, expected 3");
  }
  EXPECT_THROW(f.value(x2), MismatchError);
  EXPECT_THROW(f.value_and_gradient(x3, g2), MismatchError);
}

TEST(Rosenbrock, MatchesTheClassicalStartingPoint) {
  // f(-1.2, 1) = 100 (1 - 1.44)^2 + 2.2^2 = 24.2, grad = (-215.6, -88) (as scipy.optimize.rosen).
  const Rosenbrock<double> f(2);
  const std::vector<double> x{-1.2, 1.0};
  std::vector<double> g(2);
  // Every intermediate is below 500 in size and goes through ~5 roundings.
  const double tolerance = 5 * 500 * kEps;
  EXPECT_NEAR(f.value_and_gradient(x, g), 24.2, tolerance);
  EXPECT_NEAR(g[0], -215.6, tolerance);
  EXPECT_NEAR(g[1], -88.0, tolerance);
  EXPECT_EQ(f.name(), "rosenbrock");
  EXPECT_FALSE(f.smoothness().has_value());  // the Hessian is unbounded
}

TEST(Rosenbrock, MinimumIsZeroAtOnes) {
  const Rosenbrock<double> f(6);
  const auto minimum = f.known_minimum();
  ASSERT_TRUE(minimum.has_value());
  EXPECT_EQ(minimum->x, std::vector<double>(6, 1.0));
  EXPECT_EQ(minimum->value, 0.0);
  std::vector<double> g(6, 3.0);
  EXPECT_EQ(f.value_and_gradient(minimum->x, g), 0.0);  // x_{i+1} - x_i^2 and 1 - x_i are exactly 0
  EXPECT_EQ(g, std::vector<double>(6, 0.0));
  EXPECT_EQ(f.value(minimum->x), 0.0);
}

TEST(Rosenbrock, HessianMatchesTheTridiagonalFormula) {
  const std::size_t d = 4;
  const Rosenbrock<double> f(d);
  const std::vector<double> x = test::random_vector(d, 21, -2, 2);
  Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(d, d);
  for (std::size_t i = 0; i + 1 < d; ++i) {
    expected(i, i) += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
    expected(i, i + 1) += -400 * x[i];
    expected(i + 1, i) += -400 * x[i];
    expected(i + 1, i + 1) += 200;
  }
  // Entries are sums of at most 5 terms below 1200 * 4 + 800 + 202 = 5802.
  EXPECT_LE((test::dense_hessian(f, x) - expected).cwiseAbs().maxCoeff(), 8 * 5802 * kEps);
}

TEST(Rosenbrock, PassesGradientAndHessianVectorChecks) {
  const std::size_t d = 5;
  const Rosenbrock<double> f(d);
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const std::vector<double> x = test::random_vector(d, seed, -2, 2);
    const std::vector<double> v = test::random_vector(d, seed + 50, -1, 1);
    const GradientCheckResult gradient = check_gradient(f, x);
    EXPECT_TRUE(gradient.ok) << gradient.describe();
    const GradientCheckResult hessian = check_hessian_vector(f, x, v);
    EXPECT_TRUE(hessian.ok) << hessian.describe();
  }
}

TEST(Rosenbrock, FloatAgreesWithDoubleToFloatPrecision) {
  const std::size_t d = 6;
  const Rosenbrock<float> ff(d);
  const Rosenbrock<double> fd(d);
  std::vector<float> gf(d);
  std::vector<double> gd(d);
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const std::vector<float> xf = test::to_float(test::random_vector(d, seed, -2, 2));
    const std::vector<double> x = test::to_double(xf);
    // With m_i = |x_{i+1}| + x_i^2: t = x_{i+1} - x_i^2 is off by <= 2 eps_f m_i in float,
    // 100 t^2 by <= 6 eps_f 100 m_i^2 and (1 - x_i)^2 by <= 4 eps_f (1 + |x_i|)^2; the sum
    // (in double) and the final rounding add eps_f f. Hence 8 eps_f sum(...) for the value
    // and, term by term, 8 eps_f (400 |x_i| m_i + 2 (1 + |x_i|) + 200 m_{i-1}) for g_i.
    double value_scale = 0;
    std::vector<double> gradient_scale(d, 0.0);
    for (std::size_t i = 0; i + 1 < d; ++i) {
      const double m = std::abs(x[i + 1]) + x[i] * x[i];
      value_scale += 100 * m * m + (1 + std::abs(x[i])) * (1 + std::abs(x[i]));
      gradient_scale[i] += 400 * std::abs(x[i]) * m + 2 * (1 + std::abs(x[i]));
      gradient_scale[i + 1] += 200 * m;
    }
    const double value_d = fd.value_and_gradient(x, gd);
    EXPECT_NEAR(ff.value_and_gradient(xf, gf), value_d, 8 * kFloatEps * value_scale);
    EXPECT_NEAR(ff.value(xf), value_d, 8 * kFloatEps * value_scale);
    for (std::size_t i = 0; i < d; ++i) EXPECT_NEAR(gf[i], gd[i], 8 * kFloatEps * gradient_scale[i]) << i;
  }
}

}  // namespace
}  // namespace descent
