// Results do not depend on the thread count: the executor cuts the work into fixed tiles
// and adds reduction partials in tile order, so 1, 2 and 3 OpenMP threads must give
// bitwise equal parameters and states (global-norm clipping included) over 1e5
// parameters, i.e. ~98 tiles, well above the executor's threshold for going parallel.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "descent/core/parallel.hpp"
#include "transform/transform_cases.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

constexpr std::size_t kSize = 100000;
static_assert(kSize / kTileSize >= 2 * kMinTilesForThreads, "too small to run on several threads");

template <class T>
struct Run {
  AlignedBuffer<T> params;
  TransformState<T> state;
};

template <class T>
Run<T> run_with_threads(const Transform& transform, const ParameterLayout& layout, int threads) {
  const int previous = num_threads();
  set_num_threads(threads);
  Run<T> run{AlignedBuffer<T>(kSize), init_state<T>(transform, layout)};
  for (std::size_t i = 0; i < kSize; ++i) run.params[i] = static_cast<T>(test_param(i));
  AlignedBuffer<T> d(kSize);
  for (std::int64_t t = 1; t <= 3; ++t) {
    // Both signs and magnitudes over two decades, so a different summation order
    // would show in the last bits of the norm.
    for (std::size_t i = 0; i < kSize; ++i)
      d[i] = static_cast<T>(std::sin(0.37 * double(i) + double(t)) * (1.0 + double(i % 97)));
    apply<T>(transform, run.state, d.span(), run.params.span(), layout);
  }
  set_num_threads(previous);
  return run;
}

// The per-step values (bias corrections, clipping factor and the norm) as well.
template <class T>
void expect_equal_step_values(const TransformState<T>& a, const TransformState<T>& b) {
  EXPECT_EQ(0, std::memcmp(a.step.data(), b.step.data(), sizeof(a.step)));
  ASSERT_EQ(a.children.size(), b.children.size());
  for (std::size_t c = 0; c < a.children.size(); ++c) expect_equal_step_values(a.children[c], b.children[c]);
}

template <class T>
void check_thread_independence(const TransformCase& c) {
  const TransformPtr transform = c.make();
  const auto layout = c.layout(kSize);
  const Run<T> one = run_with_threads<T>(*transform, layout, 1);
  for (int threads : {2, 3}) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    const Run<T> many = run_with_threads<T>(*transform, layout, threads);
    EXPECT_EQ(0, std::memcmp(one.params.data(), many.params.data(), kSize * sizeof(T)));
    expect_bitwise_equal_states(one.state, many.state);
    expect_equal_step_values(one.state, many.state);
  }
}

class Determinism : public ::testing::TestWithParam<TransformCase> {};

TEST_P(Determinism, FloatIndependentOfThreadCount) { check_thread_independence<float>(GetParam()); }
TEST_P(Determinism, DoubleIndependentOfThreadCount) { check_thread_independence<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Cases, Determinism, ::testing::ValuesIn(transform_cases()), CaseLabel());

}  // namespace
}  // namespace descent::testing
