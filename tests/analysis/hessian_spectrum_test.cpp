// top_hessian_eigenvalue against problems whose spectrum is known.
//
// How far the answer may be from lambda_1 (the eigenvalue of largest magnitude, all others
// satisfying |lambda_i| <= |lambda_2| < |lambda_1|). With weights w_i = c_i^2 lambda_i^(2k-2)
// of the iterate's components, the Rayleigh-quotient error is
//   e_k = |R_k - lambda_1| = sum_i |lambda_1 - lambda_i| w_i lambda_i^2 / sum_i w_i lambda_i^2
// (every lambda_1 - lambda_i has one sign because lambda_1 is the extreme eigenvalue on its
// side), and bounding lambda_i^2 <= lambda_2^2 in the numerator gives e_k <= r' e_{k-1} with
// r' = r lambda_1^2 / (sum w lambda^2 / sum w), r = (lambda_2 / lambda_1)^2. Once the
// iterate is close to converged, r' = r (1 + O(e)). The change the stopping rule sees is
// e_{k-1} - e_k >= e_k (1 - r') / r', so at the stop
//   e_k <= tolerance |lambda_1| r / (1 - r)   (times 1 + O(e), which the 1.01 below covers),
// plus the error of the products themselves (rounding; for finite differences see each test).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "descent/analysis/hessian_spectrum.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

// f(x) = 1/2 sum_i d_i x_i^2: the spectrum is d (any signs), with exact products or not.
template <class T>
class DiagonalForm final : public Differentiable<T> {
 public:
  DiagonalForm(std::vector<double> d, bool exact) : d_(std::move(d)), exact_(exact) {}
  std::string name() const override { return "diagonal_form"; }
  std::size_t dimension() const override { return d_.size(); }
  T value(std::span<const T> x) const override {
    T f = 0;
    for (std::size_t i = 0; i < d_.size(); ++i) f += T(0.5) * static_cast<T>(d_[i]) * x[i] * x[i];
    return f;
  }
  T value_and_gradient(std::span<const T> x, std::span<T> g) const override {
    for (std::size_t i = 0; i < d_.size(); ++i) g[i] = static_cast<T>(d_[i]) * x[i];
    return value(x);
  }
  bool has_hessian_vector() const override { return exact_; }
  void hessian_vector(std::span<const T>, std::span<const T> v, std::span<T> out) const override {
    for (std::size_t i = 0; i < d_.size(); ++i) out[i] = static_cast<T>(d_[i]) * v[i];
  }

 private:
  std::vector<double> d_;
  bool exact_;
};

// Forwards value and gradient only, which forces the finite-difference path.
template <class T>
class GradientOnly final : public Differentiable<T> {
 public:
  explicit GradientOnly(const Differentiable<T>& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  std::size_t dimension() const override { return inner_.dimension(); }
  T value(std::span<const T> x) const override { return inner_.value(x); }
  T value_and_gradient(std::span<const T> x, std::span<T> g) const override { return inner_.value_and_gradient(x, g); }

 private:
  const Differentiable<T>& inner_;
};

// f(x) = sum_i c_i x_i: H = 0.
class Linear final : public Differentiable<double> {
 public:
  std::string name() const override { return "linear"; }
  std::size_t dimension() const override { return 3; }
  double value(std::span<const double> x) const override { return 2 * x[0] - x[1] + 0.5 * x[2]; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    g[0] = 2;
    g[1] = -1;
    g[2] = 0.5;
    return value(x);
  }
};

// The error of computing a Rayleigh quotient <v, w> / <v, v> of d terms in double.
double rayleigh_rounding(std::size_t d, double lambda) {
  return 4 * static_cast<double>(d) * std::numeric_limits<double>::epsilon() * std::abs(lambda);
}

// The bound of the header comment, without the products' own error.
double iteration_bound(double tolerance, double lambda_1, double lambda_2) {
  const double r = (lambda_2 / lambda_1) * (lambda_2 / lambda_1);
  return 1.01 * tolerance * std::abs(lambda_1) * r / (1 - r);
}

double residual_norm(const Quadratic<double>& q, std::span<const double> x, const std::vector<double>& v,
                     double lambda) {
  std::vector<double> av(v.size());
  q.hessian_vector(x, v, av);
  double s = 0;
  for (std::size_t i = 0; i < v.size(); ++i) s += (av[i] - lambda * v[i]) * (av[i] - lambda * v[i]);
  return std::sqrt(s);
}

// d = 6, eigenvalues 10^(i/5): 1, 1.58, 2.51, 3.98, 6.31, 10 in a rotated basis.
Quadratic<double> six_dimensional() { return Quadratic<double>({.dimension = 6, .condition_number = 10, .seed = 3}); }

TEST(TopHessianEigenvalue, ExactProductsFindTheLargestEigenvalueOfAQuadratic) {
  const auto q = six_dimensional();
  const std::vector<double> x{1.5, 0.5, 1.5, 0.5, 1.5, 0.5};
  const double L = q.eigenvalues().back(), lambda_2 = q.eigenvalues()[4];
  const auto result = top_hessian_eigenvalue<double>(q, x, {.max_iterations = 500, .tolerance = 1e-10});
  EXPECT_TRUE(result.exact);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.gradient_calls, 0);
  EXPECT_LT(result.iterations, 500);
  // The products are exact up to rounding: two O(d) reflections and a scaling give each
  // component a relative error below 16 d eps, which the Rayleigh quotient inherits.
  const double eps = std::numeric_limits<double>::epsilon();
  const double bound = iteration_bound(1e-10, L, lambda_2) + 16 * 6 * eps * L;
  EXPECT_NEAR(result.eigenvalue, L, bound);
  // The eigenvector: with s^2 the weight off the top eigenvector, e >= (L - lambda_2) s^2 and
  // ||A v - R v|| <= (L - mu) s, so the residual is at most (L - mu) sqrt(e / (L - lambda_2)).
  ASSERT_EQ(result.eigenvector.size(), 6u);
  double norm = 0;
  for (double vi : result.eigenvector) norm += vi * vi;
  EXPECT_NEAR(std::sqrt(norm), 1.0, 16 * eps);
  EXPECT_LE(residual_norm(q, x, result.eigenvector, result.eigenvalue), (L - 1) * std::sqrt(bound / (L - lambda_2)));
}

TEST(TopHessianEigenvalue, FiniteDifferencesAgreeWithExactProducts) {
  const auto q = six_dimensional();
  const GradientOnly<double> fd(q);
  const std::vector<double> x{1.5, 0.5, 1.5, 0.5, 1.5, 0.5};
  const double L = q.eigenvalues().back(), lambda_2 = q.eigenvalues()[4];
  const HessianSpectrumOptions options{.max_iterations = 500, .tolerance = 1e-7, .seed = 11};
  const auto result = top_hessian_eigenvalue<double>(fd, x, options);
  EXPECT_FALSE(result.exact);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.gradient_calls, 2 * result.iterations);
  // The quadratic's gradient is linear, so the central difference has no truncation error,
  // only rounding: each gradient component is off by at most 3 (d + 3) eps L ||y|| (two
  // reflections, one scaling; ||y|| = ||x +- h v - x*|| <= ||x - x*|| + h), and rounding
  // x +- h v moves the point by eps ||x||, the gradient by L eps ||x||. Divided by 2h and
  // summed over d components in norm, that bounds ||error of H v||, hence of the quotient.
  const double eps = std::numeric_limits<double>::epsilon();
  const double h = finite_difference_step<double>(x);
  EXPECT_EQ(h, std::cbrt(eps) * 1.5);  // max(1, ||x||_inf) = 1.5
  const double y = std::sqrt(6 * 0.25) + h, x_norm = std::sqrt(3 * 2.25 + 3 * 0.25);
  const double product_error = std::sqrt(6.0) * (2 * 3 * 9 * eps * L * y + 2 * L * eps * x_norm) / (2 * h);
  EXPECT_NEAR(result.eigenvalue, L, iteration_bound(1e-7, L, lambda_2) + product_error);
  const auto exact = top_hessian_eigenvalue<double>(q, x, options);
  EXPECT_NEAR(result.eigenvalue, exact.eigenvalue,
              iteration_bound(1e-7, L, lambda_2) * 2 + product_error + 16 * 6 * eps * L);
}

TEST(TopHessianEigenvalue, FloatFiniteDifferencesWithinFloatResolution) {
  const Quadratic<float> q({.dimension = 6, .condition_number = 10, .seed = 3});
  const GradientOnly<float> fd(q);
  const std::vector<float> x{1.5f, 0.5f, 1.5f, 0.5f, 1.5f, 0.5f};
  const double L = q.eigenvalues().back(), lambda_2 = q.eigenvalues()[4];
  const auto result = top_hessian_eigenvalue<float>(fd, x, {.max_iterations = 500, .tolerance = 1e-3});
  EXPECT_TRUE(result.converged);
  // The double test's product bound with float's epsilon and step.
  const double eps = std::numeric_limits<float>::epsilon();
  const double h = finite_difference_step<float>(x);
  const double y = std::sqrt(6 * 0.25) + h, x_norm = std::sqrt(3 * 2.25 + 3 * 0.25);
  const double product_error = std::sqrt(6.0) * (2 * 3 * 9 * eps * L * y + 2 * L * eps * x_norm) / (2 * h);
  EXPECT_NEAR(result.eigenvalue, L, iteration_bound(1e-3, L, lambda_2) + product_error);
}

TEST(TopHessianEigenvalue, KeepsTheSignOfADominantNegativeCurvature) {
  // A saddle: spectrum (-5, 1, 2, 3); |lambda_2 / lambda_1| = 3 / 5.
  const std::vector<double> x{0.3, -0.2, 0.1, 0.4};
  const double eps = std::numeric_limits<double>::epsilon();
  for (bool exact : {true, false}) {
    const DiagonalForm<double> f({-5, 1, 2, 3}, exact);
    const auto result = top_hessian_eigenvalue<double>(f, x, {.max_iterations = 500, .tolerance = 1e-9});
    EXPECT_EQ(result.exact, exact);
    EXPECT_TRUE(result.converged);
    // Exact: d_i v_i is one rounding, at most 5 eps per component. Finite differences: the
    // point x +- h v is rounded (by eps (|x_i| + h)) and d_i y_i once more, so a gradient
    // component is off by at most 2 * 5 eps (0.4 + h); the difference quotient by twice
    // that over 2h. Over 4 components the norm is at most sqrt(4) times a component's.
    const double h = finite_difference_step<double>(x);
    const double component = exact ? 5 * eps : 2 * (2 * 5 * eps * (0.4 + h)) / (2 * h);
    const double product_error = std::sqrt(4.0) * component + rayleigh_rounding(4, 5);
    EXPECT_NEAR(result.eigenvalue, -5.0, iteration_bound(1e-9, -5, 3) + product_error) << exact;
  }
}

TEST(TopHessianEigenvalue, FiniteDifferencesOnRosenbrockMatchItsExactProducts) {
  // Not quadratic: the central difference now has a truncation error (h^2 / 6) |d^3 f[v, v, .]|.
  // 2-d Rosenbrock's third derivatives are f_xxx = 2400 x and f_xxy = -400 (three entries
  // of the symmetric tensor), so |d^3 f[v, v, .]| <= sqrt((2400 |x|)^2 + 3 * 400^2) for unit
  // v. At (0.8, 0.7): H = [[490, -320], [-320, 200]], eigenvalues 345 +- sqrt(145^2 + 320^2),
  // i.e. 696.3 and -6.3.
  const Rosenbrock<double> f(2);
  const GradientOnly<double> fd(f);
  const std::vector<double> x{0.8, 0.7};
  const HessianSpectrumOptions options{.max_iterations = 200, .tolerance = 1e-9};
  const auto exact = top_hessian_eigenvalue<double>(f, x, options);
  const auto approx = top_hessian_eigenvalue<double>(fd, x, options);
  ASSERT_TRUE(exact.converged);
  ASSERT_TRUE(approx.converged);
  const double eps = std::numeric_limits<double>::epsilon();
  const double lambda_1 = 345 + std::sqrt(145.0 * 145.0 + 320.0 * 320.0), lambda_2 = 345 - (lambda_1 - 345);
  const double h = finite_difference_step<double>(x);
  const double truncation = h * h / 6 * std::sqrt(std::pow(2400 * (0.8 + h), 2) + 3 * 400.0 * 400.0);
  // Rounding: g_x = -400 x (y - x^2) - 2 (1 - x) and g_y = 200 (y - x^2) are a few (< 8)
  // roundings of terms up to 400 |x| (|y| + x^2) < 450, and the rounded point moves the
  // gradient by at most ||H|| eps ||x|| < 700 * 1.1 eps.
  const double gradient_error = 8 * eps * 450 + 700 * 1.1 * eps;
  const double rounding = 2 * gradient_error / (2 * h);
  const double product_error = std::sqrt(2.0) * (truncation + rounding) + rayleigh_rounding(2, lambda_1);
  EXPECT_NEAR(exact.eigenvalue, lambda_1, iteration_bound(1e-9, lambda_1, lambda_2) + rayleigh_rounding(2, lambda_1));
  EXPECT_NEAR(approx.eigenvalue, lambda_1, iteration_bound(1e-9, lambda_1, lambda_2) + product_error);
}

TEST(TopHessianEigenvalue, ZeroHessianIsAFixedPoint) {
  const Linear f;
  const std::vector<double> x{1, 2, 3};
  const auto result = top_hessian_eigenvalue<double>(f, x);
  // g(x + h v) and g(x - h v) are the same constants: H v is exactly 0.
  EXPECT_EQ(result.eigenvalue, 0.0);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.iterations, 1);
  EXPECT_EQ(result.gradient_calls, 2);
}

TEST(TopHessianEigenvalue, ReportsABudgetThatRanOut) {
  const auto q = six_dimensional();
  const GradientOnly<double> fd(q);
  const std::vector<double> x(6, 0.0);
  // Two products cannot reach a relative change of 1e-12 (the error shrinks by r = 0.4
  // per step from a random start).
  const auto result = top_hessian_eigenvalue<double>(fd, x, {.max_iterations = 2, .tolerance = 1e-12});
  EXPECT_FALSE(result.converged);
  EXPECT_EQ(result.iterations, 2);
  EXPECT_EQ(result.gradient_calls, 4);
  // The Rayleigh quotient of any unit vector lies in [mu, L].
  EXPECT_GE(result.eigenvalue, 1 - 1e-12);
  EXPECT_LE(result.eigenvalue, 10 + 1e-12);
}

TEST(TopHessianEigenvalue, AnExplicitStepIsUsedAndTheSeedIsReproducible) {
  const auto q = six_dimensional();
  const GradientOnly<double> fd(q);
  const std::vector<double> x{1.5, 0.5, 1.5, 0.5, 1.5, 0.5};
  const HessianSpectrumOptions options{.max_iterations = 500, .tolerance = 1e-7, .step = 1e-3, .seed = 5};
  const auto a = top_hessian_eigenvalue<double>(fd, x, options);
  const auto b = top_hessian_eigenvalue<double>(fd, x, options);
  EXPECT_EQ(a.eigenvalue, b.eigenvalue);
  EXPECT_EQ(a.eigenvector, b.eigenvector);
  EXPECT_EQ(a.iterations, b.iterations);
  // A larger step on a quadratic only lowers the rounding error (no truncation): the
  // product bound of FiniteDifferencesAgreeWithExactProducts with h = 1e-3.
  const double eps = std::numeric_limits<double>::epsilon(), L = 10;
  const double product_error =
      std::sqrt(6.0) * (2 * 3 * 9 * eps * L * (std::sqrt(1.5) + 1e-3) + 2 * L * eps * 2.8) / (2 * 1e-3);
  EXPECT_NEAR(a.eigenvalue, L, iteration_bound(1e-7, L, q.eigenvalues()[4]) + product_error);
}

TEST(TopHessianEigenvalue, NonFiniteGradientsGiveNaNNotConverged) {
  const auto q = six_dimensional();
  const testing::PoisonedAfter<double> poisoned(q, 0);
  const std::vector<double> x(6, 0.5);
  const auto result = top_hessian_eigenvalue<double>(poisoned, x);
  EXPECT_TRUE(std::isnan(result.eigenvalue));
  EXPECT_FALSE(result.converged);
  EXPECT_EQ(result.iterations, 1);
}

TEST(TopHessianEigenvalue, RejectsBadOptionsAndSizesNamingTheParameter) {
  const auto q = six_dimensional();
  const std::vector<double> x(6, 0.0);
  auto message = [&](const HessianSpectrumOptions& o) -> std::string {
    try {
      top_hessian_eigenvalue<double>(q, x, o);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message({.max_iterations = 0}), "HessianSpectrumOptions::max_iterations = 0 violates max_iterations >= 1");
  EXPECT_EQ(message({.tolerance = -1}), "HessianSpectrumOptions::tolerance = -1 violates tolerance >= 0");
  EXPECT_NE(message({.tolerance = std::nan("")}).find("HessianSpectrumOptions::tolerance = nan"), std::string::npos);
  EXPECT_EQ(message({.step = -0.5}), "HessianSpectrumOptions::step = -0.5 violates step >= 0");
  const std::vector<double> short_x(3, 0.0);
  try {
    top_hessian_eigenvalue<double>(q, short_x);
    FAIL();
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "top_hessian_eigenvalue: x has 3 elements, the objective 'quadratic' has dimension 6");
  }
}

}  // namespace
}  // namespace descent
