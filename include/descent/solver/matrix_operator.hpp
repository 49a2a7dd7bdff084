// An explicit symmetric matrix as a LinearOperator, so that the Krylov solvers written for
// Hessians known only through products also solve systems whose matrix is stored: a sparse
// one (a discretized PDE, the matrix IncompleteCholesky factors) or a small dense one
// (tests with a chosen spectrum). Symmetry is assumed, not checked (checking costs as much
// as a product).
//
// The matrix is copied into arrays of the operator's own and multiplied through an Eigen
// Map, rather than kept as an Eigen matrix: the library is compiled for x86-64-v3, where
// Eigen aligns its heap blocks to 32 bytes with a bookkeeping of its own, and a program
// built for baseline x86-64 would free such a block with plain free(). Only Maps, which
// own nothing, cross between the two.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstdint>
#include <vector>

#include "descent/objective/linear_operator.hpp"

namespace descent {

template <class T>
using SparseMatrixView = Eigen::Map<const Eigen::SparseMatrix<T, Eigen::ColMajor, std::int64_t>>;

template <class T>
class SparseMatrixOperator final : public LinearOperator<T> {
 public:
  // Copies `matrix` (compressed or not). Throws MismatchError unless it is square.
  explicit SparseMatrixOperator(const Eigen::SparseMatrix<T>& matrix);
  std::size_t size() const override { return n_; }
  void apply(std::span<const T> v, std::span<T> out) const override;
  bool has_diagonal() const override { return true; }
  void diagonal(std::span<T> out) const override;
  // The stored matrix (column-major, compressed), valid while the operator lives.
  SparseMatrixView<T> matrix() const;

 private:
  std::size_t n_ = 0;
  std::vector<std::int64_t> column_starts_, rows_;
  std::vector<T> values_;
};

template <class T>
class DenseMatrixOperator final : public LinearOperator<T> {
 public:
  // Copies `matrix`. Throws MismatchError unless it is square.
  explicit DenseMatrixOperator(const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& matrix);
  std::size_t size() const override { return n_; }
  void apply(std::span<const T> v, std::span<T> out) const override;
  bool has_diagonal() const override { return true; }
  void diagonal(std::span<T> out) const override;

 private:
  std::size_t n_ = 0;
  std::vector<T> values_;  // column-major n x n
};

}  // namespace descent
