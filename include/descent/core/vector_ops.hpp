// Reductions over dense vectors for the solvers' bookkeeping (dot products, norms), summed in
// double whatever T is: a float solver's curvature pairs and step tests then lose nothing to
// the accumulation, and the results do not depend on how the compiler orders a float sum.
// Sequential on purpose: solvers call them O(m) times per iteration on vectors the size of
// the parameters, next to an objective evaluation that costs a pass over the data.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

namespace descent {

template <class T>
double dot(std::span<const T> a, std::span<const T> b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return sum;
}

template <class T>
double norm2(std::span<const T> a) {
  return std::sqrt(dot(a, a));
}

// max_i |a_i| (0 for an empty vector; NaN if any entry is NaN).
template <class T>
double max_abs(std::span<const T> a) {
  double m = 0;
  for (const T v : a) {
    if (std::isnan(v)) return static_cast<double>(v);
    m = std::max(m, std::abs(static_cast<double>(v)));
  }
  return m;
}

}  // namespace descent
