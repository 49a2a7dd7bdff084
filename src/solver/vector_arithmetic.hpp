// The few vector operations the Krylov solvers share. Dot products are accumulated in
// double (float systems lose nothing to the summation: alpha and beta of CG are ratios of
// such sums, and their errors feed every later iterate) with four interleaved partial sums
// combined in a fixed order, so the result does not depend on the data's address or on
// the compiler's choice of vector width.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>

namespace descent::solver_detail {

// sum_i a_i b_i in double.
template <class T>
double dot(std::span<const T> a, std::span<const T> b) {
  const std::size_t n = a.size();
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += static_cast<double>(a[i]) * static_cast<double>(b[i]);
    s1 += static_cast<double>(a[i + 1]) * static_cast<double>(b[i + 1]);
    s2 += static_cast<double>(a[i + 2]) * static_cast<double>(b[i + 2]);
    s3 += static_cast<double>(a[i + 3]) * static_cast<double>(b[i + 3]);
  }
  for (; i < n; ++i) s0 += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return (s0 + s1) + (s2 + s3);
}

template <class T>
double norm(std::span<const T> a) {
  return std::sqrt(dot(a, a));
}

// y += alpha x, with alpha rounded to T once.
template <class T>
void axpy(double alpha, std::span<const T> x, std::span<T> y) {
  const T a = static_cast<T>(alpha);
  for (std::size_t i = 0; i < x.size(); ++i) y[i] += a * x[i];
}

// p = z + beta p (the conjugate-direction update).
template <class T>
void xpby(std::span<const T> z, double beta, std::span<T> p) {
  const T b = static_cast<T>(beta);
  for (std::size_t i = 0; i < z.size(); ++i) p[i] = z[i] + b * p[i];
}

template <class T>
bool all_finite(std::span<const T> x) {
  for (T v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace descent::solver_detail
