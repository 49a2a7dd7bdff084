// The regularized Newton step d = -(B + lambda I)^{-1} g: the dense Cholesky solve against
// Cramer's rule on a 2 x 2 system, CG's stopping test ||(B + lambda I) d + g|| <= theta lambda ||d||
// checked on the true residual, and indefinite systems reported rather than solved.
#include "descent/solver/regularized_step.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/solver/matrix_operator.hpp"
#include "support/spd_matrices.hpp"

namespace descent {
namespace {

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

TEST(RegularizedStep, CholeskyMatchesCramersRuleOnATwoByTwoSystem) {
  // B = [[4, 1], [1, 2]], g = (1, -3), lambda = 0.5: B + lambda I = [[4.5, 1], [1, 2.5]],
  // det = 10.25, d = -(1/det) [[2.5, -1], [-1, 4.5]] g = -(1/10.25) (5.5, -14.5).
  Eigen::MatrixXd B(2, 2);
  B << 4, 1, 1, 2;
  const DenseMatrixOperator<double> op(B);
  const DenseRegularizedSystem<double> system(op);
  EXPECT_EQ(system.products(), 2);
  std::vector<double> g = {1, -3}, d(2);
  const RegularizedStepResult r = system.solve(0.5, g, d);
  EXPECT_EQ(r.status, RegularizedStepStatus::solved);
  // Cholesky is backward stable: the error is below c n eps kappa |d| with kappa(B + lambda I)
  // < 3 and |d| < 1.6, i.e. about 3 * 2 * 1.1e-16 * 3 * 1.6 ~ 3e-15.
  EXPECT_NEAR(d[0], -5.5 / 10.25, 4e-15);
  EXPECT_NEAR(d[1], 14.5 / 10.25, 4e-15);
  EXPECT_NEAR(r.step_norm, norm(d), 1e-15);
  // The same system in float, through the same double factorization: rounded once to float.
  Eigen::MatrixXf Bf = B.cast<float>();
  const DenseMatrixOperator<float> opf(Bf);
  std::vector<float> gf = {1, -3}, df(2);
  EXPECT_EQ(DenseRegularizedSystem<float>(opf).solve(0.5, gf, df).status, RegularizedStepStatus::solved);
  EXPECT_FLOAT_EQ(df[0], static_cast<float>(-5.5 / 10.25));
  EXPECT_FLOAT_EQ(df[1], static_cast<float>(14.5 / 10.25));
}

TEST(RegularizedStep, CgStopsOnceTheResidualIsBelowThetaLambdaTimesTheStep) {
  // A 60 x 60 SPD B with eigenvalues spread over [1e-3, 10]: CG needs many iterations, and the
  // test theta lambda ||d|| is far below theta ||g|| (CG's first-round stop) when lambda is
  // small, so the restarts are exercised. The true residual is recomputed here; CG's recursive
  // residual drifts from it by rounding of order eps kappa ||g|| ~ 1e-11, allowed for.
  std::vector<double> eigenvalues(60);
  for (std::size_t i = 0; i < 60; ++i) eigenvalues[i] = 1e-3 * std::pow(1e4, double(i) / 59);
  const Eigen::MatrixXd B = testing::with_spectrum(eigenvalues, 5);
  const DenseMatrixOperator<double> op(B);
  const std::vector<double> g = testing::gaussian_vector(60, 6);
  for (double lambda : {1e-2, 1.0, 100.0}) {
    for (double theta : {0.25, 0.01}) {
      SCOPED_TRACE(lambda);
      SCOPED_TRACE(theta);
      std::vector<double> d(60);
      const RegularizedStepResult r = regularized_step_cg<double>(op, g, lambda, d, theta, 1000);
      ASSERT_EQ(r.status, RegularizedStepStatus::solved);
      std::vector<double> residual(60);
      op.apply(d, residual);
      for (int i = 0; i < 60; ++i) residual[i] += lambda * d[i] + g[i];
      EXPECT_LE(norm(residual), theta * lambda * norm(d) + 1e-11 * norm(g));
      EXPECT_NEAR(r.step_norm, norm(d), 1e-12 * norm(d));
      EXPECT_GE(r.products, r.iterations);
      // Against the exact step: ||d - d*|| <= ||r|| / lambda_min(B + lambda I).
      const Eigen::MatrixXd shifted = B + lambda * Eigen::MatrixXd::Identity(60, 60);
      const Eigen::VectorXd exact = -shifted.llt().solve(Eigen::Map<const Eigen::VectorXd>(g.data(), 60));
      double error = 0;
      for (int i = 0; i < 60; ++i) error += (d[i] - exact[i]) * (d[i] - exact[i]);
      EXPECT_LE(std::sqrt(error), (norm(residual) + 1e-11 * norm(g)) / (1e-3 + lambda));
    }
  }
  // Jacobi with diag(B) + lambda meets the same test.
  std::vector<double> diagonal(60), d(60);
  op.diagonal(diagonal);
  const RegularizedStepResult r = regularized_step_cg<double>(op, g, 1e-2, d, 0.25, 1000, diagonal);
  EXPECT_EQ(r.status, RegularizedStepStatus::solved);
  // A budget too small for the test: the last iterate, marked inexact.
  const RegularizedStepResult capped = regularized_step_cg<double>(op, g, 1e-2, d, 0.01, 3);
  EXPECT_EQ(capped.status, RegularizedStepStatus::inexact);
  EXPECT_EQ(capped.iterations, 3);
}

TEST(RegularizedStep, IndefiniteSystemsAreReportedNotSolved) {
  // B = diag(2, -1): B + lambda I is indefinite for lambda < 1 and positive definite above.
  Eigen::MatrixXd B(2, 2);
  B << 2, 0, 0, -1;
  const DenseMatrixOperator<double> op(B);
  const DenseRegularizedSystem<double> system(op);
  std::vector<double> g = {1, 1}, d(2);
  EXPECT_EQ(system.solve(0.5, g, d).status, RegularizedStepStatus::not_positive_definite);
  EXPECT_EQ(regularized_step_cg<double>(op, g, 0.5, d, 0.25, 100).status, RegularizedStepStatus::not_positive_definite);
  // lambda = 3: d = -(1/5, 1/2).
  ASSERT_EQ(system.solve(3, g, d).status, RegularizedStepStatus::solved);
  EXPECT_NEAR(d[0], -0.2, 4e-16);  // a diagonal system: one division each, up to an ulp or two
  EXPECT_NEAR(d[1], -0.5, 4e-16);
}

TEST(RegularizedStep, RejectsBadArguments) {
  Eigen::MatrixXd B = Eigen::MatrixXd::Identity(2, 2);
  const DenseMatrixOperator<double> op(B);
  std::vector<double> g = {1, 1}, d(2), short_d(1);
  EXPECT_THROW(regularized_step_cg<double>(op, g, 0, d, 0.25, 10), ConfigError);
  EXPECT_THROW(regularized_step_cg<double>(op, g, 1, d, 1, 10), ConfigError);
  EXPECT_THROW(regularized_step_cg<double>(op, g, 1, d, 0.25, 0), ConfigError);
  EXPECT_THROW(regularized_step_cg<double>(op, g, 1, short_d, 0.25, 10), MismatchError);
  EXPECT_THROW(DenseRegularizedSystem<double>(op).solve(-1, g, d), ConfigError);
  EXPECT_THROW(DenseRegularizedSystem<double>(op).solve(1, g, short_d), MismatchError);
  try {
    regularized_step_cg<double>(op, g, 1, d, 2, 10);
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "regularized_step_cg::theta = 2 violates 0 < theta < 1");
  }
}

}  // namespace
}  // namespace descent
