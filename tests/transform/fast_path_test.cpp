// The executor's fast path (descent::apply and descent::update over many tiles, chains
// fused into tile passes, reductions summed per tile) against the scalar reference, on
// a vector of 3 full tiles and a partial one, over 5 steps.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/parallel.hpp"
#include "transform/transform_cases.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

constexpr std::size_t kSize = 3 * kTileSize + 517;
constexpr std::int64_t kSteps = 5;

// In double the brief's 1e-12 (far above the ~20 eps of kRoundingBound: the executor
// only changes the order of independent elementwise work and the summation order of the
// global norm). In float, kRoundingBound<float>. Both relative to |p| + sum_t |update_t|:
// the parameters are sums of the updates.
template <class T>
constexpr double kFastPathBound = std::is_same_v<T, double> ? 1e-12 : kRoundingBound<float>;

enum class Entry { apply, update };

template <class T>
void check_fast_path(const TransformCase& c, Entry entry) {
  const TransformPtr transform = c.make();
  const auto layout = c.layout(kSize);
  // Cases with a block_bound: per block, ||p_B - ref_B|| <= block_bound sum_t ||ref update_B,t||
  // (each step's update within its bound; the directions are fixed data, so an error in p
  // feeds back only through the decay term, lr wd < 1e-4 of it per step: a factor
  // (1 + 1e-4)^5 < 1.001 over the run) plus kFastPathBound (||ref_B|| + sum_t ||...||) for
  // the additions into p.
  std::vector<double> block_bounds, block_moved(layout.blocks().size(), 0.0);
  if (c.block_bound != nullptr)
    for (const BlockInfo& block : layout.blocks())
      block_bounds.push_back(
          c.block_bound(block.shape.at(0), block.size / block.shape.at(0), std::numeric_limits<T>::epsilon()));
  auto state = init_state<T>(*transform, layout);
  AlignedBuffer<T> p(kSize);
  for (std::size_t i = 0; i < kSize; ++i) p[i] = static_cast<T>(test_param(i));
  reference::Vec ref_p(p.begin(), p.end());
  reference::Vec moved(kSize, 0.0);  // sum over steps of |reference update|
  reference::State ref_state;
  AlignedBuffer<T> d(kSize);

  for (std::int64_t t = 1; t <= kSteps; ++t) {
    for (std::size_t i = 0; i < kSize; ++i) d[i] = static_cast<T>(test_direction(i, t));
    reference::Vec ref_d(d.begin(), d.end());
    if (entry == Entry::apply) {
      apply<T>(*transform, state, d.span(), p.span(), layout);
    } else {
      update<T>(*transform, state, d.span(), std::span<const T>(p.data(), kSize), layout);
      for (std::size_t i = 0; i < kSize; ++i) p[i] += d[i];
    }
    c.reference(ref_d, ref_p, ref_state, t);
    for (std::size_t i = 0; i < kSize; ++i) {
      ref_p[i] += ref_d[i];
      moved[i] += std::abs(ref_d[i]);
    }
    if (c.block_bound != nullptr) {
      for (std::size_t k = 0; k < layout.blocks().size(); ++k) {
        const BlockInfo& block = layout.blocks()[k];
        double error = 0, update = 0, norm = 0;
        for (std::size_t i = block.offset; i < block.offset + block.size; ++i) {
          const double e = static_cast<double>(p[i]) - ref_p[i];
          error += e * e;
          update += ref_d[i] * ref_d[i];
          norm += ref_p[i] * ref_p[i];
        }
        block_moved[k] += std::sqrt(update);
        EXPECT_LE(std::sqrt(error),
                  1.001 * block_bounds[k] * block_moved[k] + kFastPathBound<T> * (std::sqrt(norm) + block_moved[k]))
            << "step " << t << " block " << block.name;
      }
      continue;
    }
    std::size_t failures = 0;  // report a few, not thousands
    for (std::size_t i = 0; i < kSize && failures < 5; ++i) {
      const double error = std::abs(static_cast<double>(p[i]) - ref_p[i]);
      if (error > kFastPathBound<T> * (std::abs(ref_p[i]) + moved[i])) {
        ++failures;
        ADD_FAILURE() << "step " << t << " p[" << i << "] = " << p[i] << ", reference " << ref_p[i];
      }
    }
  }
  EXPECT_EQ(state.count, kSteps);

  if (!c.slots_comparable) return;
  for_each_slot<T>(state, "", [&](const std::string& path, const std::string& name, const AlignedBuffer<T>& slot) {
    const auto& buffers = reference_child(ref_state, path).buffers;
    const auto it = buffers.find(name);
    ASSERT_NE(it, buffers.end()) << "slot '" << name << "' at '" << path << "' has no reference buffer";
    ASSERT_EQ(slot.size(), kSize);
    for (std::size_t i = 0; i < kSize; ++i)
      ASSERT_LE(std::abs(slot[i] - it->second[i]), kFastPathBound<T> * std::abs(it->second[i]))
          << "slot " << path << "/" << name << "[" << i << "]";
  });
}

class FastPath : public ::testing::TestWithParam<TransformCase> {};

TEST_P(FastPath, FloatApplyMatchesReference) { check_fast_path<float>(GetParam(), Entry::apply); }
TEST_P(FastPath, DoubleApplyMatchesReference) { check_fast_path<double>(GetParam(), Entry::apply); }
TEST_P(FastPath, DoubleUpdateMatchesReference) { check_fast_path<double>(GetParam(), Entry::update); }

INSTANTIATE_TEST_SUITE_P(Cases, FastPath, ::testing::ValuesIn(transform_cases()), CaseLabel());

}  // namespace
}  // namespace descent::testing
