#include "descent/solver/incomplete_cholesky.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {

namespace {

// IC(0) in place on `values`, laid out as `pattern` (compressed column-major, lower
// triangle, diagonal first in each column). Right-looking: column k is finished, then
// every product L_ik L_jk (i >= j > k) is subtracted from (i, j) where (i, j) belongs to
// the pattern, and dropped where it would be fill. False at a pivot that is not positive.
bool factor_in_place(const std::vector<std::int64_t>& outer, const std::vector<std::int64_t>& inner,
                     std::vector<double>& values) {
  const std::size_t n = outer.size() - 1;
  std::vector<std::int64_t> position(n, -1);  // row -> index into values, for one column j at a time
  for (std::size_t k = 0; k < n; ++k) {
    const std::int64_t start = outer[k], end = outer[k + 1];
    const double pivot = values[static_cast<std::size_t>(start)];
    if (!(pivot > 0) || !std::isfinite(pivot)) return false;
    const double root = std::sqrt(pivot);
    values[static_cast<std::size_t>(start)] = root;
    for (std::int64_t e = start + 1; e < end; ++e) values[static_cast<std::size_t>(e)] /= root;
    for (std::int64_t e = start + 1; e < end; ++e) {
      const auto j = static_cast<std::size_t>(inner[e]);
      const double l_jk = values[static_cast<std::size_t>(e)];
      for (std::int64_t f = outer[j]; f < outer[j + 1]; ++f) position[static_cast<std::size_t>(inner[f])] = f;
      // Rows i >= j of column k: they follow entry e, as the row indices are sorted.
      for (std::int64_t e2 = e; e2 < end; ++e2) {
        const std::int64_t at = position[static_cast<std::size_t>(inner[e2])];
        if (at >= 0) values[static_cast<std::size_t>(at)] -= values[static_cast<std::size_t>(e2)] * l_jk;
      }
      for (std::int64_t f = outer[j]; f < outer[j + 1]; ++f) position[static_cast<std::size_t>(inner[f])] = -1;
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
  n_ = static_cast<std::size_t>(A.rows());
  // The lower triangle, column by column, rows ascending (the factorization relies on it).
  column_starts_.assign(n_ + 1, 0);
  std::vector<double> lower;
  std::vector<std::pair<std::int64_t, double>> column;
  const auto* outer = A.outerIndexPtr();
  const auto* counts = A.innerNonZeroPtr();  // null when compressed
  for (std::size_t j = 0; j < n_; ++j) {
    column.clear();
    const auto begin = outer[j], end = counts ? begin + counts[j] : outer[j + 1];
    for (auto p = begin; p < end; ++p)
      if (static_cast<std::size_t>(A.innerIndexPtr()[p]) >= j)
        column.emplace_back(A.innerIndexPtr()[p], static_cast<double>(A.valuePtr()[p]));
    std::sort(column.begin(), column.end());
    for (const auto& [i, v] : column) {
      rows_.push_back(i);
      lower.push_back(v);
    }
    column_starts_[j + 1] = static_cast<std::int64_t>(rows_.size());
    const auto first = static_cast<std::size_t>(column_starts_[j]);
    if (first == rows_.size() || static_cast<std::size_t>(rows_[first]) != j)
      throw MismatchError("IncompleteCholesky: A(" + std::to_string(j) + ", " + std::to_string(j) +
                          ") is not stored; an SPD matrix has a positive diagonal");
    if (!(lower[first] > 0) || !std::isfinite(lower[first]))
      throw MismatchError("IncompleteCholesky: A(" + std::to_string(j) + ", " + std::to_string(j) +
                          ") = " + format_number(lower[first]) + "; an SPD matrix has a positive diagonal");
  }
  // A + alpha diag(A) with alpha = 0, 1e-3, 2e-3, ... Once alpha exceeds the largest
  // ratio sum_{i != j} |A_ij| / A_jj the shifted matrix is diagonally dominant and IC(0)
  // cannot break down, so the loop ends; 64 doublings of 1e-3 pass any finite ratio.
  double alpha = 0;
  for (int attempt = 0;; ++attempt) {
    values_ = lower;
    for (std::size_t j = 0; j < n_; ++j) values_[static_cast<std::size_t>(column_starts_[j])] *= 1 + alpha;
    if (factor_in_place(column_starts_, rows_, values_)) break;
    if (attempt == 64) throw MismatchError("IncompleteCholesky: no shift up to " + format_number(alpha) + " succeeds");
    alpha = alpha == 0 ? 1e-3 : 2 * alpha;
  }
  shift_ = alpha;
}

template <class T>
SparseMatrixView<double> IncompleteCholesky<T>::factor() const {
  const auto n = static_cast<std::int64_t>(n_);
  return SparseMatrixView<double>(n, n, static_cast<std::int64_t>(values_.size()), column_starts_.data(), rows_.data(),
                                  values_.data());
}

template <class T>
void IncompleteCholesky<T>::apply(std::span<const T> r, std::span<T> z) const {
  const std::size_t n = n_;
  if (r.size() != n || z.size() != n)
    throw MismatchError("IncompleteCholesky::apply: r has " + std::to_string(r.size()) + " and z " +
                        std::to_string(z.size()) + " elements, the factor " + std::to_string(n) + " rows");
  const auto* outer = column_starts_.data();
  const auto* inner = rows_.data();
  const double* value = values_.data();
  std::vector<double> y(r.begin(), r.end());
  // L y = r, column by column: y_j is final once the columns before j are subtracted.
  for (std::size_t j = 0; j < n; ++j) {
    const double yj = y[j] / value[outer[j]];
    y[j] = yj;
    for (std::int64_t e = outer[j] + 1; e < outer[j + 1]; ++e) y[static_cast<std::size_t>(inner[e])] -= value[e] * yj;
  }
  // L^T z = y: row j of L^T is column j of L, so each z_j is a dot product with later z's.
  for (std::size_t j = n; j-- > 0;) {
    double s = y[j];
    for (std::int64_t e = outer[j] + 1; e < outer[j + 1]; ++e) s -= value[e] * y[static_cast<std::size_t>(inner[e])];
    y[j] = s / value[outer[j]];
  }
  for (std::size_t i = 0; i < n; ++i) z[i] = static_cast<T>(y[i]);
}

template class IncompleteCholesky<float>;
template class IncompleteCholesky<double>;

}  // namespace descent
