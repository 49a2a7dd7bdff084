// Coordinate-wise clipping (Pan & Li 2023): the rule on a hand-worked vector, over blocks,
// with ties and NaN, and the property the paper builds it on: on a quadratic where a few
// coordinates are very sharp, clipping them lowers the directional sharpness
// u^T H u / ||u||^2 of the step, and with it the loss goes down by more.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/coordinate_clip.hpp"

namespace descent::testing {
namespace {

std::vector<double> clipped(double fraction, std::vector<double> d,
                            const ParameterLayout& layout = ParameterLayout::flat(0)) {
  const auto transform = coordinate_clip(fraction);
  const ParameterLayout& l = layout.size() == d.size() ? layout : ParameterLayout::flat(d.size());
  auto state = init_state<double>(*transform, l);
  const std::vector<double> p(d.size(), 0.0);
  update<double>(*transform, state, std::span<double>(d), std::span<const double>(p), l);
  return d;
}

TEST(CoordinateClip, ClipsTheLargestFractionToTheNextLargestMagnitude) {
  // n = 10, fraction 0.2: k = 2 coordinates clipped (|-4| and |3|) to the third largest |d|, 2.
  const std::vector<double> d = {0.5, -4, 1, 3, -0.2, 2, 0.1, -1.5, 0.3, 0.7};
  EXPECT_EQ(clipped(0.2, d), (std::vector<double>{0.5, -2, 1, 2, -0.2, 2, 0.1, -1.5, 0.3, 0.7}));
  // k = floor(10 * 0.35) = 3: tau = 1.5.
  EXPECT_EQ(clipped(0.35, d), (std::vector<double>{0.5, -1.5, 1, 1.5, -0.2, 1.5, 0.1, -1.5, 0.3, 0.7}));
  // k = floor(10 * 0.05) = 0: unchanged.
  EXPECT_EQ(clipped(0.05, d), d);
}

TEST(CoordinateClip, TiesAndNaN) {
  // Ties at the threshold: k = 2, the three 5s tie for the top; tau = 5, nothing changes.
  EXPECT_EQ(clipped(0.4, {5, -5, 5, 1, 2}), (std::vector<double>{5, -5, 5, 1, 2}));
  // A NaN ranks as the largest magnitude and stays NaN; k = 2 (NaN and 9), tau = 4.
  const auto out = clipped(0.4, {std::nan(""), 9, -4, 1, 2});
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_EQ(out[1], 4);
  EXPECT_EQ(out[2], -4);
  EXPECT_EQ(out[3], 1);
}

TEST(CoordinateClip, TheQuantileIsOverAllBlocksTogether) {
  // Two blocks of 3: the two largest magnitudes are both in the first; fraction 1/3 of 6
  // clips exactly those two, to the third largest overall (2, in the second block).
  ParameterLayout layout;
  layout.add("first", {3});
  layout.add("second", {3});
  EXPECT_EQ(clipped(1.0 / 3.0, {10, -8, 0.5, 2, -1, 0.25}, layout), (std::vector<double>{2, -2, 0.5, 2, -1, 0.25}));
}

TEST(CoordinateClip, PerTileUseIsRefusedByName) {
  const auto transform = coordinate_clip(0.1);
  auto state = init_state<double>(*transform, ParameterLayout::flat(1));
  double d = 1, p = 0;
  EXPECT_THROW(transform->update_tile(state, Tile<double>{&d, &p, 0, 1}), MismatchError);
}

// f(x) = 1/2 x^T H x, H = diag(h): h = 1e4 on two coordinates (17 and 63), h in [0.5, 1.4] on
// the other 98. At the point chosen, the gradient is g_i = 5 on the sharp coordinates and
// 0.5 + 0.1 (i mod 11) in [0.5, 1.5] on the others: two coordinates out of 100 hold a modest
// share of the gradient but nearly all of its curvature, the situation of the paper.
//
// fraction = 0.02 clips k = 2 coordinates, the two sharp ones, to tau = 1.5 (the largest
// other). With R = sum_rest g_i^2 and A = sum_rest h_i g_i^2 (rest: the 98 flat coordinates):
//   S(g) = (2 * 1e4 * 25 + A) / (50 + R),   S(v) = (2 * 1e4 * 2.25 + A) / (4.5 + R)
// and since A <= 1.4 R, R in [98 * 0.25, 98 * 2.25]:
//   S(g) >= (5e5 + 0) / (50 + 220.5) = 1848,   S(v) <= (45000 + 1.4 * 24.5) / (4.5 + 24.5) = 1553
// in the worst case of the ranges; with this data R = 108.1 and A = 102.5 (computed below), so
//   S(g) = 3166 and S(v) = 401.8: clipping lowers the directional sharpness 7.9 times.
// The best decrease of f along a direction u is (g.u)^2 / (2 u^T H u) (at step g.u / u^T H u):
//   D(g) = (50 + R)^2 / (2 (5e5 + A)) = 0.0250,  D(v) = (15 + R)^2 / (2 (45000 + A)) = 0.1681,
// 6.7 times larger. At that step for v (2.7e-3), the gradient step increases f: its
// directional sharpness allows steps below 2 g.g / g^T H g = 3.2e-4 only.
TEST(CoordinateClip, LowersDirectionalSharpnessAndIncreasesTheLossDecrease) {
  const std::size_t n = 100;
  std::vector<double> h(n), g(n);
  for (std::size_t i = 0; i < n; ++i) {
    const bool sharp = i == 17 || i == 63;
    h[i] = sharp ? 1e4 : 0.5 + 0.1 * double(i % 10);
    g[i] = sharp ? 5.0 : 0.5 + 0.1 * double(i % 11);
  }
  const std::vector<double> v = clipped(0.02, g);
  double rest_squares = 0, rest_curvature = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i == 17 || i == 63) {
      EXPECT_EQ(v[i], 1.5);
    } else {
      EXPECT_EQ(v[i], g[i]);
      rest_squares += g[i] * g[i];
      rest_curvature += h[i] * g[i] * g[i];
    }
  }
  const auto dot = [](const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>* w) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += (w ? (*w)[i] : 1.0) * a[i] * b[i];
    return s;
  };
  const double sharpness_g = dot(g, g, &h) / dot(g, g, nullptr);
  const double sharpness_v = dot(v, v, &h) / dot(v, v, nullptr);
  // The closed forms above (sums of positive terms: agreement to 1e-12 relative).
  EXPECT_NEAR(sharpness_g, (5e5 + rest_curvature) / (50 + rest_squares), 1e-12 * sharpness_g);
  EXPECT_NEAR(sharpness_v, (45000 + rest_curvature) / (4.5 + rest_squares), 1e-12 * sharpness_v);
  // The worst-case bounds of the ranges, and the ratio with this data (7.9, asked >= 7).
  EXPECT_GE(sharpness_g, 1848);
  EXPECT_LE(sharpness_v, 1553);
  EXPECT_GE(sharpness_g / sharpness_v, 7);

  // Loss decrease f(x) - f(x - eta u) = eta g.u - eta^2 / 2 u^T H u, exact for a quadratic.
  const auto decrease = [&](const std::vector<double>& u, double eta) {
    return eta * dot(g, u, nullptr) - 0.5 * eta * eta * dot(u, u, &h);
  };
  const double best_step_g = dot(g, g, nullptr) / dot(g, g, &h);
  const double best_step_v = dot(g, v, nullptr) / dot(v, v, &h);
  const double best_g = decrease(g, best_step_g), best_v = decrease(v, best_step_v);
  EXPECT_NEAR(best_g, (50 + rest_squares) * (50 + rest_squares) / (2 * (5e5 + rest_curvature)), 1e-12);
  EXPECT_NEAR(best_v, (15 + rest_squares) * (15 + rest_squares) / (2 * (45000 + rest_curvature)), 1e-12);
  EXPECT_GE(best_v / best_g, 6);  // 6.7 with this data
  // At an equal step, the clipped step's best: the gradient step makes f go up.
  EXPECT_GT(decrease(v, best_step_v), 0);
  EXPECT_LT(decrease(g, best_step_v), 0);
}

}  // namespace
}  // namespace descent::testing
