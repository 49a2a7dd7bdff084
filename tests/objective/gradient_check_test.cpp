#include "descent/objective/gradient_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "objective/test_support.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// f(x) = offset + sum_i c_i x_i^3 / 3 (+ x_i^2 / 2 when quadratic_part): a function whose
// central-difference truncation error is known in closed form, D(h) - g_i = c_i h^2 / 3.
class Cubic final : public Differentiable<double> {
 public:
  Cubic(std::vector<double> c, double offset = 0) : c_(std::move(c)), offset_(offset) {}
  std::string name() const override { return "cubic"; }
  std::size_t dimension() const override { return c_.size(); }
  double value(std::span<const double> x) const override {
    double s = offset_;
    for (std::size_t i = 0; i < c_.size(); ++i) s += c_[i] * x[i] * x[i] * x[i] / 3 + x[i] * x[i] / 2;
    return s;
  }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    for (std::size_t i = 0; i < c_.size(); ++i) g[i] = c_[i] * x[i] * x[i] + x[i];
    return value(x);
  }
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    for (std::size_t i = 0; i < c_.size(); ++i) out[i] = (2 * c_[i] * x[i] + 1) * v[i];
  }

 private:
  std::vector<double> c_;
  double offset_;
};

// Wraps an objective and corrupts one gradient (or Hessian-vector) component by a
// relative amount, as a bug in a derivative would.
class Corrupted final : public Differentiable<double> {
 public:
  Corrupted(const Differentiable<double>& inner, std::size_t index, double relative, bool in_hessian)
      : inner_(inner), index_(index), relative_(relative), in_hessian_(in_hessian) {}
  std::string name() const override { return "corrupted"; }
  std::size_t dimension() const override { return inner_.dimension(); }
  double value(std::span<const double> x) const override { return inner_.value(x); }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    const double f = inner_.value_and_gradient(x, g);
    if (!in_hessian_) g[index_] *= 1 + relative_;
    return f;
  }
  bool has_hessian_vector() const override { return inner_.has_hessian_vector(); }
  void hessian_vector(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    inner_.hessian_vector(x, v, out);
    if (in_hessian_) out[index_] *= 1 + relative_;
  }

 private:
  const Differentiable<double>& inner_;
  std::size_t index_;
  double relative_;
  bool in_hessian_;
};

class WithoutHessian final : public Differentiable<double> {
 public:
  std::string name() const override { return "plain"; }
  std::size_t dimension() const override { return 2; }
  double value(std::span<const double> x) const override { return x[0] * x[1]; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    g[0] = x[1];
    g[1] = x[0];
    return value(x);
  }
};

TEST(GradientCheck, DefaultsComeFromTheErrorModel) {
  const GradientCheckOptions<double> d;
  EXPECT_DOUBLE_EQ(d.step, std::cbrt(kEps));  // ~6.1e-6
  // pow(eps, 2/3) inherits the rounding of 2/3 times |log eps| = 36: ~12 eps relative.
  EXPECT_NEAR(d.rtol, std::pow(kEps, 2.0 / 3.0), 16 * kEps * d.rtol);  // ~3.7e-11
  const GradientCheckOptions<float> f;
  const double float_eps = std::numeric_limits<float>::epsilon();
  EXPECT_NEAR(f.step, std::cbrt(float_eps), 1e-7 * std::cbrt(float_eps));  // ~4.9e-3
  EXPECT_EQ(d.atol, 0.0);
  EXPECT_EQ(d.max_coordinates, 0u);
}

TEST(GradientCheck, CentralDifferenceErrorIsTheTruncationTermOfTheModel) {
  // One coordinate, x = 0.75 and h = 2^-10 (x +- h exact): D(h) - g = c h^2 / 3 exactly in
  // real arithmetic; rounding adds at most a few eps |f| / h = ~1e-13.
  const double c = 6, x = 0.75, h = std::ldexp(1.0, -10);
  const Cubic f({c});
  const std::vector<double> point{x};
  const GradientCheckResult result = check_gradient(f, point, {.step = h, .rtol = 0, .atol = 0});
  EXPECT_TRUE(result.ok) << result.describe();  // the estimated truncation term covers it
  EXPECT_EQ(result.checked, 1u);
  EXPECT_EQ(result.analytic, c * x * x + x);
  const double rounding = 8 * kEps * f.value(point) / h;
  EXPECT_NEAR(result.numeric - result.analytic, c * h * h / 3, rounding);
  EXPECT_NEAR(result.max_abs_error, c * h * h / 3, rounding);
}

TEST(GradientCheck, RoundingTermGrowsWithTheSizeOfTheValue) {
  // f = 1e8 + x^2/2 + ...: the values carry absolute errors ~ eps 1e8, so D(h) is noisy by
  // ~ eps 1e8 / h = 4e-3 while g ~ 1. The check must attribute that to rounding (pass), yet
  // still catch a gradient that is 20% off.
  const Cubic f({0.5, -0.25, 1.0}, 1e8);
  const std::vector<double> x{0.3, -0.7, 1.1};
  const GradientCheckResult good = check_gradient(f, x, {.rtol = 0});
  EXPECT_TRUE(good.ok) << good.describe();
  const double noise_bound = 8 * kEps * (1e8 + 10) / (2 * std::cbrt(kEps));  // rho for |f| ~ 1e8
  EXPECT_LE(good.max_abs_error, 2 * noise_bound);
  const Corrupted wrong(f, 1, 0.2, false);
  const GradientCheckResult bad = check_gradient(wrong, x);
  EXPECT_FALSE(bad.ok) << bad.describe();
  EXPECT_EQ(bad.worst_index, 1u);
}

TEST(GradientCheck, CatchesAGradientOffByOnePartInAMillion) {
  // A correct gradient agrees to ~eps^(2/3) = 4e-11 relative; 1e-6 is 25000 times more.
  const Rosenbrock<double> f(6);
  const std::vector<double> x = test::random_vector(6, 3, -2, 2);
  ASSERT_TRUE(check_gradient(f, x).ok);
  for (std::size_t k : {0u, 3u, 5u}) {
    const Corrupted wrong(f, k, 1e-6, false);
    const GradientCheckResult result = check_gradient(wrong, x);
    EXPECT_FALSE(result.ok) << k;
    EXPECT_EQ(result.worst_index, k);
    EXPECT_NEAR(result.max_rel_error, 1e-6, 1e-8);
    EXPECT_NE(result.describe().find("coordinate " + std::to_string(k) + ":"), std::string::npos) << result.describe();
  }
}

TEST(GradientCheck, CatchesAWrongHessianVectorProduct) {
  const Rosenbrock<double> f(5);
  const std::vector<double> x = test::random_vector(5, 4, -2, 2);
  const std::vector<double> v = test::random_vector(5, 5, -1, 1);
  const GradientCheckResult good = check_hessian_vector(f, x, v);
  ASSERT_TRUE(good.ok) << good.describe();
  EXPECT_EQ(good.checked, 5u);
  const Corrupted wrong(f, 2, 1e-6, true);
  const GradientCheckResult bad = check_hessian_vector(wrong, x, v);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.worst_index, 2u);
}

TEST(GradientCheck, HessianVectorCheckMeasuresTheTruncationTerm) {
  // For the cubic, g_i = c x^2 + x is quadratic, so its central difference along v is
  // exact in real arithmetic: the remaining error is rounding only.
  const Cubic f({1.5, -2.0});
  const std::vector<double> x{0.5, 1.25}, v{1.0, -0.5};
  const GradientCheckResult result = check_hessian_vector(f, x, v, {.rtol = 0});
  EXPECT_TRUE(result.ok) << result.describe();
  // Gradient values ~ 3 are rounded by ~eps each: slope error <= 8 eps 3 / h.
  EXPECT_LE(result.max_abs_error, 8 * kEps * 3 / std::cbrt(kEps));
  // A zero direction has the zero product.
  EXPECT_TRUE(check_hessian_vector(f, x, std::vector<double>{0.0, 0.0}).ok);
}

TEST(GradientCheck, MaxCoordinatesChecksEvenlySpacedCoordinatesIncludingBothEnds) {
  // d = 10, 3 coordinates: 0, 9 * 1 / 2 = 4, 9.
  const Rosenbrock<double> f(10);
  const std::vector<double> x = test::random_vector(10, 6, -1.5, 1.5);
  const GradientCheckOptions<double> options{.max_coordinates = 3};
  const Corrupted unchecked(f, 3, 1e-3, false);
  const GradientCheckResult skipped = check_gradient(unchecked, x, options);
  EXPECT_TRUE(skipped.ok);
  EXPECT_EQ(skipped.checked, 3u);
  for (std::size_t k : {0u, 4u, 9u}) {
    const Corrupted checked(f, k, 1e-3, false);
    const GradientCheckResult result = check_gradient(checked, x, options);
    EXPECT_FALSE(result.ok) << k;
    EXPECT_EQ(result.worst_index, k);
  }
  EXPECT_EQ(check_gradient(f, x, {.max_coordinates = 1}).checked, 1u);
  EXPECT_EQ(check_gradient(f, x, {.max_coordinates = 50}).checked, 10u);
}

TEST(GradientCheck, NonFiniteDerivativesFail) {
  class NanGradient final : public Differentiable<double> {
   public:
    std::string name() const override { return "nan"; }
    std::size_t dimension() const override { return 2; }
    double value(std::span<const double> x) const override { return x[0] + x[1]; }
    double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
      g[0] = 1;
      g[1] = std::nan("");
      return value(x);
    }
  };
  const NanGradient f;
  const GradientCheckResult result = check_gradient(f, std::vector<double>{1.0, 2.0});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.worst_index, 1u);
  EXPECT_TRUE(std::isnan(result.max_abs_error));
}

TEST(GradientCheck, WorksInFloat) {
  // Float differences are only accurate to ~eps_f^(2/3) = 2e-5 relative, which the
  // defaults account for; a 1% error is still caught.
  const Rosenbrock<float> f(4);
  const std::vector<float> x = test::to_float(test::random_vector(4, 7, -1.5, 1.5));
  const GradientCheckResult result = check_gradient(f, x);
  EXPECT_TRUE(result.ok) << result.describe();
  const std::vector<float> v = test::to_float(test::random_vector(4, 8, -1, 1));
  const GradientCheckResult hessian = check_hessian_vector(f, x, v);
  EXPECT_TRUE(hessian.ok) << hessian.describe();
}

std::string config_error(const GradientCheckOptions<double>& options, std::vector<double> x = {1.0, 2.0}) {
  const Rosenbrock<double> f(2);
  try {
    check_gradient(f, x, options);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(GradientCheck, RejectsBadOptionsNamingTheField) {
  EXPECT_EQ(config_error({.step = 0}), "GradientCheckOptions::step = 0 violates 0 < step < inf");
  EXPECT_EQ(config_error({.step = std::nan("")}), "GradientCheckOptions::step = nan violates 0 < step < inf");
  EXPECT_EQ(config_error({.rtol = -1}), "GradientCheckOptions::rtol = -1 violates 0 <= rtol < inf");
  EXPECT_EQ(config_error({.atol = std::numeric_limits<double>::infinity()}),
            "GradientCheckOptions::atol = inf violates 0 <= atol < inf");
  // A step below the spacing of doubles at x cannot move x.
  EXPECT_EQ(config_error({.step = 1e-30}),
            "GradientCheckOptions::step = 1e-30 violates x_i +- step * max(1, |x_i|) distinct from x_i in the "
            "objective's precision (coordinate 0)");
  const Cubic f({1.0});
  EXPECT_THROW(check_hessian_vector(f, std::vector<double>{1.0}, std::vector<double>{1.0}, {.rtol = -1}), ConfigError);
}

TEST(GradientCheck, RejectsMismatchedSizesAndMissingHessians) {
  const Rosenbrock<double> f(4);
  try {
    check_gradient(f, std::vector<double>(3));
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "check_gradient: x has 3 elements, objective 'rosenbrock' has dimension 4");
  }
  try {
    check_hessian_vector(f, std::vector<double>(4), std::vector<double>(5));
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "check_hessian_vector: v has 5 elements, objective 'rosenbrock' has dimension 4");
  }
  const WithoutHessian plain;
  try {
    check_hessian_vector(plain, std::vector<double>(2), std::vector<double>(2));
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "check_hessian_vector: objective 'plain' does not provide Hessian-vector products");
  }
  EXPECT_TRUE(check_gradient(plain, std::vector<double>{0.5, -3.0}).ok);
}

}  // namespace
}  // namespace descent
