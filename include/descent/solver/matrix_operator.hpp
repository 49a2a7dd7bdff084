// An explicit symmetric matrix as a LinearOperator, so that the Krylov solvers written for
// Hessians known only through products also solve systems whose matrix is stored: a sparse
// one (a discretized PDE, the matrix IncompleteCholesky factors) or a small dense one
// (tests with a chosen spectrum). The matrix is kept by value; symmetry is assumed, not
// checked (checking costs as much as a product).
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include "descent/objective/linear_operator.hpp"

namespace descent {

template <class T>
class SparseMatrixOperator final : public LinearOperator<T> {
 public:
  // Throws MismatchError unless the matrix is square.
  explicit SparseMatrixOperator(Eigen::SparseMatrix<T> matrix);
  std::size_t size() const override { return static_cast<std::size_t>(matrix_.rows()); }
  void apply(std::span<const T> v, std::span<T> out) const override;
  bool has_diagonal() const override { return true; }
  void diagonal(std::span<T> out) const override;
  const Eigen::SparseMatrix<T>& matrix() const { return matrix_; }

 private:
  Eigen::SparseMatrix<T> matrix_;
};

template <class T>
class DenseMatrixOperator final : public LinearOperator<T> {
 public:
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  // Throws MismatchError unless the matrix is square.
  explicit DenseMatrixOperator(Matrix matrix);
  std::size_t size() const override { return static_cast<std::size_t>(matrix_.rows()); }
  void apply(std::span<const T> v, std::span<T> out) const override;
  bool has_diagonal() const override { return true; }
  void diagonal(std::span<T> out) const override;
  const Matrix& matrix() const { return matrix_; }

 private:
  Matrix matrix_;
};

}  // namespace descent
