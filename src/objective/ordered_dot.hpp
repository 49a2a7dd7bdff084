// Sums whose rounding depends neither on where the data lives nor on threads.
// Terms are accumulated in double (so float objectives lose nothing to the summation)
// in four interleaved accumulators combined in a fixed order: the compiler may map them
// onto one vector register, which keeps the arithmetic identical. Eigen's dot or an
// `omp simd` reduction may instead peel iterations to reach an aligned address, which
// makes the result depend on the address of the data.
#pragma once

#include <cstddef>

namespace descent::detail {

// sum_{i < n} term(i), term returning double.
template <class Term>
double ordered_sum(std::size_t n, Term term) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += term(i);
    s1 += term(i + 1);
    s2 += term(i + 2);
    s3 += term(i + 3);
  }
  for (; i < n; ++i) s0 += term(i);
  return (s0 + s1) + (s2 + s3);
}

// sum_i a_i b_i in double.
template <class T>
double ordered_dot(const T* a, const T* b, std::size_t n) {
  return ordered_sum(n, [a, b](std::size_t i) { return static_cast<double>(a[i]) * static_cast<double>(b[i]); });
}

}  // namespace descent::detail
