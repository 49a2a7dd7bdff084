// The executor's two shortcuts must not change a bit:
//  - a pass reads the direction where it lies and adds the last member's update straight
//    into the parameters (Tile::in, Tile::add_to), so apply() must equal update() followed
//    by p += d, for every transform, in float and double;
//  - a caller may hand apply() the direction's squared norm, and a leading
//    clip_by_global_norm then skips its own pass: the result must equal the one without
//    the hint, and the hint must really be what the clip uses.
#include <gtest/gtest.h>

#include <cstring>

#include "descent/core/parallel.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/weight_decay.hpp"
#include "transform/transform_cases.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

// Three whole tiles and a partial one: every tile shape the executor produces.
constexpr std::size_t kSize = 3 * kTileSize + 100;

template <class T>
void fill_direction(AlignedBuffer<T>& d, std::int64_t t) {
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<T>(test_direction(i, t) - 0.8);
}

template <class T>
void check_apply_equals_update_then_add(const TransformCase& c) {
  const TransformPtr transform = c.make();
  const auto layout = c.layout(kSize);
  auto applied_state = init_state<T>(*transform, layout);
  auto updated_state = init_state<T>(*transform, layout);
  AlignedBuffer<T> p_applied(kSize), p_updated(kSize), d(kSize), d_updated(kSize);
  for (std::size_t i = 0; i < kSize; ++i) p_applied[i] = p_updated[i] = static_cast<T>(test_param(i));
  for (std::int64_t t = 1; t <= 4; ++t) {
    fill_direction(d, t);
    fill_direction(d_updated, t);
    apply<T>(*transform, applied_state, d.span(), p_applied.span(), layout);
    update<T>(*transform, updated_state, d_updated.span(), std::span<const T>(p_updated.data(), kSize), layout);
    for (std::size_t i = 0; i < kSize; ++i) p_updated[i] += d_updated[i];
    ASSERT_EQ(0, std::memcmp(p_applied.data(), p_updated.data(), kSize * sizeof(T))) << c.spec << ", step " << t;
  }
  expect_bitwise_equal_states(applied_state, updated_state);
}

class ExecutorIo : public ::testing::TestWithParam<TransformCase> {};

TEST_P(ExecutorIo, FloatApplyEqualsUpdateThenAdd) { check_apply_equals_update_then_add<float>(GetParam()); }
TEST_P(ExecutorIo, DoubleApplyEqualsUpdateThenAdd) { check_apply_equals_update_then_add<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Cases, ExecutorIo, ::testing::ValuesIn(transform_cases()), CaseLabel());

// Parameters after one step of `transform` from the same start and direction.
template <class T>
AlignedBuffer<T> one_step(const TransformPtr& transform, std::optional<double> squared_norm) {
  const auto layout = ParameterLayout::flat(kSize);
  auto state = init_state<T>(*transform, layout);
  AlignedBuffer<T> p(kSize), d(kSize);
  for (std::size_t i = 0; i < kSize; ++i) p[i] = static_cast<T>(test_param(i));
  fill_direction(d, 1);
  apply<T>(*transform, state, d.span(), p.span(), layout, squared_norm);
  return p;
}

template <class T>
double direction_squared_norm() {
  AlignedBuffer<T> d(kSize);
  fill_direction(d, 1);
  return sum_of_squares(std::span<const T>(d.data(), kSize));
}

template <class T>
void check_squared_norm_hint() {
  const auto clipped = [](double max_norm) {
    return chain(clip_by_global_norm(max_norm), adam({.lr = constant(0.1)}), weight_decay(0.01));
  };
  const double squared = direction_squared_norm<T>();
  // The norm is about sqrt(kSize * 0.3) ~ 35: a max_norm of 2 makes the clip active.
  ASSERT_GT(std::sqrt(squared), 4.0);
  const AlignedBuffer<T> without = one_step<T>(clipped(2.0), std::nullopt);
  const AlignedBuffer<T> with = one_step<T>(clipped(2.0), squared);
  EXPECT_EQ(0, std::memcmp(without.data(), with.data(), kSize * sizeof(T)));
  // A hint four times too large doubles the norm the clip sees, which is what halving
  // max_norm does (sqrt(4x) = 2 sqrt(x) and c / (2N) = (c / 2) / N exactly in binary
  // floating point): bitwise equal, so the clip used the hint and made no pass of its own.
  const AlignedBuffer<T> hinted_large = one_step<T>(clipped(2.0), 4.0 * squared);
  const AlignedBuffer<T> halved = one_step<T>(clipped(1.0), std::nullopt);
  EXPECT_EQ(0, std::memcmp(hinted_large.data(), halved.data(), kSize * sizeof(T)));
  EXPECT_NE(0, std::memcmp(hinted_large.data(), with.data(), kSize * sizeof(T)));
  // A clip that does not lead the chain reduces something else (Adam's output): the hint
  // must be ignored.
  const TransformPtr clip_later = chain(adam({.lr = constant(0.1)}), clip_by_global_norm(0.5));
  const AlignedBuffer<T> later_without = one_step<T>(clip_later, std::nullopt);
  const AlignedBuffer<T> later_with = one_step<T>(clip_later, 4.0 * squared);
  EXPECT_EQ(0, std::memcmp(later_without.data(), later_with.data(), kSize * sizeof(T)));
}

TEST(SquaredNormHint, FloatLeadingClipUsesTheHintAndGivesTheSameBits) { check_squared_norm_hint<float>(); }
TEST(SquaredNormHint, DoubleLeadingClipUsesTheHintAndGivesTheSameBits) { check_squared_norm_hint<double>(); }

}  // namespace
}  // namespace descent::testing
