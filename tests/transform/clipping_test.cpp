// Edge cases of the clipping transforms that the documentation promises
// (docs/algorithms.md): the exact norm at and around the threshold, the norm summed in
// double for float parameters, and NaN left visible to a later NaN guard.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/core/aligned_buffer.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"

namespace descent::testing {
namespace {

template <class T>
std::vector<T> run(const std::string& spec, std::vector<T> d) {
  const TransformPtr t = parse_transform(spec);
  const auto layout = ParameterLayout::flat(d.size());
  auto state = init_state<T>(*t, layout);
  const std::vector<T> p(d.size(), T(0));
  update<T>(*t, state, std::span<T>(d), std::span<const T>(p), layout);
  return d;
}

TEST(ClipByGlobalNorm, UsesTheExactNorm) {
  // ||(3, 4)|| = 5: at the threshold nothing changes (PyTorch would scale by 5 / (5 + 1e-6)).
  EXPECT_EQ(run<double>("clip_by_global_norm(5)", {3, 4}), (std::vector<double>{3, 4}));
  // ||(6, 8)|| = 10 > 5: scaled by exactly 1/2.
  EXPECT_EQ(run<double>("clip_by_global_norm(5)", {6, 8}), (std::vector<double>{3, 4}));
  EXPECT_EQ(run<float>("clip_by_global_norm(5)", {-6, 8}), (std::vector<float>{-3, 4}));
}

TEST(ClipByGlobalNorm, SumsSquaresInDoubleForFloat) {
  // (3e20)^2 overflows float but not double: the norm is 5e20 and the result (3, 4).
  const auto d = run<float>("clip_by_global_norm(5)", {3e20f, 4e20f});
  EXPECT_NEAR(d[0], 3.0f, 3.0f * 4 * std::numeric_limits<float>::epsilon());
  EXPECT_NEAR(d[1], 4.0f, 4.0f * 4 * std::numeric_limits<float>::epsilon());
}

TEST(ClipByValue, ClampsAndKeepsNanVisible) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Enough elements that the vectorized loop runs as well as the scalar tail.
  std::vector<double> d(37, 0.5);
  d[0] = -3;
  d[1] = 3;
  d[2] = nan;
  d[20] = nan;
  d[33] = -0.25;
  const auto out = run<double>("clip_by_value(limit=1)", d);
  EXPECT_EQ(out[0], -1.0);
  EXPECT_EQ(out[1], 1.0);
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_TRUE(std::isnan(out[20]));
  EXPECT_EQ(out[33], -0.25);
  EXPECT_EQ(out[5], 0.5);
}

}  // namespace
}  // namespace descent::testing
