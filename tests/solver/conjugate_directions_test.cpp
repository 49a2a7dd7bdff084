// Conjugate directions with a user direction map (Kaneda et al. 2023): it is CG when the map
// is the identity and PCG when it is M^{-1}; with a full window any map whose directions stay
// independent solves an n x n system in n iterations; a map close to A^{-1} (what the
// paper's network is trained to be) needs far fewer iterations than CG.
#include "descent/solver/conjugate_directions.hpp"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdio>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/solver/jacobi_preconditioner.hpp"
#include "descent/solver/matrix_operator.hpp"
#include "support/spd_matrices.hpp"

namespace descent {
namespace {

using testing::gaussian_vector;
using testing::with_spectrum;

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

double norm(const std::vector<double>& a) { return distance(a, std::vector<double>(a.size(), 0.0)); }

std::vector<double> geometric_spectrum(int n, double kappa) {
  std::vector<double> s(n);
  for (int i = 0; i < n; ++i) s[i] = std::pow(kappa, double(i) / (n - 1));
  return s;
}

// Solution of A x = b by a dense Cholesky factorization (the reference x*).
std::vector<double> solve(const Eigen::MatrixXd& A, const std::vector<double>& b) {
  const Eigen::VectorXd x = A.llt().solve(Eigen::Map<const Eigen::VectorXd>(b.data(), Eigen::Index(b.size())));
  return {x.data(), x.data() + x.size()};
}

// The k-th iterates of CG and of conjugate directions agree in exact arithmetic. In floating
// point the two compute beta by different formulas (r_{k+1}^T z_{k+1} / r_k^T z_k against
// -p_k^T A z_{k+1} / p_k^T A p_k), equal up to the loss of orthogonality between successive
// residuals, O(n eps kappa) relative per iteration; to first order the iterates then differ
// by at most about k n eps kappa ||x*||. With k <= 8, n = 20, kappa = 20 that is
// 8 * 20 * 2.2e-16 * 20 ~ 7e-13 ||x*||; the test allows 100 times more.
void expect_same_iterates(const LinearOperator<double>& A, const std::vector<double>& b, double kappa,
                          const DirectionMap<double>& direction, std::int64_t window,
                          const Preconditioner<double>* preconditioner) {
  const std::size_t n = b.size();
  std::vector<double> reference(n, 0.0);
  conjugate_gradient<double>(A, b, reference, {.tolerance = 0, .max_iterations = 40}, preconditioner);
  const double tolerance = 100 * 8 * double(n) * 2.2e-16 * kappa * norm(reference);
  for (int k = 1; k <= 8; ++k) {
    SCOPED_TRACE(k);
    std::vector<double> cg(n, 0.0), cd(n, 0.0);
    conjugate_gradient<double>(A, b, cg, {.tolerance = 0, .max_iterations = k}, preconditioner);
    const auto result =
        conjugate_directions<double>(A, b, cd, direction, {.tolerance = 0, .max_iterations = k, .window = window});
    EXPECT_EQ(result.iterations, k);
    EXPECT_LE(distance(cg, cd), tolerance);
  }
}

TEST(ConjugateDirections, IdentityMapReproducesConjugateGradients) {
  const double kappa = 20;
  const DenseMatrixOperator<double> A(with_spectrum(geometric_spectrum(20, kappa), 1));
  const std::vector<double> b = gaussian_vector(20, 2);
  const DirectionMap<double> identity = [](std::span<const double> r, std::span<double> d) {
    std::copy(r.begin(), r.end(), d.begin());
  };
  for (std::int64_t window : {1, 2, 5}) {
    SCOPED_TRACE(window);
    expect_same_iterates(A, b, kappa, identity, window, nullptr);
  }
}

TEST(ConjugateDirections, InversePreconditionerMapReproducesPcg) {
  // A = D B D with kappa(B) = 20 and D spread over 1e-1..1e1: Jacobi's M^{-1} A is close to B,
  // and its condition number (computed from M^{-1/2} A M^{-1/2}) enters the tolerance.
  const int n = 20;
  const Eigen::MatrixXd B = with_spectrum(geometric_spectrum(n, 20), 3);
  Eigen::VectorXd scale(n);
  for (int i = 0; i < n; ++i) scale[i] = std::pow(10.0, 2.0 * i / (n - 1) - 1);
  const Eigen::MatrixXd M = scale.asDiagonal() * B * scale.asDiagonal();
  const Eigen::VectorXd root = M.diagonal().cwiseSqrt().cwiseInverse();
  const Eigen::VectorXd eigenvalues =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(root.asDiagonal() * M * root.asDiagonal()).eigenvalues();
  const DenseMatrixOperator<double> A(M);
  const auto jacobi = JacobiPreconditioner<double>::from_operator(A);
  const DirectionMap<double> inverse = [&](std::span<const double> r, std::span<double> d) { jacobi.apply(r, d); };
  expect_same_iterates(A, gaussian_vector(n, 4), eigenvalues[n - 1] / eigenvalues[0], inverse, 2, &jacobi);
}

TEST(ConjugateDirections, FullWindowSolvesInAtMostNIterationsForAnyIndependentMap) {
  // A nonlinear map (no Krylov structure at all). With window n - 1 every direction is made
  // A-conjugate to all earlier ones, so x_k minimizes the A-norm error over x_0 + the span of
  // k independent directions, and x_n = x* in exact arithmetic. Rounding leaves a residual
  // of order n eps kappa ||b|| ~ 12 * 2.2e-16 * 10 ~ 3e-14 ||b||: tolerance 1e-9 is far above.
  const int n = 12;
  const Eigen::MatrixXd M = with_spectrum(geometric_spectrum(n, 10), 5);
  const DenseMatrixOperator<double> A(M);
  const std::vector<double> b = gaussian_vector(n, 6);
  const DirectionMap<double> nonlinear = [](std::span<const double> r, std::span<double> d) {
    for (std::size_t i = 0; i < r.size(); ++i) d[i] = std::tanh(3 * r[i]) + 0.25 * r[(i + 1) % r.size()];
  };
  std::vector<double> x(n, 0.0);
  const auto result = conjugate_directions<double>(A, b, x, nonlinear, {.tolerance = 1e-9, .window = n - 1});
  EXPECT_EQ(result.termination, CgTermination::converged);
  EXPECT_LE(result.iterations, n);
  EXPECT_LE(distance(x, solve(M, b)), 1e-8 * norm(solve(M, b)));
  // The same map with the paper's window of 2 has no such guarantee, and does not finish in n.
  std::vector<double> y(n, 0.0);
  const auto short_window = conjugate_directions<double>(A, b, y, nonlinear, {.tolerance = 1e-9, .window = 2});
  EXPECT_GT(short_window.iterations, n);
}

TEST(ConjugateDirections, ANearInverseMapBeatsConjugateGradients) {
  // The paper trains its network to approximate A^{-1} r. Stand-in: the exact inverse of
  // A + E, E symmetric with ||E||_2 <= 0.05 and lambda_min(A) = 1. Then A + E is SPD and
  // (A + E)^{-1} A has its eigenvalues in [1 / 1.05, 1 / 0.95]: kappa' <= 1.106 and
  // rho = (sqrt(kappa') - 1) / (sqrt(kappa') + 1) <= 0.026. With window >= 1 and an SPD map the
  // method is PCG, so ||r_k|| / ||b|| <= sqrt(kappa(A)) 2 rho^k = sqrt(1000) 2 (0.026)^k, below
  // 1e-8 from k = 7; CG on kappa(A) = 1000 needs several times more.
  const int n = 60;
  const Eigen::MatrixXd M = with_spectrum(geometric_spectrum(n, 1000), 7);
  Random rng(9, Stream::data);
  Eigen::MatrixXd E(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) E(i, j) = E(j, i) = rng.normal();
  E *= 0.05 / E.norm();  // ||E||_2 <= ||E||_F = 0.05
  const Eigen::LLT<Eigen::MatrixXd> approximate((M + E).eval());
  ASSERT_EQ(approximate.info(), Eigen::Success);
  const DirectionMap<double> learned = [&](std::span<const double> r, std::span<double> d) {
    const Eigen::VectorXd v =
        approximate.solve(Eigen::Map<const Eigen::VectorXd>(r.data(), static_cast<Eigen::Index>(r.size())));
    std::copy(v.data(), v.data() + v.size(), d.begin());
  };
  const DenseMatrixOperator<double> A(M);
  const std::vector<double> b = gaussian_vector(n, 10);
  std::vector<double> x(n, 0.0), y(n, 0.0);
  const auto cd = conjugate_directions<double>(A, b, x, learned, {.tolerance = 1e-8});
  const auto cg = conjugate_gradient<double>(A, b, y, {.tolerance = 1e-8});
  std::printf("kappa 1000: CG %lld iterations, near-inverse directions %lld\n", static_cast<long long>(cg.iterations),
              static_cast<long long>(cd.iterations));
  EXPECT_EQ(cd.termination, CgTermination::converged);
  EXPECT_LE(cd.iterations, 7);
  EXPECT_GT(cg.iterations, 3 * 7);
}

TEST(ConjugateDirections, ReportsBreakdownsAndRejectsBadOptions) {
  const DenseMatrixOperator<double> A(Eigen::MatrixXd::Identity(3, 3));
  const std::vector<double> b = {1, 2, 3};
  std::vector<double> x(3, 0.0);
  // A direction in the span of the window vanishes after Gram-Schmidt: d^T A d = 0.
  const DirectionMap<double> constant = [](std::span<const double>, std::span<double> d) {
    std::fill(d.begin(), d.end(), 1.0);
  };
  auto result = conjugate_directions<double>(A, b, x, constant);
  EXPECT_EQ(result.termination, CgTermination::non_positive_curvature);
  EXPECT_EQ(result.iterations, 1);
  const DirectionMap<double> poisoned = [](std::span<const double>, std::span<double> d) {
    std::fill(d.begin(), d.end(), std::nan(""));
  };
  std::fill(x.begin(), x.end(), 0.0);
  result = conjugate_directions<double>(A, b, x, poisoned);
  EXPECT_EQ(result.termination, CgTermination::non_finite);
  EXPECT_EQ(x, std::vector<double>(3, 0.0));
  try {
    conjugate_directions<double>(A, b, x, constant, {.window = -1});
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "ConjugateDirectionsOptions::window = -1 violates window >= 0");
  }
  EXPECT_THROW(conjugate_directions<double>(A, b, x, DirectionMap<double>{}), MismatchError);
}

}  // namespace
}  // namespace descent
