// Rates from the theory, on f(x) = 1/2 sum_i lambda_i (x_i - 1)^2 with lambda evenly in
// [mu, L] = [1, kappa]:
// - gradient descent with step 1/L maps the error e_i to (1 - lambda_i / L) e_i, so f - f*
//   contracts at least by (1 - 1/kappa)^2 per step, and exactly so in the direction of mu;
// - Nesterov's method with step 1/L and momentum (sqrt(kappa) - 1) / (sqrt(kappa) + 1)
//   obeys f(y_t) - f* <= (mu + L) / 2 ||x_1 - x*||^2 exp(-(t - 1) / sqrt(kappa))
//   (Bubeck, "Convex Optimization: Algorithms and Complexity", 2015, Theorem 3.18), so it
//   needs O(sqrt(kappa) log(1 / tol)) steps where gradient descent needs O(kappa log(1 / tol)).
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/aligned_buffer.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/sgd.hpp"
#include "transform/test_problems.hpp"

namespace descent::testing {
namespace {

constexpr std::size_t kDim = 10;

AlignedBuffer<double> start_point() {
  AlignedBuffer<double> x(kDim);
  for (std::size_t i = 0; i < kDim; ++i) x[i] = -1.0 - 0.1 * static_cast<double>(i);  // every e_i != 0
  return x;
}

double squared_distance(const AlignedBuffer<double>& x) {
  double s = 0;
  for (double v : x) s += (v - 1) * (v - 1);
  return s;
}

// Gradient-descent steps until f - f* <= target (or `limit`), checking the contraction
// on the way.
std::size_t gradient_descent_steps(double kappa, double target, std::size_t limit) {
  const SpreadQuadratic q(kDim, kappa);
  const TransformPtr gd = sgd({.lr = constant(1.0 / kappa)});
  const auto layout = ParameterLayout::flat(kDim);
  auto state = init_state<double>(*gd, layout);
  AlignedBuffer<double> x = start_point(), g(kDim);
  const double e0_slowest = x[0] - 1.0;  // lambda_0 = mu = 1
  const double rate = 1.0 - 1.0 / kappa;
  double excess = q.excess<double>(x.span());
  std::size_t t = 0;
  while (excess > target && t < limit) {
    q.gradient<double>(x.span(), g.span());
    apply<double>(*gd, state, g.span(), x.span(), layout);
    ++t;
    const double next = q.excess<double>(x.span());
    // Rounding: x ~ 1 is stored with an absolute error ~1.1e-16 per step. While f - f*
    // >= 1e-6, the slowest error component (lambda = 1), which dominates f, stays >= 1.4e-3,
    // so a step perturbs the ratio by < 2 * 1.1e-16 / 1.4e-3 ~ 2e-13; components already
    // at the rounding level add < 1e-28 to f.
    EXPECT_LE(next, rate * rate * excess * (1 + 1e-12)) << "step " << t;
    // No faster than theory either: the mu-component shrinks by exactly (1 - 1/kappa)
    // per step. Its accumulated rounding, sum_t 1.1e-16 / e_t, stays below 1e-10
    // relative (e_t decays geometrically to >= 1.4e-3 over <= 3000 steps).
    const double slowest = std::pow(rate, static_cast<double>(t)) * e0_slowest;
    EXPECT_GE(next, 0.5 * slowest * slowest * (1 - 1e-9)) << "step " << t;
    excess = next;
  }
  return t;
}

// Nesterov in descent's (PyTorch's) form evaluates gradients at the look-ahead points:
// its iterates p_s are Bubeck's x_s, and Bubeck's y_{s+1} = p_s - grad f(p_s) / L costs
// no further gradient. Returns the number of gradients until f(y) - f* <= target.
std::size_t nesterov_steps(double kappa, double target, std::size_t limit) {
  const SpreadQuadratic q(kDim, kappa);
  const double beta = (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1);
  const TransformPtr nag = sgd({.lr = constant(1.0 / kappa), .momentum = beta, .nesterov = true});
  const auto layout = ParameterLayout::flat(kDim);
  auto state = init_state<double>(*nag, layout);
  AlignedBuffer<double> p = start_point(), g(kDim), y(kDim);
  const double initial = (1 + kappa) / 2 * squared_distance(p);
  for (std::size_t s = 1; s <= limit; ++s) {
    q.gradient<double>(p.span(), g.span());
    for (std::size_t i = 0; i < kDim; ++i) y[i] = p[i] - g[i] / kappa;
    const double excess = q.excess<double>(y.span());  // f(y_{s+1}) - f*
    EXPECT_LE(excess, initial * std::exp(-static_cast<double>(s) / std::sqrt(kappa)) * (1 + 1e-9)) << "step " << s;
    if (excess <= target) return s;
    apply<double>(*nag, state, g.span(), p.span(), layout);
  }
  return limit + 1;
}

TEST(ConvergenceRate, GradientDescentContractsByOneMinusOneOverKappa) {
  // 200 steps at kappa = 100: errors stay >= 0.99^200 ~ 0.13 of their start.
  gradient_descent_steps(100.0, 0.0, 200);
}

TEST(ConvergenceRate, NesterovNeedsOrderSqrtKappaStepsAndFewerThanGradientDescent) {
  constexpr double kTarget = 1e-6;
  for (double kappa : {25.0, 100.0, 400.0}) {
    SCOPED_TRACE("kappa = " + std::to_string(kappa));
    // The theorem's guarantee: the first s with initial * exp(-s / sqrt(kappa)) <= target.
    AlignedBuffer<double> x0 = start_point();
    const double initial = (1 + kappa) / 2 * squared_distance(x0);
    const auto guaranteed = static_cast<std::size_t>(std::ceil(std::sqrt(kappa) * std::log(initial / kTarget)));
    const std::size_t nag = nesterov_steps(kappa, kTarget, guaranteed);
    EXPECT_LE(nag, guaranteed);
    // Gradient descent needs about (kappa / 2) log(f0 / target) steps (measured here:
    // 43 vs 178 at kappa = 25, 91 vs 722 at 100, 187 vs 2899 at 400).
    const std::size_t gd = gradient_descent_steps(kappa, kTarget, 100000);
    EXPECT_LT(nag, gd);
  }
}

}  // namespace
}  // namespace descent::testing
