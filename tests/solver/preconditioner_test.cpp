// The preconditioners against their definitions: IC(0)'s factor on a hand-factored 4 x 4
// grid Laplacian, its defining property (L L^T equals A on A's pattern), exactness on a
// tridiagonal matrix, the shift on breakdown, fewer PCG iterations on a 2-D Laplacian;
// Jacobi's division and floor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/solver/conjugate_gradient.hpp"
#include "descent/solver/incomplete_cholesky.hpp"
#include "descent/solver/jacobi_preconditioner.hpp"
#include "descent/solver/matrix_operator.hpp"
#include "support/spd_matrices.hpp"

namespace descent {
namespace {

using testing::gaussian_vector;
using testing::laplacian_2d;

Eigen::SparseMatrix<double> sparse(const Eigen::MatrixXd& dense) { return dense.sparseView(); }

// (L L^T)_ij for every (i, j) of the pattern of `A` must equal A_ij. Each entry of L L^T is
// a sum of at most (row length) products of entries of size <= sqrt(max A_ii), so its
// rounding is a few eps times max A_ii: 1e-13 of the largest diagonal entry covers it.
void expect_matches_on_pattern(const Eigen::SparseMatrix<double>& A, const IncompleteCholesky<double>& ic) {
  const Eigen::SparseMatrix<double> L = ic.factor();
  const Eigen::SparseMatrix<double> Lt = L.transpose();
  const Eigen::SparseMatrix<double> product = L * Lt;
  double scale = 0;
  for (int j = 0; j < A.outerSize(); ++j) scale = std::max(scale, A.coeff(j, j));
  for (int j = 0; j < A.outerSize(); ++j)
    for (Eigen::SparseMatrix<double>::InnerIterator it(A, j); it; ++it)
      EXPECT_NEAR(product.coeff(it.row(), it.col()), it.value(), 1e-13 * scale) << it.row() << ", " << it.col();
}

TEST(IncompleteCholesky, FactorsTheTwoByTwoGridLaplacianByHand) {
  // The 5-point Laplacian on a 2 x 2 grid: nodes 1 and 2 are not neighbours, so the fill at
  // (2, 1) that exact Cholesky would create is dropped. By hand:
  //   L00 = 2, L10 = L20 = -1/2;  L11 = sqrt(4 - 1/4) = sqrt(15/4), L31 = -1 / sqrt(15/4);
  //   L22 = sqrt(15/4) (no update from column 1: L21 is not in the pattern), L32 = -1 / sqrt(15/4);
  //   L33 = sqrt(4 - 2 / (15/4)) = sqrt(4 - 8/15).
  const Eigen::SparseMatrix<double> A = laplacian_2d(2);
  const IncompleteCholesky<double> ic(A);
  EXPECT_EQ(ic.shift(), 0.0);
  const Eigen::MatrixXd L = Eigen::MatrixXd(Eigen::SparseMatrix<double>(ic.factor()));
  const double a = std::sqrt(15.0 / 4.0);
  Eigen::MatrixXd expected(4, 4);
  expected << 2, 0, 0, 0,  //
      -0.5, a, 0, 0,       //
      -0.5, 0, a, 0,       //
      0, -1 / a, -1 / a, std::sqrt(4 - 8.0 / 15.0);
  // A handful of roundings per entry: 4 eps relative.
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(L(i, j), expected(i, j), 4 * 2.2e-16 * 2) << i << ", " << j;
  EXPECT_EQ(ic.factor().nonZeros(), 8);  // the lower triangle's pattern, nothing more
  expect_matches_on_pattern(A, ic);
}

TEST(IncompleteCholesky, IsExactOnATridiagonalMatrixSoPcgTakesOneIteration) {
  // A tridiagonal matrix has no fill: IC(0) is its Cholesky factorization, M = A, and PCG
  // converges in one iteration up to the rounding of the triangular solves
  // (O(n eps kappa), kappa <= 3 here by Gershgorin: 1e-10 is far above it).
  const int n = 50;
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    dense(i, i) = 2 + 0.01 * i;
    if (i + 1 < n) dense(i, i + 1) = dense(i + 1, i) = -0.5 - 0.005 * i;
  }
  const Eigen::SparseMatrix<double> A = sparse(dense);
  const IncompleteCholesky<double> ic(A);
  const Eigen::SparseMatrix<double> L = ic.factor();
  const Eigen::MatrixXd exact = dense.llt().matrixL();
  EXPECT_LE((Eigen::MatrixXd(L) - exact).cwiseAbs().maxCoeff(), 1e-14 * exact.cwiseAbs().maxCoeff());
  const SparseMatrixOperator<double> op(A);
  const std::vector<double> b = gaussian_vector(n, 1);
  std::vector<double> x(n, 0.0);
  const auto result = conjugate_gradient<double>(op, b, x, {.tolerance = 1e-10}, &ic);
  EXPECT_EQ(result.termination, CgTermination::converged);
  EXPECT_EQ(result.iterations, 1);
}

TEST(IncompleteCholesky, ShiftsTheDiagonalWhenAPivotBreaksDown) {
  // SPD (eigenvalues about 0.10, 0.62, 3.07, 5.22) but not an M-matrix. By hand, IC(0):
  // column 0 leaves 1.5 at (1,1), (2,2), (3,1) and -1.5 at (3,2), 2.5 at (3,3), dropping the
  // fill at (2,1); column 1 takes (3,3) to 2.5 - 1.5 = 1; column 2 to 1 - 1.5 = -0.5 < 0.
  // So the factorization restarts on A + alpha diag(A) with some alpha > 0.
  Eigen::MatrixXd dense(4, 4);
  dense << 2, 1, 1, 1,  //
      1, 2, 0, 2,       //
      1, 0, 2, -1,      //
      1, 2, -1, 3;
  const Eigen::SparseMatrix<double> A = sparse(dense);
  const IncompleteCholesky<double> ic(A);
  EXPECT_GT(ic.shift(), 0.0);
  Eigen::MatrixXd shifted = dense;
  shifted.diagonal() *= 1 + ic.shift();
  expect_matches_on_pattern(sparse(shifted), ic);
  // Still an SPD preconditioner: PCG solves the system.
  const SparseMatrixOperator<double> op(A);
  const std::vector<double> b = {1, 2, 3, 4};
  std::vector<double> x(4, 0.0);
  EXPECT_EQ(conjugate_gradient<double>(op, b, x, {.tolerance = 1e-10}, &ic).termination, CgTermination::converged);
}

TEST(IncompleteCholesky, ReducesCgIterationsOnATwoDimensionalLaplacian) {
  // 32 x 32 grid (n = 1024), kappa = (4 + 4 cos(pi/33)) / (4 - 4 cos(pi/33)) ~ 440: CG needs
  // O(sqrt(kappa)) iterations. IC(0) leaves the condition number O(h^-2) but lowers its
  // constant; measured at tolerance 1e-8: 101 iterations for CG, 35 with IC(0).
  const Eigen::SparseMatrix<double> A = laplacian_2d(32);
  const SparseMatrixOperator<double> op(A);
  const IncompleteCholesky<double> ic(A);
  EXPECT_EQ(ic.shift(), 0.0);  // an M-matrix: IC(0) never breaks down
  expect_matches_on_pattern(A, ic);
  const std::vector<double> b = gaussian_vector(1024, 2);
  std::vector<double> x(1024, 0.0), y(1024, 0.0);
  const auto cg = conjugate_gradient<double>(op, b, x, {.tolerance = 1e-8});
  const auto pcg = conjugate_gradient<double>(op, b, y, {.tolerance = 1e-8}, &ic);
  std::printf("2-D Laplacian 32 x 32: CG %lld iterations, IC(0) PCG %lld\n", static_cast<long long>(cg.iterations),
              static_cast<long long>(pcg.iterations));
  EXPECT_EQ(cg.termination, CgTermination::converged);
  EXPECT_EQ(pcg.termination, CgTermination::converged);
  EXPECT_LT(2 * pcg.iterations, cg.iterations);
}

TEST(IncompleteCholesky, RejectsMatricesThatCannotBeSpd) {
  EXPECT_THROW(IncompleteCholesky<double>(Eigen::SparseMatrix<double>(2, 3)), MismatchError);
  Eigen::MatrixXd no_diagonal(2, 2);
  no_diagonal << 1, 1, 1, 0;
  try {
    IncompleteCholesky<double> ic(sparse(no_diagonal));
    ADD_FAILURE() << "accepted";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "IncompleteCholesky: A(1, 1) is not stored; an SPD matrix has a positive diagonal");
  }
  Eigen::SparseMatrix<double> negative(2, 2);
  negative.insert(0, 0) = 1;
  negative.insert(1, 1) = -2;
  try {
    IncompleteCholesky<double> ic(negative);
    ADD_FAILURE() << "accepted";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "IncompleteCholesky: A(1, 1) = -2; an SPD matrix has a positive diagonal");
  }
}

TEST(JacobiPreconditioner, DividesByTheDiagonalAboveItsFloor) {
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(4, 4);
  dense.diagonal() << 4, 0.5, 1e-20, -3;
  const DenseMatrixOperator<double> A(dense);
  const auto jacobi = JacobiPreconditioner<double>::from_operator(A, 1e-6);
  // The floor is 1e-6 * max |A_ii| = 4e-6: the tiny and the negative entry are raised to it.
  EXPECT_EQ(jacobi.diagonal(), (std::vector<double>{4, 0.5, 4e-6, 4e-6}));
  const std::vector<double> r = {2, 1, 4e-6, 8e-6};
  std::vector<double> z(4);
  jacobi.apply(r, z);
  // z = r * (1 / d): two roundings, 2 eps relative.
  const std::vector<double> expected = {0.5, 2, 1, 2};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(z[i], expected[i], 2 * 2.2e-16 * expected[i]);
  // A zero diagonal throughout gives the identity.
  const JacobiPreconditioner<double> zero(std::vector<double>(3, 0.0));
  EXPECT_EQ(zero.diagonal(), std::vector<double>(3, 1.0));
  // An operator without a diagonal, a floor outside (0, 1], a wrong length: errors by name.
  Eigen::SparseMatrix<double> empty(3, 3);
  EXPECT_NO_THROW(JacobiPreconditioner<double>::from_operator(SparseMatrixOperator<double>(empty)));
  try {
    JacobiPreconditioner<double> bad(std::vector<double>(3, 1.0), 0);
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "JacobiPreconditioner::relative_floor = 0 violates 0 < relative_floor <= 1");
  }
  std::vector<double> short_z(3);
  EXPECT_THROW(jacobi.apply(r, short_z), MismatchError);
}

}  // namespace
}  // namespace descent
