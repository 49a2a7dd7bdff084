// Each transform, driven through its own per-tile interface (begin_step + update_tile,
// no executor), against its scalar reference: the update of every step and every state
// slot, over 5 steps (so bias corrections, accumulators, momentum buffers and schedules
// all move), in float and in double.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "transform/transform_cases.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

constexpr std::size_t kSize = 7;
constexpr std::int64_t kSteps = 5;

void expect_relative(double actual, double expected, double bound, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), bound * std::abs(expected))
      << what << ": " << actual << " vs reference " << expected;
}

// ||d_B - ref_B||_F <= bound_B ||ref_B||_F for every block B (cases with a block_bound).
template <class T>
void expect_blockwise(const TransformCase& c, const ParameterLayout& layout, const std::vector<T>& d,
                      const reference::Vec& ref, const std::string& what) {
  for (const BlockInfo& block : layout.blocks()) {
    const std::size_t rows = block.shape.at(0);
    const double bound = c.block_bound(rows, block.size / rows, std::numeric_limits<T>::epsilon());
    double error = 0, norm = 0;
    for (std::size_t i = block.offset; i < block.offset + block.size; ++i) {
      error += (d[i] - ref[i]) * (d[i] - ref[i]);
      norm += ref[i] * ref[i];
    }
    EXPECT_LE(std::sqrt(error), bound * std::sqrt(norm)) << what << " block " << block.name;
  }
}

template <class T>
void check_against_reference(const TransformCase& c) {
  const TransformPtr transform = c.make();
  const auto layout = c.layout(kSize);
  auto state = init_state<T>(*transform, layout);
  std::vector<T> p(kSize);
  for (std::size_t i = 0; i < kSize; ++i) p[i] = static_cast<T>(test_param(i));
  reference::Vec ref_p(p.begin(), p.end());
  reference::State ref_state;

  for (std::int64_t t = 1; t <= kSteps; ++t) {
    std::vector<T> d(kSize);
    for (std::size_t i = 0; i < kSize; ++i) d[i] = static_cast<T>(test_direction(i, t));
    reference::Vec ref_d(d.begin(), d.end());

    direct_update<T>(*transform, state, d, p, layout);
    c.reference(ref_d, ref_p, ref_state, t);
    EXPECT_EQ(state.count, t);
    if (c.block_bound != nullptr) {
      expect_blockwise(c, layout, d, ref_d, "step " + std::to_string(t) + " update");
    } else {
      for (std::size_t i = 0; i < kSize; ++i) {
        const std::string what = "step " + std::to_string(t) + " update[" + std::to_string(i) + "]";
        if (c.update_relative_to_params)
          EXPECT_LE(std::abs(d[i] - ref_d[i]), kRoundingBound<T> * std::max(std::abs(ref_d[i]), ref_p[i]))
              << what << ": " << d[i] << " vs reference " << ref_d[i] << " on p = " << ref_p[i];
        else
          expect_relative(d[i], ref_d[i], kRoundingBound<T>, what);
      }
    }
    if (c.slots_comparable) {
      for_each_slot<T>(state, "", [&](const std::string& path, const std::string& name, const AlignedBuffer<T>& slot) {
        const auto& buffers = reference_child(ref_state, path).buffers;
        const auto it = buffers.find(name);
        if (it == buffers.end()) {
          ADD_FAILURE() << "slot '" << name << "' at '" << path << "' has no reference buffer";
          return;
        }
        for (std::size_t i = 0; i < kSize; ++i)
          expect_relative(slot[i], it->second[i], kRoundingBound<T>,
                          "step " + std::to_string(t) + " slot " + path + "/" + name + "[" + std::to_string(i) + "]");
      });
    }
    for (std::size_t i = 0; i < kSize; ++i) {
      p[i] += d[i];
      ref_p[i] += ref_d[i];
    }
    // An update that depends on p through a cancellation (the simplex form of exponentiated
    // gradient) would carry the weights' own rounding drift into the comparison: the reference
    // restarts each step from descent's weights, so that one step's formula is what is compared.
    if (c.update_relative_to_params) ref_p.assign(p.begin(), p.end());
  }
}

class UpdateFormula : public ::testing::TestWithParam<TransformCase> {};

TEST_P(UpdateFormula, FloatMatchesReference) { check_against_reference<float>(GetParam()); }
TEST_P(UpdateFormula, DoubleMatchesReference) { check_against_reference<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Cases, UpdateFormula, ::testing::ValuesIn(transform_cases()), CaseLabel());

}  // namespace
}  // namespace descent::testing
