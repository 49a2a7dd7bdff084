// Steihaug-Toint truncated CG against hand-computed answers (interior, boundary at the first
// and second iteration, negative curvature at the first and second iteration, where the
// lower of the two boundary crossings is taken), and the preconditioned variant's norm.
#include "descent/solver/steihaug.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/solver/jacobi_preconditioner.hpp"
#include "descent/solver/matrix_operator.hpp"
#include "support/spd_matrices.hpp"

namespace descent {
namespace {

// Every answer below comes from a few rational operations and one square root: 1e-14
// (about 50 eps) of the step's size covers their rounding.
constexpr double kClose = 1e-14;

DenseMatrixOperator<double> diagonal(double a, double b) {
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(2, 2);
  M(0, 0) = a;
  M(1, 1) = b;
  return DenseMatrixOperator<double>(M);
}

// q(s) = g^T s + 1/2 s^T H s with H = diag(h).
double model(const std::vector<double>& g, const std::vector<double>& h, const std::vector<double>& s) {
  double q = 0;
  for (std::size_t i = 0; i < s.size(); ++i) q += g[i] * s[i] + 0.5 * h[i] * s[i] * s[i];
  return q;
}

// The two crossings s + tau p with ||s + tau p|| = radius, from the quadratic formula.
std::pair<std::vector<double>, std::vector<double>> crossings(const std::vector<double>& s,
                                                              const std::vector<double>& p, double radius) {
  const double a = p[0] * p[0] + p[1] * p[1], b = s[0] * p[0] + s[1] * p[1];
  const double c = s[0] * s[0] + s[1] * s[1] - radius * radius;
  const double plus = (-b + std::sqrt(b * b - a * c)) / a, minus = (-b - std::sqrt(b * b - a * c)) / a;
  return {{s[0] + plus * p[0], s[1] + plus * p[1]}, {s[0] + minus * p[0], s[1] + minus * p[1]}};
}

void expect_step(const std::vector<double>& step, const std::vector<double>& expected) {
  const double scale = std::hypot(expected[0], expected[1]);
  EXPECT_NEAR(step[0], expected[0], kClose * scale);
  EXPECT_NEAR(step[1], expected[1], kClose * scale);
}

TEST(Steihaug, InteriorStepIsTheNewtonStep) {
  // H = diag(2, 4), g = (2, 4): s = -H^{-1} g = (-1, -1), ||s|| = sqrt(2) < 10; two distinct
  // eigenvalues, so CG gets there in two iterations. q(s) = -6 + (2 + 4) / 2 = -3.
  const std::vector<double> g = {2, 4};
  std::vector<double> s(2);
  const auto result = steihaug_toint<double>(diagonal(2, 4), g, 10, s, {.tolerance = 1e-12});
  EXPECT_EQ(result.termination, SteihaugTermination::converged);
  EXPECT_EQ(result.iterations, 2);
  EXPECT_EQ(result.products, 2);
  expect_step(s, {-1, -1});
  EXPECT_NEAR(result.step_norm, std::sqrt(2.0), kClose);
  EXPECT_NEAR(result.model_value, -3, kClose * 3);
  EXPECT_FALSE(result.on_boundary());
}

TEST(Steihaug, StopsOnTheBoundaryInTheFirstIteration) {
  // The first CG step (-5/18) g has norm 1.24 > 0.5: s = -0.5 g / ||g|| = -(1, 2) / sqrt(20),
  // the Cauchy point on the boundary. q = -0.5 ||g|| + 0.125 g^T H g / ||g||^2 = -sqrt(5) + 0.45.
  const std::vector<double> g = {2, 4};
  std::vector<double> s(2);
  const auto result = steihaug_toint<double>(diagonal(2, 4), g, 0.5, s);
  EXPECT_EQ(result.termination, SteihaugTermination::boundary);
  EXPECT_EQ(result.iterations, 1);
  expect_step(s, {-1 / std::sqrt(20.0), -2 / std::sqrt(20.0)});
  EXPECT_NEAR(result.step_norm, 0.5, kClose);
  EXPECT_NEAR(result.model_value, -std::sqrt(5.0) + 0.45, kClose * 3);
  EXPECT_TRUE(result.on_boundary());
}

TEST(Steihaug, StopsOnTheBoundaryInTheSecondIteration) {
  // By hand: r0 = p0 = (-2, -4), p0^T H p0 = 72, alpha0 = 20/72 = 5/18, s1 = (-5/9, -10/9)
  // (norm 1.242 < 1.3); r1 = r0 - alpha0 H p0 = (-8/9, 4/9), beta0 = (80/81) / 20 = 4/81,
  // p1 = r1 + beta0 p0 = (-80/81, 20/81). The full step would reach s2 = (-1, -1), norm
  // 1.414 > 1.3, so s = s1 + tau p1 on the circle of radius 1.3, tau > 0.
  const std::vector<double> g = {2, 4};
  std::vector<double> s(2);
  const auto result = steihaug_toint<double>(diagonal(2, 4), g, 1.3, s, {.tolerance = 1e-12});
  EXPECT_EQ(result.termination, SteihaugTermination::boundary);
  EXPECT_EQ(result.iterations, 2);
  const auto [forward, backward] = crossings({-5.0 / 9, -10.0 / 9}, {-80.0 / 81, 20.0 / 81}, 1.3);
  expect_step(s, forward);
  EXPECT_NEAR(result.model_value, model(g, {2, 4}, forward), kClose * 3);
}

TEST(Steihaug, FollowsNegativeCurvatureToTheBoundary) {
  // H = diag(-1, 2), g = (1, 0): p0 = (-1, 0) has p0^T H p0 = -1, so s = radius p0 / ||p0||
  // = (-3, 0), q = -3 - 9/2.
  const std::vector<double> g = {1, 0};
  std::vector<double> s(2);
  const auto result = steihaug_toint<double>(diagonal(-1, 2), g, 3, s);
  EXPECT_EQ(result.termination, SteihaugTermination::negative_curvature);
  EXPECT_EQ(result.iterations, 1);
  expect_step(s, {-3, 0});
  EXPECT_NEAR(result.model_value, -7.5, kClose * 8);
  // Without a trust region there is no boundary to go to: the step stays at 0.
  const auto unbounded = steihaug_toint<double>(diagonal(-1, 2), g, INFINITY, s);
  EXPECT_EQ(unbounded.termination, SteihaugTermination::negative_curvature);
  expect_step(s, {0, 0});
}

TEST(Steihaug, TakesTheLowerBoundaryCrossingAtLaterNegativeCurvature) {
  // H = diag(1, -3), g = (1, 0.5), radius 10. By hand: r0 = p0 = (-1, -0.5), p0^T H p0 = 0.25,
  // alpha0 = 1.25 / 0.25 = 5, s1 = (-5, -2.5) (norm 5.6, inside); r1 = r0 - 5 H p0 = (4, -8),
  // beta0 = 80 / 1.25 = 64, p1 = (-60, -40) with p1^T H p1 = 3600 - 4800 < 0. Both crossings
  // of the line s1 + tau p1 with the circle are candidates; q is lower at the backward one
  // (tau < 0) here: q = -13.7 against -10.3 forward.
  const std::vector<double> g = {1, 0.5}, h = {1, -3};
  std::vector<double> s(2);
  const auto result = steihaug_toint<double>(diagonal(1, -3), g, 10, s, {.tolerance = 1e-12});
  EXPECT_EQ(result.termination, SteihaugTermination::negative_curvature);
  EXPECT_EQ(result.iterations, 2);
  const auto [forward, backward] = crossings({-5, -2.5}, {-60, -40}, 10);
  ASSERT_LT(model(g, h, backward), model(g, h, forward) - 1);
  expect_step(s, backward);
  EXPECT_NEAR(result.model_value, model(g, h, backward), 1e-13);
  EXPECT_NEAR(result.step_norm, 10, 1e-13);
  // With H = diag(2, -0.5) the forward crossing is the lower one.
  const std::vector<double> h2 = {2, -0.5};
  steihaug_toint<double>(diagonal(2, -0.5), g, 10, s, {.tolerance = 1e-12});
  // r0 = p0 = (-1, -0.5), p0^T H p0 = 1.875, alpha0 = 2/3, s1 = (-2/3, -1/3); r1 = r0 - alpha0 H p0
  // = (1/3, -2/3), beta0 = (5/9) / 1.25 = 4/9, p1 = (1/3 - 4/9, -2/3 - 2/9) = (-1/9, -8/9).
  const auto [forward2, backward2] = crossings({-2.0 / 3, -1.0 / 3}, {-1.0 / 9, -8.0 / 9}, 10);
  ASSERT_LT(model(g, h2, forward2), model(g, h2, backward2) - 1);
  expect_step(s, forward2);
}

TEST(Steihaug, PreconditionedRadiusIsMeasuredInTheNormOfM) {
  // M = diag(4, 1): the first direction is p0 = M^{-1} r0 = (-0.5, -4), and a first step that
  // leaves the region stops at s = radius p0 / ||p0||_M, ||p0||_M = sqrt(4 * 0.25 + 16) = sqrt(17).
  const std::vector<double> g = {2, 4}, m = {4, 1};
  const JacobiPreconditioner<double> M(m);
  std::vector<double> s(2);
  const auto result = steihaug_toint<double>(diagonal(2, 4), g, 0.5, s, {}, &M);
  EXPECT_EQ(result.termination, SteihaugTermination::boundary);
  expect_step(s, {-0.25 / std::sqrt(17.0), -2 / std::sqrt(17.0)});
  EXPECT_NEAR(result.step_norm, 0.5, kClose);

  // On a 6 x 6 SPD system the boundary is met at a later iteration; s^T M s computed
  // directly from the returned step must equal radius^2 (the recurrences of the header are
  // exact in exact arithmetic; rounding of a few iterations: 1e-12 relative).
  std::vector<double> spectrum = {1, 2, 4, 8, 16, 32};
  const DenseMatrixOperator<double> H(testing::with_spectrum(spectrum, 3));
  const std::vector<double> g6 = testing::gaussian_vector(6, 4), m6 = {1, 2, 3, 4, 5, 6};
  const JacobiPreconditioner<double> M6(m6);
  std::vector<double> newton(6), step(6);
  const auto full = steihaug_toint<double>(H, g6, INFINITY, newton, {.tolerance = 1e-12, .max_iterations = 50}, &M6);
  ASSERT_EQ(full.termination, SteihaugTermination::converged);
  const double radius = 0.7 * full.step_norm;
  const auto cut = steihaug_toint<double>(H, g6, radius, step, {.tolerance = 1e-12, .max_iterations = 50}, &M6);
  EXPECT_EQ(cut.termination, SteihaugTermination::boundary);
  EXPECT_GT(cut.iterations, 1);
  double sMs = 0;
  for (int i = 0; i < 6; ++i) sMs += m6[i] * step[i] * step[i];
  EXPECT_NEAR(std::sqrt(sMs), radius, 1e-12 * radius);
  // model_value is q(s) = g^T s + 1/2 s^T H s.
  std::vector<double> Hs(6);
  H.apply(step, Hs);
  double q = 0;
  for (int i = 0; i < 6; ++i) q += g6[i] * step[i] + 0.5 * step[i] * Hs[i];
  EXPECT_NEAR(cut.model_value, q, 1e-12 * std::abs(q));
  EXPECT_LT(full.model_value, cut.model_value);
}

TEST(Steihaug, RespectsTheIterationBudgetAndRejectsBadInput) {
  const std::vector<double> g = {2, 4};
  std::vector<double> s(2), short_s(1);
  const auto one = steihaug_toint<double>(diagonal(2, 4), g, 10, s, {.tolerance = 1e-12, .max_iterations = 1});
  EXPECT_EQ(one.termination, SteihaugTermination::max_iterations);
  expect_step(s, {-10.0 / 18, -20.0 / 18});  // the first CG iterate, alpha0 p0
  // g = 0: nothing to do.
  EXPECT_EQ(steihaug_toint<double>(diagonal(2, 4), std::vector<double>{0, 0}, 1, s).termination,
            SteihaugTermination::converged);
  try {
    steihaug_toint<double>(diagonal(2, 4), g, 0, s);
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "steihaug_toint::radius = 0 violates radius > 0");
  }
  try {
    steihaug_toint<double>(diagonal(2, 4), g, 1, s, {.tolerance = -0.5});
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "SteihaugOptions::tolerance = -0.5 violates tolerance >= 0");
  }
  EXPECT_THROW(steihaug_toint<double>(diagonal(2, 4), g, 1, short_s), MismatchError);
}

}  // namespace
}  // namespace descent
