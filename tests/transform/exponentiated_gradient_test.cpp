// Exponentiated gradient (Kivinen & Warmuth 1997): the orthant and simplex updates on tiny
// problems against the formulas, the closed form of EG on a linear loss over the simplex,
// the mirror-descent regret bound on a convex quadratic over the simplex, the invariants
// (positivity, sum 1), and the refusals of weights outside the domain.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/exponentiated_gradient.hpp"

namespace descent::testing {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

TransformPtr eg(double lr, bool simplex) { return exponentiated_gradient({.lr = constant(lr), .simplex = simplex}); }

template <class T>
void step(const Transform& t, TransformState<T>& s, std::vector<T>& p, std::vector<T> g) {
  apply<T>(t, s, std::span<T>(g), std::span<T>(p), ParameterLayout::flat(p.size()));
}

TEST(ExponentiatedGradient, OrthantStepMultipliesByExpOfMinusLrG) {
  const auto t = eg(0.3, false);
  auto s = init_state<double>(*t, ParameterLayout::flat(3));
  std::vector<double> p = {0.5, 2.0, 0.0};
  step(*t, s, p, {1.0, -0.5, 4.0});
  // p + p expm1(-lr g): two roundings, p e^{-lr g} to ~3 eps relative.
  EXPECT_NEAR(p[0], 0.5 * std::exp(-0.3), 3 * kEps * p[0]);
  EXPECT_NEAR(p[1], 2.0 * std::exp(0.15), 3 * kEps * p[1]);
  EXPECT_EQ(p[2], 0.0);  // a zero weight stays zero
}

TEST(ExponentiatedGradient, SimplexStepNormalizes) {
  const auto t = eg(0.5, true);
  auto s = init_state<double>(*t, ParameterLayout::flat(3));
  std::vector<double> p = {0.2, 0.3, 0.5};
  step(*t, s, p, {1.0, 0.0, -2.0});
  const double a = 0.2 * std::exp(-0.5), b = 0.3, c = 0.5 * std::exp(1.0), z = a + b + c;
  // Relative to p_i: e^{x_i} (|lr g| + 2 |log Z| + 22) u + 2u with e^x <= e^{1.5}, |log Z| < 1: < 64 eps.
  EXPECT_NEAR(p[0], a / z, 64 * kEps * 0.2);
  EXPECT_NEAR(p[1], b / z, 64 * kEps * 0.3);
  EXPECT_NEAR(p[2], c / z, 64 * kEps * 0.5);
}

// On a linear loss <c, p>, the gradient is c at every step, so p_t = p_0 e^{-lr t c} / Z_t
// exactly. Each step's relative error in a weight is at most e^{x} (|lr c| + 2 |log Z| + 24) u
// with e^x <= e^{lr (max c - min c)} = e^{0.45}, |lr c| <= 0.45 and |log Z| <= 0.45:
// < 40 u; errors add up in log p over T = 60 steps: 60 * 40 u = 2400 u < 3e-13 relative.
// The mass off argmin c then decays as the closed form says, at rate e^{-lr (c_j - c_min)} per step.
TEST(ExponentiatedGradient, LinearLossOnTheSimplexFollowsTheClosedForm) {
  const std::vector<double> c = {0.7, 0.25, 0.9, 0.4};  // argmin: 1, gap 0.15
  const std::vector<double> p0 = {0.4, 0.1, 0.3, 0.2};
  const double lr = 0.5;
  const auto t = eg(lr, true);
  auto s = init_state<double>(*t, ParameterLayout::flat(4));
  std::vector<double> p = p0;
  for (int k = 1; k <= 60; ++k) {
    step(*t, s, p, c);
    std::vector<double> closed(4);
    for (int i = 0; i < 4; ++i) closed[i] = p0[i] * std::exp(-lr * k * c[i]);
    const double z = std::accumulate(closed.begin(), closed.end(), 0.0);
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(p[i], closed[i] / z, 3e-13 * closed[i] / z) << "step " << k;
    // 1 - p_argmin = sum_{j != 1} p_j <= (1 - p0_1) / p0_1 e^{-lr k 0.15}.
    EXPECT_LE(1 - p[1], (1 - p0[1]) / p0[1] * std::exp(-lr * k * 0.15) * (1 + 1e-12));
  }
}

// min over the simplex of f(p) = 1/2 ||A p - b||^2 with b = A p*, p* interior and A of full
// column rank: f* = 0 at p*. EG is mirror descent with the entropy (1-strongly convex in the l1
// norm on the simplex), so with p_1 uniform (KL(p* || p_1) <= log n) and constant lr,
//   f(mean_t p_t) - f* <= 1/T sum_t <grad f(p_t), p_t - p*> <= log n / (lr T) + lr G^2 / 2,
// G = max_t ||grad f(p_t)||_inf. Also every iterate is positive and sums to 1: each step
// renormalizes by the Z of its own p, so the sum's error does not accumulate: |sum p - 1| <=
// (max relative error of one weight, < 64 eps, as above) + n eps for summing.
TEST(ExponentiatedGradient, MirrorDescentBoundOnAQuadraticOverTheSimplex) {
  const std::size_t n = 4;
  const double a[3][4] = {{1, 2, 0, 1}, {0, 1, 3, 1}, {2, 0, 1, 1}};
  const std::vector<double> target = {0.1, 0.2, 0.3, 0.4};
  double b[3];
  for (int r = 0; r < 3; ++r) b[r] = a[r][0] * 0.1 + a[r][1] * 0.2 + a[r][2] * 0.3 + a[r][3] * 0.4;
  // Rank 3 only: f* = 0 is attained on a segment through p*; the bound uses f* = 0 and needs no
  // uniqueness.
  const auto residual = [&](const std::vector<double>& p, int r) {
    return a[r][0] * p[0] + a[r][1] * p[1] + a[r][2] * p[2] + a[r][3] * p[3] - b[r];
  };
  const auto f = [&](const std::vector<double>& p) {
    double s = 0;
    for (int r = 0; r < 3; ++r) s += 0.5 * residual(p, r) * residual(p, r);
    return s;
  };
  const double lr = 0.2;
  const int steps = 400;
  const auto t = eg(lr, true);
  auto s = init_state<double>(*t, ParameterLayout::flat(n));
  std::vector<double> p(n, 0.25), mean(n, 0.0), g(n);
  double g_max = 0;
  for (int k = 0; k < steps; ++k) {
    for (std::size_t i = 0; i < n; ++i) mean[i] += p[i] / steps;
    for (std::size_t i = 0; i < n; ++i) {
      g[i] = 0;
      for (int r = 0; r < 3; ++r) g[i] += a[r][i] * residual(p, r);
      g_max = std::max(g_max, std::abs(g[i]));
    }
    step(*t, s, p, g);
    double sum = 0;
    for (double x : p) {
      EXPECT_GT(x, 0);
      sum += x;
    }
    EXPECT_NEAR(sum, 1.0, (64 + double(n)) * kEps);
  }
  const double bound = std::log(double(n)) / (lr * steps) + lr * g_max * g_max / 2;
  EXPECT_LE(f(mean), bound);
  EXPECT_LE(f(p), f(std::vector<double>(n, 0.25)));  // and the last iterate improved on the start
}

TEST(ExponentiatedGradient, SimplexRefusesWeightsOutsideTheDomain) {
  const auto t = eg(0.1, true);
  {
    auto s = init_state<double>(*t, ParameterLayout::flat(3));
    std::vector<double> p = {0.5, 0.0, 0.5};
    try {
      step(*t, s, p, {1, 1, 1});
      ADD_FAILURE() << "a zero starting weight was accepted";
    } catch (const MismatchError& e) {
      EXPECT_NE(std::string(e.what()).find("1 parameters are <= 0 or NaN at the first step"), std::string::npos)
          << e.what();
    }
  }
  {
    auto s = init_state<double>(*t, ParameterLayout::flat(2));
    std::vector<double> p = {0.5, 0.5};
    step(*t, s, p, {1, 1});
    p[0] = -0.1;  // changed behind the transform's back
    EXPECT_THROW(step(*t, s, p, {1, 1}), MismatchError);
  }
  {
    // Z = 0.5 e^{800} overflows double: refused, naming the option.
    const auto big = eg(800, true);
    auto s = init_state<double>(*big, ParameterLayout::flat(2));
    std::vector<double> p = {0.5, 0.5};
    try {
      step(*big, s, p, {-1, 1});
      ADD_FAILURE() << "an overflowing Z was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("ExponentiatedGradientOptions::lr = 800"), std::string::npos) << e.what();
    }
  }
}

// A weight whose factor underflows becomes exactly 0 (in float after lr g > ~103) and the run
// goes on: zeros are refused at the first step only.
TEST(ExponentiatedGradient, UnderflowedWeightsAreKeptAtZero) {
  const auto t = eg(60, true);
  auto s = init_state<float>(*t, ParameterLayout::flat(3));
  std::vector<float> p = {0.25f, 0.25f, 0.5f};
  for (int k = 0; k < 4; ++k) step<float>(*t, s, p, {0.0f, 1.0f, 1.0f});
  EXPECT_EQ(p[1], 0.0f);
  EXPECT_EQ(p[2], 0.0f);
  EXPECT_EQ(p[0], 1.0f);
}

}  // namespace
}  // namespace descent::testing
