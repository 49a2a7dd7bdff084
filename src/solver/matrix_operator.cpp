#include "descent/solver/matrix_operator.hpp"

#include <string>

#include "descent/core/error.hpp"

namespace descent {

namespace {

void require_square(const char* owner, Eigen::Index rows, Eigen::Index cols) {
  if (rows != cols)
    throw MismatchError(std::string(owner) + ": the matrix is " + std::to_string(rows) + " x " + std::to_string(cols) +
                        ", not square");
}

void require_length(const char* owner, const char* what, std::size_t length, std::size_t n) {
  if (length != n)
    throw MismatchError(std::string(owner) + ": " + what + " has " + std::to_string(length) +
                        " elements, the matrix has " + std::to_string(n) + " rows");
}

template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

template <class T>
Eigen::Map<const Vector<T>> map(std::span<const T> v) {
  return {v.data(), static_cast<Eigen::Index>(v.size())};
}

template <class T>
Eigen::Map<Vector<T>> map(std::span<T> v) {
  return {v.data(), static_cast<Eigen::Index>(v.size())};
}

}  // namespace

template <class T>
SparseMatrixOperator<T>::SparseMatrixOperator(const Eigen::SparseMatrix<T>& matrix) {
  require_square("SparseMatrixOperator", matrix.rows(), matrix.cols());
  n_ = static_cast<std::size_t>(matrix.rows());
  column_starts_.assign(n_ + 1, 0);
  // An uncompressed matrix keeps a count per column; a compressed one has none.
  const auto* outer = matrix.outerIndexPtr();
  const auto* counts = matrix.innerNonZeroPtr();
  for (std::size_t j = 0; j < n_; ++j) {
    const auto begin = outer[j], end = counts ? begin + counts[j] : outer[j + 1];
    for (auto p = begin; p < end; ++p) {
      rows_.push_back(matrix.innerIndexPtr()[p]);
      values_.push_back(matrix.valuePtr()[p]);
    }
    column_starts_[j + 1] = static_cast<std::int64_t>(rows_.size());
  }
}

template <class T>
SparseMatrixView<T> SparseMatrixOperator<T>::matrix() const {
  const auto n = static_cast<std::int64_t>(n_);
  return SparseMatrixView<T>(n, n, static_cast<std::int64_t>(values_.size()), column_starts_.data(), rows_.data(),
                             values_.data());
}

template <class T>
void SparseMatrixOperator<T>::apply(std::span<const T> v, std::span<T> out) const {
  require_length("SparseMatrixOperator::apply", "v", v.size(), n_);
  require_length("SparseMatrixOperator::apply", "out", out.size(), n_);
  map(out).noalias() = matrix() * map(v);
}

template <class T>
void SparseMatrixOperator<T>::diagonal(std::span<T> out) const {
  require_length("SparseMatrixOperator::diagonal", "out", out.size(), n_);
  for (std::size_t j = 0; j < n_; ++j) {
    out[j] = T(0);
    for (auto p = column_starts_[j]; p < column_starts_[j + 1]; ++p)
      if (static_cast<std::size_t>(rows_[static_cast<std::size_t>(p)]) == j)
        out[j] += values_[static_cast<std::size_t>(p)];
  }
}

template <class T>
DenseMatrixOperator<T>::DenseMatrixOperator(const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& matrix) {
  require_square("DenseMatrixOperator", matrix.rows(), matrix.cols());
  n_ = static_cast<std::size_t>(matrix.rows());
  values_.assign(matrix.data(), matrix.data() + matrix.size());
}

template <class T>
void DenseMatrixOperator<T>::apply(std::span<const T> v, std::span<T> out) const {
  require_length("DenseMatrixOperator::apply", "v", v.size(), n_);
  require_length("DenseMatrixOperator::apply", "out", out.size(), n_);
  const auto n = static_cast<Eigen::Index>(n_);
  const Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> A(values_.data(), n, n);
  map(out).noalias() = A * map(v);
}

template <class T>
void DenseMatrixOperator<T>::diagonal(std::span<T> out) const {
  require_length("DenseMatrixOperator::diagonal", "out", out.size(), n_);
  for (std::size_t i = 0; i < n_; ++i) out[i] = values_[i * n_ + i];
}

template class SparseMatrixOperator<float>;
template class SparseMatrixOperator<double>;
template class DenseMatrixOperator<float>;
template class DenseMatrixOperator<double>;

}  // namespace descent
