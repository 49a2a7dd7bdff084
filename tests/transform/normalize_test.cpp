// normalize: d / max(||d||, eps) on hand-worked vectors and across tiles, and normalized
// gradient descent, chain(normalize, sgd(lr=eta)), on logistic regression over a linearly
// separable 2-d dataset: the properties derived below for any step size (growth along the
// max-margin direction) and for a small one (geometric decay of the loss, hence a growing
// normalized margin). The max-margin direction is computed exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/parallel.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/normalize.hpp"

namespace descent::testing {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

std::vector<double> normalized(std::vector<double> d, double eps = 1e-30) {
  const auto transform = normalize({.eps = eps});
  const auto layout = ParameterLayout::flat(d.size());
  auto state = init_state<double>(*transform, layout);
  const std::vector<double> p(d.size(), 0.0);
  update<double>(*transform, state, std::span<double>(d), std::span<const double>(p), layout);
  return d;
}

TEST(Normalize, DividesByTheEuclideanNorm) {
  // ||(3, -4, 0, 12)|| = 13 exactly; each element is d * (1 / 13): two roundings.
  const auto u = normalized({3, -4, 0, 12});
  const double expected[4] = {3.0 / 13, -4.0 / 13, 0, 12.0 / 13};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(u[i], expected[i], 2 * kEps * std::abs(expected[i])) << i;
  // The zero direction stays zero (0 / eps), and below eps the divisor is eps.
  EXPECT_EQ(normalized({0, 0, 0}), (std::vector<double>{0, 0, 0}));
  const auto tiny = normalized({3e-15, 4e-15}, 1e-12);
  EXPECT_NEAR(tiny[0], 3e-3, 2 * kEps * 3e-3);
  EXPECT_NEAR(tiny[1], 4e-3, 2 * kEps * 4e-3);
}

// Normalized GD moves by exactly eta per step, over several tiles (the norm is a reduction).
TEST(Normalize, NormalizedGradientStepHasLengthEta) {
  const TransformPtr ngd = parse_transform("chain(normalize, sgd(lr=0.3))");
  const std::size_t n = 2 * kTileSize + 5;
  const auto layout = ParameterLayout::flat(n);
  auto state = init_state<double>(*ngd, layout);
  AlignedBuffer<double> p(n), g(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = std::cos(0.1 * double(i));
  for (int step = 0; step < 3; ++step) {
    const AlignedBuffer<double> before = p;
    for (std::size_t i = 0; i < n; ++i) g[i] = std::sin(0.37 * double(i) + step) * (1 + double(i % 13));
    apply<double>(*ngd, state, g.span(), p.span(), layout);
    double squares = 0;
    for (std::size_t i = 0; i < n; ++i) squares += (p[i] - before[i]) * (p[i] - before[i]);
    // Each element carries a few relative roundings of the step and one of the sum p + u,
    // |p| <= 1: the step's norm is 0.3 within ~n eps relative; 1e-9 is far below any error in the
    // formula (a norm summed over one tile only would be off by ~40%).
    EXPECT_NEAR(std::sqrt(squares), 0.3, 1e-9);
  }
}

// The separable dataset, as z_i = y_i x_i: logistic loss L(w) = 1/n sum log(1 + exp(-<w, z_i>)).
const std::vector<std::array<double, 2>> kData = {{2, 1}, {0.5, 2}, {1.5, 0.5}, {0.5, 2.5}};

double margin(double w0, double w1) {
  double m = std::numeric_limits<double>::infinity();
  for (const auto& z : kData) m = std::min(m, w0 * z[0] + w1 * z[1]);
  return m;
}
double loss(const double* w) {
  double s = 0;
  for (const auto& z : kData) s += std::log1p(std::exp(-(w[0] * z[0] + w[1] * z[1])));
  return s / double(kData.size());
}
void gradient(const double* w, double* g) {
  g[0] = g[1] = 0;
  for (const auto& z : kData) {
    const double s = 1 / (1 + std::exp(w[0] * z[0] + w[1] * z[1]));  // sigma(-m)
    g[0] -= s * z[0] / double(kData.size());
    g[1] -= s * z[1] / double(kData.size());
  }
}

// max over unit w of min_i <w, z_i>, exactly: a max-min of linear functions over the circle is
// attained where one of them is at its own maximum (w = z_i / ||z_i||) or two are equal (w
// orthogonal to z_i - z_j). All candidates, keep the best.
std::array<double, 3> max_margin_direction() {
  std::vector<std::array<double, 2>> candidates;
  for (const auto& z : kData) candidates.push_back({z[0] / std::hypot(z[0], z[1]), z[1] / std::hypot(z[0], z[1])});
  for (std::size_t i = 0; i < kData.size(); ++i)
    for (std::size_t j = i + 1; j < kData.size(); ++j) {
      const double dx = kData[i][0] - kData[j][0], dy = kData[i][1] - kData[j][1], r = std::hypot(dx, dy);
      candidates.push_back({-dy / r, dx / r});
      candidates.push_back({dy / r, -dx / r});
    }
  std::array<double, 3> best{0, 0, -std::numeric_limits<double>::infinity()};
  for (const auto& c : candidates)
    if (margin(c[0], c[1]) > best[2]) best = {c[0], c[1], margin(c[0], c[1])};
  return best;
}

TEST(NormalizedGd, MaxMarginDirectionIsExact) {
  const auto [u0, u1, gamma] = max_margin_direction();
  EXPECT_GT(gamma, 0);  // separable through the origin
  // No direction on a fine grid does better; the best of them comes within the grid's
  // resolution: the margin is 2.55-Lipschitz in the angle (R = max ||z_i|| = 2.55), step 2 pi / 1e5.
  double grid_best = -1;
  for (int k = 0; k < 100000; ++k) {
    const double a = 2 * std::numbers::pi * k / 100000;
    const double m = margin(std::cos(a), std::sin(a));
    EXPECT_LE(m, gamma + 1e-12);
    grid_best = std::max(grid_best, m);
  }
  EXPECT_GE(grid_best, gamma - 2.55 * 2 * std::numbers::pi / 1e5);
}

// For every w: -grad L = 1/n sum sigma(-m_i) z_i, so <-grad L, u*> >= gamma* s and ||grad L||
// <= R s with s = 1/n sum sigma(-m_i) > 0. A normalized step of length eta therefore gains at
// least eta gamma* / R along u*, whatever eta and however flat the loss: <w_t - w_0, u*> >=
// t eta gamma* / R, while ||w_t - w_0|| <= t eta. Checked with a large step (eta = 2) from
// w_0 = 0 over 60 steps. The gradient norm falls like e^{-gamma* ||w||} (1e-78 at the end): eps
// must stay below it, and the squared norm above double's underflow (1e-308), which 60 steps do.
TEST(NormalizedGd, GrowsAlongTheMaxMarginDirectionAtAnyStepSize) {
  const auto [u0, u1, gamma] = max_margin_direction();
  double radius = 0;
  for (const auto& z : kData) radius = std::max(radius, std::hypot(z[0], z[1]));
  const double eta = 2;
  const TransformPtr ngd = parse_transform("chain(normalize(eps=1e-300), sgd(lr=2))");
  const auto layout = ParameterLayout::flat(2);
  auto state = init_state<double>(*ngd, layout);
  AlignedBuffer<double> w(2), g(2);
  w[0] = w[1] = 0;
  for (int t = 1; t <= 60; ++t) {
    gradient(w.data(), g.data());
    apply<double>(*ngd, state, g.span(), w.span(), layout);
    // Rounding: each step's gain carries a few eps relative to eta: 1e-12 per step is ample.
    EXPECT_GE(w[0] * u0 + w[1] * u1, t * eta * gamma / radius - 1e-12 * t) << "step " << t;
    EXPECT_LE(std::hypot(w[0], w[1]), t * eta * (1 + 1e-12)) << "step " << t;
  }
  EXPECT_GT(margin(w[0], w[1]), 0);  // separates the data
  std::printf("normalized GD, eta = 2, T = 60: normalized margin %.4f, gamma* %.4f, loss %.3g\n",
              margin(w[0], w[1]) / std::hypot(w[0], w[1]), gamma, loss(w.data()));
}

// From a point where every margin is >= 0, with ||d|| = 1 and step eta:
//   L(w + eta d) <= L(w) + eta <grad L, d> + eta^2 / 2 R^2 max_segment L
// because l'' <= l for the logistic loss l(m) = log(1 + e^-m); along the segment l grows by at
// most e^{eta R} (l(m - delta) <= e^delta l(m)); and for m >= 0, sigma(-m) >= l(m) / 2, so
// ||grad L|| >= <-grad L, u*> >= gamma* L / 2. With d = -grad L / ||grad L||:
//   L_{t+1} <= rho L_t,   rho = 1 - eta gamma* / 2 + eta^2 R^2 e^{eta R} / 2,
// and L stays below log(2) / n, which keeps every margin >= 0 (n l(m_i) <= n L): the induction
// closes. Started at w_0 = c u* with n log(1 + e^{-c gamma*}) = log 2. The margins follow:
// l(m_i) <= n L gives m_i >= -log(expm1(n L)), and ||w_T|| <= ||w_0|| + eta T.
TEST(NormalizedGd, LossDecaysGeometricallyAndTheNormalizedMarginGrows) {
  const auto [u0, u1, gamma] = max_margin_direction();
  double radius = 0;
  for (const auto& z : kData) radius = std::max(radius, std::hypot(z[0], z[1]));
  const double n = double(kData.size());
  const double eta = 0.05;
  const double rho = 1 - eta * gamma / 2 + eta * eta * radius * radius * std::exp(eta * radius) / 2;
  ASSERT_LT(rho, 1);  // 0.971
  const double c = -std::log(std::pow(2.0, 1 / n) - 1) / gamma;
  const TransformPtr ngd = parse_transform("chain(normalize, sgd(lr=0.05))");
  const auto layout = ParameterLayout::flat(2);
  auto state = init_state<double>(*ngd, layout);
  AlignedBuffer<double> w(2), g(2);
  w[0] = c * u0;
  w[1] = c * u1;
  ASSERT_LE(n * loss(w.data()), std::log(2.0) * (1 + 1e-15));
  const double start_norm = c;
  double previous = loss(w.data());
  const int steps = 300;
  for (int t = 1; t <= steps; ++t) {
    gradient(w.data(), g.data());
    apply<double>(*ngd, state, g.span(), w.span(), layout);
    const double current = loss(w.data());
    // Loss values are formed to a few eps relative.
    EXPECT_LE(current, rho * previous * (1 + 1e-13)) << "step " << t;
    previous = current;
  }
  const double normalized_margin = margin(w[0], w[1]) / std::hypot(w[0], w[1]);
  const double bound = -std::log(std::expm1(n * previous)) / (start_norm + eta * steps);
  EXPECT_GE(normalized_margin, bound);
  EXPECT_LE(normalized_margin, gamma + 1e-12);  // no direction beats the max margin
  // Observed: 1.506 against gamma* = 1.525, the bound from the final loss 1.484: in docs/algorithms.md.
  std::printf("normalized GD, eta = 0.05, T = 300: loss %.3g, normalized margin %.4f, gamma* %.4f, bound %.4f\n",
              previous, normalized_margin, gamma, bound);
}

}  // namespace
}  // namespace descent::testing
