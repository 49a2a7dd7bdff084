// Incomplete Cholesky IC(0) preconditioning of an explicit sparse SPD matrix: A ~ L L^T with
// L lower triangular and nonzero only where the lower triangle of A is (no fill-in), so the
// factor costs about what A does to store and to apply (two triangular solves). IC(0)'s
// defining property, which the tests check: (L L^T)_ij = A_ij at every (i, j) of A's
// pattern (Meijerink & van der Vorst, Math. Comp. 1977). On a 5-point Laplacian it roughly
// halves CG's iterations; on a tridiagonal matrix there is no fill to drop and L is the
// exact Cholesky factor.
//
// Policies (stated because the other implementations differ):
//   ordering: natural, the matrix's own; no reordering (Eigen's IncompleteCholesky applies
//             an AMD ordering by default and keeps the largest entries of each column,
//             Lin & More's ICFS, rather than A's pattern).
//   shift:    IC(0) can meet a non-positive pivot on an SPD matrix that is not an
//             M-matrix. Then the factorization restarts on A + alpha diag(A) with alpha =
//             1e-3, doubling until it succeeds (Manteuffel's shifted IC, Math. Comp. 1980).
//             This is A + alpha I for A scaled to a unit diagonal; Lin & More's ICFS and
//             Eigen scale the columns by their 2-norms instead, with the same initial alpha.
//             Success is certain once A + alpha diag(A) is diagonally dominant. shift()
//             reports the alpha used.
// The factor is computed and applied in double whatever T is.
#pragma once

#include <Eigen/SparseCore>
#include <cstdint>
#include <vector>

#include "descent/solver/matrix_operator.hpp"
#include "descent/solver/preconditioner.hpp"

namespace descent {

template <class T>
class IncompleteCholesky final : public Preconditioner<T> {
 public:
  // Reads only the lower triangle (diagonal included) of the square matrix A, compressed or
  // not. Throws MismatchError for a non-square matrix, or a diagonal entry that is missing,
  // not positive or not finite (A is then not SPD).
  explicit IncompleteCholesky(const Eigen::SparseMatrix<T>& A);

  std::size_t size() const override { return n_; }
  // z = (L L^T)^{-1} r by a forward and a backward substitution.
  void apply(std::span<const T> r, std::span<T> z) const override;

  // L: column-major, lower triangular, the pattern of A's lower triangle, the diagonal first
  // in each column. Valid while the preconditioner lives (kept in arrays of its own, as
  // SparseMatrixOperator explains).
  SparseMatrixView<double> factor() const;
  // The alpha of the successful factorization of A + alpha diag(A) (0: none was needed).
  double shift() const { return shift_; }

 private:
  std::size_t n_ = 0;
  std::vector<std::int64_t> column_starts_, rows_;
  std::vector<double> values_;
  double shift_ = 0;
};

}  // namespace descent
