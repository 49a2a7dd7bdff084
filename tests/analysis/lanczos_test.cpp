// lanczos_hessian against Hessians whose spectrum is known, and spectral_step's step sizes
// against the contraction they promise.
//
// Tolerances. With exact products and full reorthogonalization, the Ritz values of a complete
// Krylov space (m = d) are the eigenvalues of Q^T H Q with Q orthonormal to a few ulps: each
// is within c d eps ||H|| of an eigenvalue (backward stability of the tridiagonal solve and
// of Gram-Schmidt twice), so 1e-12 ||H|| for d <= 40 in double. For m < d the residual
// |beta_m s_mi| bounds the distance from theta_i to H's spectrum (Parlett, The Symmetric
// Eigenvalue Problem, Thm 11.5.1), again up to that rounding.
#include "descent/analysis/lanczos.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "descent/analysis/spectral_step.hpp"
#include "descent/core/error.hpp"
#include "descent/objective/quadratic.hpp"

namespace descent {
namespace {

// The Quadratic's products without its exact Hessian: the finite-difference path.
class GradientsOnly final : public Differentiable<double> {
 public:
  explicit GradientsOnly(const Quadratic<double>& q) : q_(q) {}
  std::string name() const override { return "gradients_only"; }
  std::size_t dimension() const override { return q_.dimension(); }
  double value(std::span<const double> x) const override { return q_.value(x); }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    return q_.value_and_gradient(x, g);
  }

 private:
  const Quadratic<double>& q_;
};

double distance_to_spectrum(double theta, const std::vector<double>& eigenvalues) {
  double best = std::numeric_limits<double>::infinity();
  for (double l : eigenvalues) best = std::min(best, std::abs(theta - l));
  return best;
}

TEST(Lanczos, AFullKrylovSpaceGivesEveryEigenvalue) {
  const Quadratic<double> q({.dimension = 24, .condition_number = 500, .mu = 0.1, .seed = 3});
  const std::vector<double> x(24, 0.3);
  const LanczosResult r = lanczos_hessian<double>(q, x, {.steps = 24});
  EXPECT_TRUE(r.exact);
  EXPECT_TRUE(r.invariant);
  ASSERT_EQ(r.ritz_values.size(), 24u);
  const double scale = q.eigenvalues().back();
  for (std::size_t i = 0; i < 24; ++i) EXPECT_NEAR(r.ritz_values[i], q.eigenvalues()[i], 1e-12 * scale) << i;
  EXPECT_EQ(r.products, 24);
  EXPECT_EQ(r.gradient_calls, 0);
}

TEST(Lanczos, FewStepsFindTheExtremesWithinTheirResiduals) {
  const Quadratic<double> q({.dimension = 400, .condition_number = 1e4, .mu = 0.01, .seed = 9});
  const std::vector<double> x(400, 1.0);
  const LanczosResult r = lanczos_hessian<double>(q, x, {.steps = 40, .seed = 2});
  EXPECT_FALSE(r.invariant);
  const auto& lambda = q.eigenvalues();
  const double scale = lambda.back();
  for (std::size_t i = 0; i < r.ritz_values.size(); ++i)
    EXPECT_LE(distance_to_spectrum(r.ritz_values[i], lambda), r.residuals[i] + 1e-12 * scale) << i;
  // The extremes converge first: a geometric spectrum's top eigenvalues are well separated.
  EXPECT_NEAR(r.largest(), lambda.back(), 1e-8 * scale);
  EXPECT_LE(r.residuals.back(), 1e-6 * scale);
  EXPECT_GE(r.smallest(), lambda.front() - 1e-12 * scale);  // Ritz values lie inside [mu, L]
}

TEST(Lanczos, FiniteDifferencesAgreeToTheirTruncationError) {
  // A quadratic's central difference has no truncation error: only rounding, eps ||H|| |x| / h
  // per product with h = cbrt(eps) max|x|, i.e. ~eps^(2/3) ||H|| = 4e-11 ||H||, amplified by at
  // most a few per Ritz value.
  const Quadratic<double> q({.dimension = 16, .condition_number = 100, .mu = 1, .seed = 4});
  const GradientsOnly f(q);
  const std::vector<double> x(16, 2.0);
  const LanczosResult r = lanczos_hessian<double>(f, x, {.steps = 16});
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.gradient_calls, 2 * r.products);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_NEAR(r.ritz_values[i], q.eigenvalues()[i], 1e-8 * 100) << i;
}

TEST(Lanczos, RefusesBadInput) {
  const Quadratic<double> q({.dimension = 4});
  const std::vector<double> x(3, 0.0);
  EXPECT_THROW(lanczos_hessian<double>(q, x), MismatchError);
  const std::vector<double> y(4, 0.0);
  EXPECT_THROW(lanczos_hessian<double>(q, y, {.steps = 0}), ConfigError);
}

TEST(SpectralStep, GradientDescentContractsBothEndsByTheOptimalFactor) {
  // x_{t+1} = (I - lr A) x_t: along the eigenvectors of lambda_min and lambda_max the factors
  // are 1 - lr lambda = +-(kappa - 1)/(kappa + 1), the smallest worst case of any constant lr.
  const double lmin = 0.5, lmax = 40;
  const SpectralStep s = spectral_step(lmax, lmin, SpectralMethod::gradient_descent);
  const double kappa = lmax / lmin;
  EXPECT_NEAR(s.contraction, (kappa - 1) / (kappa + 1), 1e-15);
  EXPECT_NEAR(1 - s.lr * lmin, s.contraction, 1e-15);
  EXPECT_NEAR(1 - s.lr * lmax, -s.contraction, 1e-14);
  for (double l : {0.5, 1.0, 7.0, 40.0}) EXPECT_LE(std::abs(1 - s.lr * l), s.contraction + 1e-15);
}

TEST(SpectralStep, HeavyBallModesAllHaveTheModulusOfItsRate) {
  // Heavy ball on eigenvalue l: z_{t+1} = (1 + b - a l) z_t - b z_{t-1}, characteristic roots of
  // r^2 - (1 + b - a l) r + b = 0. With Polyak's a, b the discriminant is <= 0 for every l in
  // [lambda_min, lambda_max], so both roots have modulus sqrt(b) = (sqrt(kappa)-1)/(sqrt(kappa)+1).
  const double lmin = 0.5, lmax = 40;
  const SpectralStep s = spectral_step(lmax, lmin, SpectralMethod::heavy_ball);
  for (int k = 0; k <= 20; ++k) {
    const double l = lmin + (lmax - lmin) * k / 20.0;
    const double b = 1 + s.momentum - s.lr * l;
    const std::complex<double> disc = std::sqrt(std::complex<double>(b * b - 4 * s.momentum, 0));
    const double r1 = std::abs((b + disc) / 2.0), r2 = std::abs((b - disc) / 2.0);
    EXPECT_NEAR(std::max(r1, r2), s.contraction, 1e-7) << l;  // equality at the ends: sqrt of a ~0 discriminant
  }
  const double kappa = lmax / lmin;
  EXPECT_NEAR(s.contraction, (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1), 1e-15);
}

TEST(SpectralStep, FromLanczosAndWithoutPositiveCurvature) {
  const Quadratic<double> q({.dimension = 24, .condition_number = 50, .mu = 2, .seed = 1});
  const std::vector<double> x(24, 0.0);
  const SpectralStep s = spectral_step(lanczos_hessian<double>(q, x, {.steps = 24}), SpectralMethod::gradient_descent);
  EXPECT_NEAR(s.lr, 2 / (100.0 + 2.0), 1e-12);
  const SpectralStep top_only = spectral_step(10, -1, SpectralMethod::heavy_ball);
  EXPECT_EQ(top_only.lr, 0.1);
  EXPECT_EQ(top_only.momentum, 0);
  EXPECT_EQ(top_only.contraction, 1);
  EXPECT_THROW(spectral_step(0, -1, SpectralMethod::gradient_descent), ConfigError);
  EXPECT_THROW(spectral_step(std::nan(""), 1, SpectralMethod::gradient_descent), ConfigError);
}

}  // namespace
}  // namespace descent
