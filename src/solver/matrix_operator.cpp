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

}  // namespace

template <class T>
SparseMatrixOperator<T>::SparseMatrixOperator(Eigen::SparseMatrix<T> matrix) : matrix_(std::move(matrix)) {
  require_square("SparseMatrixOperator", matrix_.rows(), matrix_.cols());
  matrix_.makeCompressed();
}

template <class T>
void SparseMatrixOperator<T>::apply(std::span<const T> v, std::span<T> out) const {
  require_length("SparseMatrixOperator::apply", "v", v.size(), size());
  require_length("SparseMatrixOperator::apply", "out", out.size(), size());
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  Eigen::Map<Vector>(out.data(), static_cast<Eigen::Index>(out.size())).noalias() =
      matrix_ * Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
}

template <class T>
void SparseMatrixOperator<T>::diagonal(std::span<T> out) const {
  require_length("SparseMatrixOperator::diagonal", "out", out.size(), size());
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = matrix_.coeff(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i));
}

template <class T>
DenseMatrixOperator<T>::DenseMatrixOperator(Matrix matrix) : matrix_(std::move(matrix)) {
  require_square("DenseMatrixOperator", matrix_.rows(), matrix_.cols());
}

template <class T>
void DenseMatrixOperator<T>::apply(std::span<const T> v, std::span<T> out) const {
  require_length("DenseMatrixOperator::apply", "v", v.size(), size());
  require_length("DenseMatrixOperator::apply", "out", out.size(), size());
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  Eigen::Map<Vector>(out.data(), static_cast<Eigen::Index>(out.size())).noalias() =
      matrix_ * Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
}

template <class T>
void DenseMatrixOperator<T>::diagonal(std::span<T> out) const {
  require_length("DenseMatrixOperator::diagonal", "out", out.size(), size());
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = matrix_(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i));
}

template class SparseMatrixOperator<float>;
template class SparseMatrixOperator<double>;
template class DenseMatrixOperator<float>;
template class DenseMatrixOperator<double>;

}  // namespace descent
