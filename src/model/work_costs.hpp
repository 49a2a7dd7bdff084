// When the models' elementwise and per-sample work is worth OpenMP threads: the sequential
// cost of each kind of work, measured on the development machine (a 2-core Xeon, AVX2 build,
// float, one core, best of 15 runs over 256 rows of 784 values; double costs up to twice as
// much), against the cost of a parallel region.
//
// These numbers only decide WHETHER threads start, never how the work is cut (fixed_tiles.hpp
// cuts it by its size alone), so a wrong estimate costs time, never a different result.
#pragma once

#include <algorithm>
#include <cstddef>

#include "descent/data/dataset.hpp"
#include "descent/model/activation.hpp"

namespace descent::detail {

// An OpenMP region (waking the other threads, joining them) costs a few microseconds on an
// idle machine: below about 20 microseconds of sequential work, two threads save less than
// the region costs plus a margin for a busy machine.
inline constexpr double kMinThreadedNanoseconds = 20'000;

inline bool worth_threads(double nanoseconds) { return nanoseconds >= kMinThreadedNanoseconds; }

// Per value of a layer: the activation and its derivative.
inline double activation_ns(Activation f) {
  switch (f) {
    case Activation::relu:
      return 0.1;  // a vectorized compare, memory bound
    case Activation::tanh:
      return 0.3;  // Eigen's vectorized rational approximation
    case Activation::gelu:
      return 20;  // a scalar erfc
  }
  return 20;
}
inline double derivative_ns(Activation f) {
  switch (f) {
    case Activation::relu:
    case Activation::tanh:
      return 0.1;
    case Activation::gelu:
      return 30;  // a scalar erfc and exp
  }
  return 30;
}

// Per value copied (a gathered row), or used in a vectorized float dot product or axpy.
inline constexpr double kCopyNs = 0.1;
inline constexpr double kVectorizedValueNs = 0.07;
// Per value of a sum of squares in double taken in order (one dependent addition each, so
// the compiler cannot vectorize it): 1.1 ns, and as much per stored value of a sparse row in
// a dot product (an indexed load each).
inline constexpr double kInOrderSumValueNs = 1.1;
inline constexpr double kSparseValueNs = 1.1;
// Per score in the softmax head (exp, the sum, the delta), per row in a single-output head
// (exp and log1p of the logistic loss; less for squared error).
inline constexpr double kSoftmaxClassNs = 4;
inline constexpr double kSingleOutputHeadNs = 10;

// Values stored per input row: the width for dense data, the mean number of nonzeros for sparse.
template <class T>
double input_values_per_row(const Dataset<T>& data) {
  if (!data.is_sparse()) return static_cast<double>(data.dimension());
  return static_cast<double>(data.sparse().values.size()) / static_cast<double>(std::max<std::size_t>(data.size(), 1));
}
// One input row in a dot product or an axpy; its squared norm.
template <class T>
double input_dot_ns(const Dataset<T>& data) {
  return (data.is_sparse() ? kSparseValueNs : kVectorizedValueNs) * input_values_per_row(data);
}
template <class T>
double input_norm_ns(const Dataset<T>& data) {
  return kInOrderSumValueNs * input_values_per_row(data);
}

}  // namespace descent::detail
