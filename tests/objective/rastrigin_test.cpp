#include "descent/objective/rastrigin.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "descent/core/error.hpp"
#include "descent/objective/gradient_check.hpp"
#include "objective/test_support.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kFloatEps = std::numeric_limits<float>::epsilon();
constexpr double kPi = std::numbers::pi;

TEST(Rastrigin, NeedsOneDimension) {
  try {
    Rastrigin<double> f(0);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "Rastrigin::dimension = 0 violates dimension >= 1");
  }
}

TEST(Rastrigin, RejectsSpansOfTheWrongLength) {
  const Rastrigin<double> f(3);
  std::vector<double> x4(4), x3(3), g3(3);
  try {
    f.value(x4);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "rastrigin: x has 4 elements, expected 3");
  }
  try {
    f.hessian_vector(x3, x4, g3);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "rastrigin: v has 4 elements, expected 3");
  }
  EXPECT_THROW(f.value_and_gradient(x3, x4), MismatchError);
}

TEST(Rastrigin, EqualsTheTextbookFormula) {
  const std::size_t d = 7;
  const Rastrigin<double> f(d);
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const std::vector<double> x = test::random_vector(d, seed, -5.12, 5.12);
    double textbook = 10.0 * static_cast<double>(d);
    double magnitude = 10.0 * static_cast<double>(d);  // sum of |terms| of the textbook form
    for (double xi : x) {
      textbook += xi * xi - 10 * std::cos(2 * kPi * xi);
      magnitude += xi * xi + 10;
    }
    // The textbook form cancels terms of size `magnitude`; its arguments 2 pi x_i (<= 33)
    // are rounded by 33 eps, moving each cosine term by 10 * 33 eps. Budget 4 eps per
    // term of `magnitude` plus 330 eps per coordinate.
    EXPECT_NEAR(f.value(x), textbook, 4 * kEps * magnitude + 330 * kEps * static_cast<double>(d)) << seed;
  }
}

TEST(Rastrigin, MinimumIsZeroAtTheOrigin) {
  const Rastrigin<double> f(4);
  const auto minimum = f.known_minimum();
  ASSERT_TRUE(minimum.has_value());
  EXPECT_EQ(minimum->x, std::vector<double>(4, 0.0));
  EXPECT_EQ(minimum->value, 0.0);
  std::vector<double> g(4, 1.0);
  EXPECT_EQ(f.value_and_gradient(minimum->x, g), 0.0);  // sin(0) = 0 exactly
  EXPECT_EQ(g, std::vector<double>(4, 0.0));
  EXPECT_EQ(f.name(), "rastrigin");
}

TEST(Rastrigin, IntegerPointsAreLocalMinimaWithValueSumOfSquares) {
  const Rastrigin<double> f(3);
  const std::vector<double> x{1, -2, 3};
  std::vector<double> g(3);
  // The computed argument pi k is off by at most pi |k| eps (pi and the product each
  // rounded by eps/2 relative), so sin(pi k) = O(pi |k| eps) instead of 0: the value moves
  // by 20 (pi |k| eps)^2, negligible beside the rounding of 14, and the gradient term
  // 40 pi sin cos by <= 40 pi^2 |k| eps beside 2 k (itself exact up to 2 |k| eps).
  EXPECT_NEAR(f.value_and_gradient(x, g), 14.0, 14 * 2 * kEps);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(g[i], 2 * x[i], (40 * kPi * kPi + 4) * std::abs(x[i]) * kEps) << i;
}

TEST(Rastrigin, SmoothnessBoundsTheHessianAndIsAttainedAtIntegers) {
  const std::size_t d = 5;
  const Rastrigin<double> f(d);
  const double L = 2 + 40 * kPi * kPi;
  ASSERT_TRUE(f.smoothness().has_value());
  EXPECT_NEAR(*f.smoothness(), L, 2 * kEps * L);
  std::vector<double> hv(d);
  const std::vector<double> ones(d, 1.0);
  f.hessian_vector(std::vector<double>(d, 0.0), ones, hv);
  for (double h : hv) EXPECT_NEAR(h, L, 2 * kEps * L);
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    f.hessian_vector(test::random_vector(d, seed, -5, 5), ones, hv);
    for (double h : hv) EXPECT_LE(std::abs(h), L * (1 + 4 * kEps));
  }
}

TEST(Rastrigin, PassesGradientAndHessianVectorChecks) {
  const std::size_t d = 6;
  const Rastrigin<double> f(d);
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const std::vector<double> x = test::random_vector(d, seed, -5.12, 5.12);
    const std::vector<double> v = test::random_vector(d, seed + 50, -1, 1);
    const GradientCheckResult gradient = check_gradient(f, x);
    EXPECT_TRUE(gradient.ok) << gradient.describe();
    const GradientCheckResult hessian = check_hessian_vector(f, x, v);
    EXPECT_TRUE(hessian.ok) << hessian.describe();
  }
  // Near the minimum too: every term is >= 0, so rounding stays relative to f.
  const std::vector<double> near_zero = test::random_vector(d, 9, -1e-3, 1e-3);
  EXPECT_TRUE(check_gradient(f, near_zero).ok) << check_gradient(f, near_zero).describe();
}

TEST(Rastrigin, FloatAgreesWithDoubleToFloatPrecision) {
  const std::size_t d = 6;
  const Rastrigin<float> ff(d);
  const Rastrigin<double> fd(d);
  std::vector<float> gf(d);
  std::vector<double> gd(d);
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const std::vector<float> xf = test::to_float(test::random_vector(d, seed, -5.12, 5.12));
    const std::vector<double> x = test::to_double(xf);
    // In float, pi x is rounded by eps_f pi |x|, so s = sin(pi x) and c = cos(pi x) are off
    // by eps_f (pi |x| + 1); 20 s^2 by 40 eps_f (pi |x| + 1) + 60 eps_f and x^2 by 2 eps_f x^2:
    // within 8 eps_f (x^2 + 20 (pi |x| + 1)). The gradient 2 x + 40 pi s c is off by
    // 40 pi eps_f (2 pi |x| + 5) + 4 eps_f |x| <= 8 eps_f (|x| + 20 pi (2 pi |x| + 2)).
    double value_scale = 0;
    for (double xi : x) value_scale += xi * xi + 20 * (kPi * std::abs(xi) + 1);
    const double value_d = fd.value_and_gradient(x, gd);
    EXPECT_NEAR(ff.value_and_gradient(xf, gf), value_d, 8 * kFloatEps * value_scale);
    EXPECT_NEAR(ff.value(xf), value_d, 8 * kFloatEps * value_scale);
    for (std::size_t i = 0; i < d; ++i)
      EXPECT_NEAR(gf[i], gd[i], 8 * kFloatEps * (std::abs(x[i]) + 20 * kPi * (2 * kPi * std::abs(x[i]) + 2))) << i;
  }
}

}  // namespace
}  // namespace descent
