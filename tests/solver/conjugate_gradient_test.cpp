// CG and PCG: the recursion against a hand-written reference, and the promises of the
// theory — at most k iterations for k distinct eigenvalues, the sqrt(kappa) rate of the
// A-norm error, one iteration with the exact preconditioner, and fewer iterations with
// Jacobi on a badly scaled matrix.
#include "descent/solver/conjugate_gradient.hpp"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/solver/jacobi_preconditioner.hpp"
#include "descent/solver/matrix_operator.hpp"
#include "support/spd_matrices.hpp"

namespace descent {
namespace {

using testing::gaussian_vector;
using testing::with_spectrum;

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// ||e||_A = sqrt(e^T A e).
double a_norm(const LinearOperator<double>& A, const std::vector<double>& e) {
  std::vector<double> Ae(e.size());
  A.apply(e, Ae);
  double s = 0;
  for (std::size_t i = 0; i < e.size(); ++i) s += e[i] * Ae[i];
  return std::sqrt(s);
}

TEST(ConjugateGradient, FollowsTheRecursionOnATinySystem) {
  Eigen::MatrixXd M(3, 3);
  M << 4, 1, 0.5, 1, 3, -0.25, 0.5, -0.25, 2;
  const DenseMatrixOperator<double> A(M);
  const std::vector<double> b = {1, -2, 0.5};
  // The reference: Hestenes-Stiefel written out, from x_0 = 0.
  std::vector<std::vector<double>> expected;
  {
    std::vector<double> x(3, 0.0), r = b, p = r;
    double rr = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    for (int k = 0; k < 3; ++k) {
      std::vector<double> Ap(3, 0.0);
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) Ap[i] += M(i, j) * p[j];
      const double alpha = rr / (p[0] * Ap[0] + p[1] * Ap[1] + p[2] * Ap[2]);
      for (int i = 0; i < 3; ++i) {
        x[i] += alpha * p[i];
        r[i] -= alpha * Ap[i];
      }
      const double rr_next = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
      for (int i = 0; i < 3; ++i) p[i] = r[i] + rr_next / rr * p[i];
      rr = rr_next;
      expected.push_back(x);
    }
  }
  // Same formulas in the same order; the library may contract a*b+c into an FMA, a rounding
  // of at most 1 ulp per operation. Through 3 iterations on this matrix (kappa ~ 2.6) such
  // differences stay within a few dozen ulps of ||x||: 1e-14 bounds them with room.
  for (int k = 1; k <= 3; ++k) {
    SCOPED_TRACE(k);
    std::vector<double> x(3, 0.0);
    const auto result = conjugate_gradient<double>(A, b, x, {.tolerance = 0, .max_iterations = k});
    EXPECT_EQ(result.iterations, k);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(x[i], expected[k - 1][i], 1e-14 * norm(expected[k - 1]));
  }
}

TEST(ConjugateGradient, ConvergesInAsManyIterationsAsDistinctEigenvalues) {
  // n = 30 with the 4 eigenvalues {1, 2, 5, 10}, each repeated: the minimal polynomial has
  // degree 4, so r_4 = 0 in exact arithmetic. Rounding leaves a recursively updated residual
  // of order k n eps kappa ||b|| = 4 * 30 * 2.2e-16 * 10 ~ 3e-13 ||b||; the tolerance 1e-10
  // sits far above it, and far below the residual after 3 iterations (b has a component on
  // every eigenspace, so no cubic vanishes on all four eigenvalues).
  std::vector<double> spectrum;
  for (int i = 0; i < 30; ++i) spectrum.push_back(std::vector<double>{1, 2, 5, 10}[i % 4]);
  const DenseMatrixOperator<double> A(with_spectrum(spectrum, 3));
  const std::vector<double> b = gaussian_vector(30, 4);
  std::vector<double> x(30, 0.0);
  const auto result = conjugate_gradient<double>(A, b, x, {.tolerance = 1e-10});
  EXPECT_EQ(result.termination, CgTermination::converged);
  EXPECT_EQ(result.iterations, 4);
  ASSERT_EQ(result.residual_norms.size(), 5u);
  EXPECT_DOUBLE_EQ(result.residual_norms[0], norm(b));
  EXPECT_GT(result.residual_norms[3], 1e-6 * norm(b));
  // The true residual agrees with the recursive one to the same rounding level.
  std::vector<double> Ax(30);
  A.apply(x, Ax);
  for (std::size_t i = 0; i < 30; ++i) Ax[i] -= b[i];
  EXPECT_LE(norm(Ax), 1e-10 * norm(b));
}

TEST(ConjugateGradient, AnormErrorObeysTheConditionNumberBound) {
  // Quadratic's A: eigenvalues from 1 to kappa = 100, d = 100. The bound
  // ||e_k||_A <= 2 ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^k ||e_0||_A holds in exact
  // arithmetic; rounding adds about k n eps kappa ||e_0||_A < 1e-10 ||e_0||_A here, which
  // the 1e-9 added below covers. Each k reruns CG for k iterations (deterministic, so these
  // are the iterates of one run), and the error must also decrease monotonically.
  const double kappa = 100;
  const Quadratic<double> f({.dimension = 100, .condition_number = kappa, .mu = 1, .seed = 5});
  const std::vector<double> anywhere(100, 0.0);
  const auto A = f.hessian_at(anywhere);
  const std::vector<double> solution = gaussian_vector(100, 6);
  std::vector<double> b(100);
  A->apply(solution, b);
  const double e0 = a_norm(*A, solution);  // x_0 = 0
  const double rate = (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1);
  double previous = e0;
  for (int k = 1; k <= 60; ++k) {
    SCOPED_TRACE(k);
    std::vector<double> x(100, 0.0);
    conjugate_gradient<double>(*A, b, x, {.tolerance = 0, .max_iterations = k});
    std::vector<double> e(100);
    for (std::size_t i = 0; i < 100; ++i) e[i] = x[i] - solution[i];
    const double error = a_norm(*A, e);
    EXPECT_LE(error, 2 * std::pow(rate, k) * e0 + 1e-9 * e0);
    EXPECT_LE(error, previous * (1 + 1e-12));
    previous = error;
  }
}

// M^{-1} = A^{-1} by a dense Cholesky factorization: the exact preconditioner.
class ExactInverse final : public Preconditioner<double> {
 public:
  explicit ExactInverse(const Eigen::MatrixXd& A) : llt_(A) {}
  std::size_t size() const override { return static_cast<std::size_t>(llt_.rows()); }
  void apply(std::span<const double> r, std::span<double> z) const override {
    const Eigen::Map<const Eigen::VectorXd> rv(r.data(), static_cast<Eigen::Index>(r.size()));
    Eigen::Map<Eigen::VectorXd>(z.data(), static_cast<Eigen::Index>(z.size())) = llt_.solve(rv);
  }

 private:
  Eigen::LLT<Eigen::MatrixXd> llt_;
};

TEST(ConjugateGradient, ExactPreconditionerConvergesInOneIteration) {
  // M^{-1} A = I has a single eigenvalue. z_0 = A^{-1} b carries the Cholesky solve's error,
  // O(n eps kappa) = 40 * 2.2e-16 * 50 ~ 4e-13 relative, and so does r_1: 1e-10 is far above.
  std::vector<double> spectrum(40);
  for (int i = 0; i < 40; ++i) spectrum[i] = std::pow(50.0, i / 39.0);
  const Eigen::MatrixXd M = with_spectrum(spectrum, 8);
  const DenseMatrixOperator<double> A(M);
  const ExactInverse exact(M);
  const std::vector<double> b = gaussian_vector(40, 9);
  std::vector<double> x(40, 0.0);
  const auto pcg = conjugate_gradient<double>(A, b, x, {.tolerance = 1e-10}, &exact);
  EXPECT_EQ(pcg.termination, CgTermination::converged);
  EXPECT_EQ(pcg.iterations, 1);
  std::vector<double> y(40, 0.0);
  const auto cg = conjugate_gradient<double>(A, b, y, {.tolerance = 1e-10});
  EXPECT_GT(cg.iterations, 10);
}

TEST(ConjugateGradient, JacobiUndoesABadScaling) {
  // A = D B D: B has a unit diagonal and off-diagonal row sums <= 0.6, so by Gershgorin its
  // eigenvalues lie in [0.4, 1.6] (kappa(B) <= 4); D spreads the scales over 1e-2..1e2.
  // Jacobi's M = diag(A) = D^2 makes M^{-1} A similar to B, so PCG contracts the A-norm error
  // by rho = (2 - 1) / (2 + 1) = 1/3 per iteration, and ||r_k|| / ||b|| <=
  // sqrt(kappa(A)) ||e_k||_A / ||e_0||_A <= sqrt(kappa(A)) 2 rho^k: the iteration count is
  // bounded by log(2 sqrt(kappa(A)) / tol) / log 3, kappa(A) computed below.
  const int n = 100;
  Random rng(11, Stream::data);
  Eigen::VectorXd scale(n);
  for (int i = 0; i < n; ++i) scale[i] = std::pow(10.0, 4 * rng.uniform() - 2);
  Eigen::MatrixXd B = Eigen::MatrixXd::Identity(n, n);
  for (int i = 0; i + 1 < n; ++i) B(i, i + 1) = B(i + 1, i) = -0.2;
  for (int i = 0; i + 3 < n; ++i) B(i, i + 3) = B(i + 3, i) = 0.1;
  const Eigen::MatrixXd M = scale.asDiagonal() * B * scale.asDiagonal();
  const Eigen::VectorXd eigenvalues = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(M).eigenvalues();
  const double kappa = eigenvalues[n - 1] / eigenvalues[0];
  const DenseMatrixOperator<double> A(M);
  const std::vector<double> b = gaussian_vector(n, 12);
  const double tolerance = 1e-8;
  const auto jacobi = JacobiPreconditioner<double>::from_operator(A);
  std::vector<double> x(n, 0.0), y(n, 0.0);
  const auto cg = conjugate_gradient<double>(A, b, x, {.tolerance = tolerance, .max_iterations = 5000});
  const auto pcg = conjugate_gradient<double>(A, b, y, {.tolerance = tolerance}, &jacobi);
  std::printf("badly scaled (kappa(A) = %.3g): CG %lld iterations (%s), Jacobi PCG %lld\n", kappa,
              static_cast<long long>(cg.iterations), to_string(cg.termination).c_str(),
              static_cast<long long>(pcg.iterations));
  EXPECT_EQ(pcg.termination, CgTermination::converged);
  EXPECT_LE(pcg.iterations, std::ceil(std::log(2 * std::sqrt(kappa) / tolerance) / std::log(3.0)));
  EXPECT_GT(cg.iterations, 3 * pcg.iterations);
}

TEST(ConjugateGradient, StopsAtNonPositiveCurvatureAndNonFiniteValues) {
  Eigen::MatrixXd indefinite(2, 2);
  indefinite << 1, 0, 0, -1;
  const std::vector<double> b = {1, 1};
  std::vector<double> x(2, 0.0);
  // p_0 = b and b^T A b = 0: not positive, and x is not moved.
  auto result = conjugate_gradient<double>(DenseMatrixOperator<double>(indefinite), b, x);
  EXPECT_EQ(result.termination, CgTermination::non_positive_curvature);
  EXPECT_EQ(result.iterations, 0);
  EXPECT_EQ(x, std::vector<double>(2, 0.0));

  Eigen::MatrixXd poisoned = Eigen::MatrixXd::Identity(2, 2);
  poisoned(1, 1) = std::numeric_limits<double>::quiet_NaN();
  result = conjugate_gradient<double>(DenseMatrixOperator<double>(poisoned), b, x);
  EXPECT_EQ(result.termination, CgTermination::non_finite);
  EXPECT_EQ(x, std::vector<double>(2, 0.0));

  // An indefinite preconditioner (M = -I): r^T M^{-1} r < 0, reported the same way.
  struct Negated final : Preconditioner<double> {
    std::size_t size() const override { return 2; }
    void apply(std::span<const double> r, std::span<double> z) const override {
      for (std::size_t i = 0; i < 2; ++i) z[i] = -r[i];
    }
  } negated;
  result = conjugate_gradient<double>(DenseMatrixOperator<double>(Eigen::MatrixXd::Identity(2, 2)), b, x, {}, &negated);
  EXPECT_EQ(result.termination, CgTermination::non_positive_curvature);
  EXPECT_EQ(x, std::vector<double>(2, 0.0));

  // A zero right-hand side from x_0 = 0 is solved with no iteration.
  result = conjugate_gradient<double>(DenseMatrixOperator<double>(Eigen::MatrixXd::Identity(2, 2)),
                                      std::vector<double>(2, 0.0), x);
  EXPECT_EQ(result.termination, CgTermination::converged);
  EXPECT_EQ(result.iterations, 0);
}

TEST(ConjugateGradient, StartsFromTheGivenGuessAndRunsInFloat) {
  // In float, the recursive residual reaches tolerance 1e-5 on a kappa = 10 system; the
  // solution then satisfies ||x - x*|| <= ||A^{-1}|| ||r|| + rounding ~ 1e-5 ||x*||, checked
  // with a factor 10 for the float rounding of A x (n eps_f kappa ~ 2e-5 ||b||).
  std::vector<double> spectrum(20);
  for (int i = 0; i < 20; ++i) spectrum[i] = 1 + 9.0 * i / 19.0;
  const Eigen::MatrixXd Md = with_spectrum(spectrum, 13);
  const DenseMatrixOperator<float> A(Md.cast<float>());
  const std::vector<double> solution = gaussian_vector(20, 14);
  std::vector<float> xs(solution.begin(), solution.end()), b(20);
  A.apply(xs, b);
  std::vector<float> x(20, 1.0f);  // a nonzero start costs one product for r_0 = b - A x_0
  const auto result = conjugate_gradient<float>(A, b, x, {.tolerance = 1e-5});
  EXPECT_EQ(result.termination, CgTermination::converged);
  EXPECT_EQ(result.operator_products, result.iterations + 1);
  double error = 0;
  for (std::size_t i = 0; i < 20; ++i) error += (x[i] - xs[i]) * (x[i] - xs[i]);
  EXPECT_LE(std::sqrt(error), 1e-4 * norm(solution));
}

TEST(ConjugateGradient, RejectsBadOptionsAndSizesByName) {
  const DenseMatrixOperator<double> A(Eigen::MatrixXd::Identity(3, 3));
  std::vector<double> b(3, 1.0), x(3, 0.0), short_x(2, 0.0);
  try {
    conjugate_gradient<double>(A, b, x, {.tolerance = -1});
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "ConjugateGradientOptions::tolerance = -1 violates tolerance >= 0");
  }
  try {
    conjugate_gradient<double>(A, b, x, {.max_iterations = -1});
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "ConjugateGradientOptions::max_iterations = -1 violates max_iterations >= 0");
  }
  try {
    conjugate_gradient<double>(A, b, short_x);
    ADD_FAILURE() << "accepted";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "conjugate_gradient: x has 2 elements, the operator has size 3");
  }
  const JacobiPreconditioner<double> wrong(std::vector<double>(2, 1.0));
  EXPECT_THROW(conjugate_gradient<double>(A, b, x, {}, &wrong), MismatchError);
  EXPECT_THROW(DenseMatrixOperator<double>(Eigen::MatrixXd::Zero(2, 3)), MismatchError);
}

}  // namespace
}  // namespace descent
