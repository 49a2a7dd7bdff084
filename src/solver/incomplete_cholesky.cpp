#include "descent/solver/incomplete_cholesky.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {

namespace {

// IC(0) in place on `values`, laid out as `pattern` (compressed column-major, lower
// triangle, diagonal first in each column). Right-looking: column k is finished, then
// every product L_ik L_jk (i >= j > k) is subtracted from (i, j) where (i, j) belongs to
// the pattern, and dropped where it would be fill. False at a pivot that is not positive.
bool factor_in_place(const Eigen::SparseMatrix<double>& pattern, std::vector<double>& values) {
  const auto n = static_cast<std::size_t>(pattern.cols());
  const auto* outer = pattern.outerIndexPtr();
  const auto* inner = pattern.innerIndexPtr();
  std::vector<std::ptrdiff_t> position(n, -1);  // row -> index into values, for one column j at a time
  for (std::size_t k = 0; k < n; ++k) {
    const std::ptrdiff_t start = outer[k], end = outer[k + 1];
    const double pivot = values[static_cast<std::size_t>(start)];
    if (!(pivot > 0) || !std::isfinite(pivot)) return false;
    const double root = std::sqrt(pivot);
    values[static_cast<std::size_t>(start)] = root;
    for (std::ptrdiff_t e = start + 1; e < end; ++e) values[static_cast<std::size_t>(e)] /= root;
    for (std::ptrdiff_t e = start + 1; e < end; ++e) {
      const auto j = static_cast<std::size_t>(inner[e]);
      const double l_jk = values[static_cast<std::size_t>(e)];
      for (std::ptrdiff_t f = outer[j]; f < outer[j + 1]; ++f) position[static_cast<std::size_t>(inner[f])] = f;
      // Rows i >= j of column k: they follow entry e, as the row indices are sorted.
      for (std::ptrdiff_t e2 = e; e2 < end; ++e2) {
        const std::ptrdiff_t at = position[static_cast<std::size_t>(inner[e2])];
        if (at >= 0) values[static_cast<std::size_t>(at)] -= values[static_cast<std::size_t>(e2)] * l_jk;
      }
      for (std::ptrdiff_t f = outer[j]; f < outer[j + 1]; ++f) position[static_cast<std::size_t>(inner[f])] = -1;
    }
  }
  return true;
}

}  // namespace

template <class T>
IncompleteCholesky<T>::IncompleteCholesky(const Eigen::SparseMatrix<T>& A) {
  if (A.rows() != A.cols())
    throw MismatchError("IncompleteCholesky: the matrix is " + std::to_string(A.rows()) + " x " +
                        std::to_string(A.cols()) + ", not square");
  factor_ = A.template cast<double>().template triangularView<Eigen::Lower>();
  factor_.makeCompressed();
  const auto n = static_cast<std::size_t>(factor_.cols());
  const auto* outer = factor_.outerIndexPtr();
  const auto* inner = factor_.innerIndexPtr();
  std::vector<double> lower(factor_.valuePtr(), factor_.valuePtr() + factor_.nonZeros());
  std::vector<std::size_t> diagonal_at(n);
  for (std::size_t j = 0; j < n; ++j) {
    const std::ptrdiff_t first = outer[j];
    if (first == outer[j + 1] || static_cast<std::size_t>(inner[first]) != j)
      throw MismatchError("IncompleteCholesky: A(" + std::to_string(j) + ", " + std::to_string(j) +
                          ") is not stored; an SPD matrix has a positive diagonal");
    const double d = lower[static_cast<std::size_t>(first)];
    if (!(d > 0) || !std::isfinite(d))
      throw MismatchError("IncompleteCholesky: A(" + std::to_string(j) + ", " + std::to_string(j) +
                          ") = " + format_number(d) + "; an SPD matrix has a positive diagonal");
    diagonal_at[j] = static_cast<std::size_t>(first);
  }
  // A + alpha diag(A) with alpha = 0, 1e-3, 2e-3, ... Once alpha exceeds the largest
  // ratio sum_{i != j} |A_ij| / A_jj the shifted matrix is diagonally dominant and IC(0)
  // cannot break down, so the loop ends; 64 doublings of 1e-3 pass any finite ratio.
  std::vector<double> values;
  double alpha = 0;
  for (int attempt = 0;; ++attempt) {
    values = lower;
    for (std::size_t j = 0; j < n; ++j) values[diagonal_at[j]] *= 1 + alpha;
    if (factor_in_place(factor_, values)) break;
    if (attempt == 64) throw MismatchError("IncompleteCholesky: no shift up to " + format_number(alpha) + " succeeds");
    alpha = alpha == 0 ? 1e-3 : 2 * alpha;
  }
  std::copy(values.begin(), values.end(), factor_.valuePtr());
  shift_ = alpha;
}

template <class T>
void IncompleteCholesky<T>::apply(std::span<const T> r, std::span<T> z) const {
  const std::size_t n = size();
  if (r.size() != n || z.size() != n)
    throw MismatchError("IncompleteCholesky::apply: r has " + std::to_string(r.size()) + " and z " +
                        std::to_string(z.size()) + " elements, the factor " + std::to_string(n) + " rows");
  const auto* outer = factor_.outerIndexPtr();
  const auto* inner = factor_.innerIndexPtr();
  const double* value = factor_.valuePtr();
  std::vector<double> y(r.begin(), r.end());
  // L y = r, column by column: y_j is final once the columns before j are subtracted.
  for (std::size_t j = 0; j < n; ++j) {
    const double yj = y[j] / value[outer[j]];
    y[j] = yj;
    for (std::ptrdiff_t e = outer[j] + 1; e < outer[j + 1]; ++e) y[static_cast<std::size_t>(inner[e])] -= value[e] * yj;
  }
  // L^T z = y: row j of L^T is column j of L, so each z_j is a dot product with later z's.
  for (std::size_t j = n; j-- > 0;) {
    double s = y[j];
    for (std::ptrdiff_t e = outer[j] + 1; e < outer[j + 1]; ++e) s -= value[e] * y[static_cast<std::size_t>(inner[e])];
    y[j] = s / value[outer[j]];
  }
  for (std::size_t i = 0; i < n; ++i) z[i] = static_cast<T>(y[i]);
}

template class IncompleteCholesky<float>;
template class IncompleteCholesky<double>;

}  // namespace descent
