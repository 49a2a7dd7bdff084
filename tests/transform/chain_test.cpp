// chain(...) fused by the executor into tile passes must compute exactly what its members
// compute one after the other, each over the whole vector with its own state: the fusion
// changes where data sits, never an operation, so the results are bitwise equal. (The
// chains' agreement with the references, in sequence, is in update_formula_test and
// fast_path_test through the chain rows of transform_cases.hpp.)
#include <gtest/gtest.h>

#include <cstring>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/transform/chain.hpp"
#include "transform/transform_cases.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

constexpr std::size_t kSize = 3 * kTileSize + 100;

template <class T>
void check_fused_equals_sequence(const TransformCase& c) {
  const TransformPtr transform = c.make();
  const auto* chain = dynamic_cast<const Chain*>(transform.get());
  ASSERT_NE(chain, nullptr) << c.spec;
  const auto layout = ParameterLayout::flat(kSize);

  auto fused_state = init_state<T>(*transform, layout);
  std::vector<TransformState<T>> member_states;
  for (const auto& m : chain->members()) member_states.push_back(init_state<T>(*m, layout));

  AlignedBuffer<T> p_fused(kSize), p_seq(kSize), d(kSize), d_seq(kSize);
  for (std::size_t i = 0; i < kSize; ++i) p_fused[i] = p_seq[i] = static_cast<T>(test_param(i));
  for (std::int64_t t = 1; t <= 4; ++t) {
    for (std::size_t i = 0; i < kSize; ++i) d[i] = d_seq[i] = static_cast<T>(test_direction(i, t) - 0.8);
    apply<T>(*transform, fused_state, d.span(), p_fused.span(), layout);
    for (std::size_t k = 0; k < member_states.size(); ++k)
      update<T>(*chain->members()[k], member_states[k], d_seq.span(), std::span<const T>(p_seq.data(), kSize), layout);
    for (std::size_t i = 0; i < kSize; ++i) p_seq[i] += d_seq[i];
    ASSERT_EQ(0, std::memcmp(p_fused.data(), p_seq.data(), kSize * sizeof(T))) << "step " << t;
  }
  ASSERT_EQ(fused_state.children.size(), member_states.size());
  for (std::size_t k = 0; k < member_states.size(); ++k)
    expect_bitwise_equal_states(fused_state.children[k], member_states[k], "/" + std::to_string(k));
}

std::vector<TransformCase> chain_cases() {
  std::vector<TransformCase> out;
  for (const auto& c : transform_cases())
    if (c.entry == "chain") out.push_back(c);
  return out;
}

class ChainFusion : public ::testing::TestWithParam<TransformCase> {};

TEST_P(ChainFusion, FloatFusedEqualsMembersInSequence) { check_fused_equals_sequence<float>(GetParam()); }
TEST_P(ChainFusion, DoubleFusedEqualsMembersInSequence) { check_fused_equals_sequence<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Cases, ChainFusion, ::testing::ValuesIn(chain_cases()), CaseLabel());

TEST(Chain, NestedChainsFlatten) {
  const TransformPtr nested =
      parse_transform("chain(chain(clip_by_global_norm(2), adam(lr=0.02)), chain(weight_decay(0.01)))");
  const TransformPtr flat = parse_transform("chain(clip_by_global_norm(2), adam(lr=0.02), weight_decay(0.01))");
  EXPECT_EQ(nested->spec(), flat->spec());
  EXPECT_EQ(dynamic_cast<const Chain&>(*nested).members().size(), 3u);
  EXPECT_EQ(init_state<double>(*nested, ParameterLayout::flat(3)).children.size(), 3u);
}

TEST(Chain, PerTileUseRefusesNonElementwiseMembers) {
  const TransformPtr c = parse_transform("chain(clip_by_global_norm(1), sgd)");
  auto state = init_state<double>(*c, ParameterLayout::flat(2));
  EXPECT_THROW(c->begin_step(state, nullptr), MismatchError);
}

}  // namespace
}  // namespace descent::testing
