// Serial sums in a fixed order that still vectorize. A plain `s += x[i] * x[i]` loop is one
// dependency chain the compiler may not reorder (that would change the result), so it runs
// at one add per FMA latency; `omp simd reduction` lets it reorder, but GCC 12 turns the
// float -> double widening there into gathers and spills the accumulator every iteration
// (measured: the global-norm pass took longer than the whole Adam pass after it). Sixteen
// independent lanes, combined pairwise at the end, are four AVX2 registers of doubles: the
// order is fixed by this code, not by the compiler's choice of vector width, so every build
// and every thread count gives the same bits for the same input.
#pragma once

#include <cstddef>

namespace descent {

inline constexpr std::size_t kSumLanes = 16;

// sum_i x[i]^2, accumulated in double.
template <class T>
inline double lane_sum_of_squares(const T* __restrict x, std::size_t n) {
  double lane[kSumLanes] = {};
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes)
    for (std::size_t k = 0; k < kSumLanes; ++k) {
      const double v = static_cast<double>(x[i + k]);
      lane[k] += v * v;
    }
  // Fewer than kSumLanes remain; the min only tells the compiler so.
  const std::size_t rest = n - i < kSumLanes ? n - i : kSumLanes;
  for (std::size_t k = 0; k < rest; ++k) {
    const double v = static_cast<double>(x[i + k]);
    lane[k] += v * v;
  }
  for (std::size_t width = kSumLanes / 2; width > 0; width /= 2)
    for (std::size_t k = 0; k < width; ++k) lane[k] += lane[k + width];
  return lane[0];
}

}  // namespace descent
