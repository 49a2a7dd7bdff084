#include "descent/objective/quadratic.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/objective/gradient_check.hpp"
#include "objective/test_support.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kFloatEps = std::numeric_limits<float>::epsilon();

std::string config_error(const QuadraticOptions& options) {
  try {
    Quadratic<double> q(options);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Quadratic, RejectsBadOptionsNamingTheField) {
  EXPECT_EQ(config_error({.dimension = 0}), "QuadraticOptions::dimension = 0 violates dimension >= 1");
  EXPECT_EQ(config_error({.condition_number = 0.5}),
            "QuadraticOptions::condition_number = 0.5 violates 1 <= condition_number < inf");
  EXPECT_EQ(config_error({.condition_number = std::numeric_limits<double>::infinity()}),
            "QuadraticOptions::condition_number = inf violates 1 <= condition_number < inf");
  EXPECT_EQ(config_error({.condition_number = std::nan("")}),
            "QuadraticOptions::condition_number = nan violates 1 <= condition_number < inf");
  EXPECT_EQ(config_error({.mu = 0}), "QuadraticOptions::mu = 0 violates 0 < mu < inf");
  EXPECT_EQ(config_error({.mu = -2}), "QuadraticOptions::mu = -2 violates 0 < mu < inf");
  EXPECT_EQ(config_error({.condition_number = 1e10, .mu = 1e300}),
            "QuadraticOptions::mu = 1e+300 violates mu * condition_number < inf");
  EXPECT_EQ(config_error({.dimension = 1, .condition_number = 10}),
            "QuadraticOptions::condition_number = 10 violates condition_number = 1 when dimension = 1");
  EXPECT_EQ(config_error({.dimension = 1, .condition_number = 1}), "no error");
}

TEST(Quadratic, RejectsSpansOfTheWrongLength) {
  const Quadratic<double> q({.dimension = 4});
  std::vector<double> x3(3), x4(4), g3(3), g4(4);
  try {
    q.value(x3);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "quadratic: x has 3 elements, expected 4");
  }
  try {
    q.value_and_gradient(x4, g3);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "quadratic: gradient has 3 elements, expected 4");
  }
  try {
    q.hessian_vector(x4, x3, g4);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "quadratic: v has 3 elements, expected 4");
  }
  EXPECT_THROW(q.hessian_vector(x4, x4, g3), MismatchError);
}

TEST(Quadratic, SpectrumIsGeometricFromMuToL) {
  const QuadraticOptions options{.dimension = 7, .condition_number = 1000, .mu = 0.5};
  const Quadratic<double> q(options);
  const auto& lambda = q.eigenvalues();
  ASSERT_EQ(lambda.size(), 7u);
  // The ends are set exactly (L = mu * kappa is one correctly rounded product).
  EXPECT_EQ(q.mu(), 0.5);
  EXPECT_EQ(lambda.front(), 0.5);
  EXPECT_EQ(lambda.back(), 500.0);
  EXPECT_EQ(*q.smoothness(), 500.0);
  EXPECT_EQ(lambda.back() / lambda.front(), options.condition_number);
  // Consecutive ratios are kappa^(1/(d-1)) = 10^(1/2). Each eigenvalue is mu exp(t) with
  // t = log(kappa) i / (d-1) <= log(1000) < 7 computed to 3 eps relative, i.e. 21 eps
  // absolute, which exp turns into 21 eps relative, plus its own ulp and the product by mu:
  // 23 eps per eigenvalue, 46 eps (+1 for the division) per ratio.
  for (std::size_t i = 1; i < lambda.size(); ++i)
    EXPECT_NEAR(lambda[i] / lambda[i - 1], std::sqrt(10.0), 47 * kEps * std::sqrt(10.0)) << i;
}

// Column errors of the assembled Hessian: each H e_j goes through two reflections and a
// scaling, each exact to a few ulps of its result (<= 3 eps L per column in norm, 8 eps L
// being safe), so ||A_computed - A||_F <= 8 sqrt(d) eps L; Eigen's symmetric solver is
// backward stable with an error below 8 d eps ||A||. By Weyl's inequality the computed
// eigenvalues are then within 16 d eps L of the exact ones.
double spectral_tolerance(std::size_t d, double L) { return 16 * static_cast<double>(d) * kEps * L; }

TEST(Quadratic, DenseHessianHasTheRequestedEigenvaluesAndIsNotDiagonal) {
  const std::size_t d = 6;
  const Quadratic<double> q({.dimension = d, .condition_number = 100, .mu = 2, .seed = 11});
  const Eigen::MatrixXd a = test::dense_hessian(q, std::vector<double>(d, 0.0));
  const double L = *q.smoothness();
  const double tolerance = spectral_tolerance(d, L);
  EXPECT_LE((a - a.transpose()).cwiseAbs().maxCoeff(), tolerance);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(a);
  for (std::size_t i = 0; i < d; ++i)
    EXPECT_NEAR(solver.eigenvalues()(static_cast<Eigen::Index>(i)), q.eigenvalues()[i], tolerance) << i;
  // A Householder basis mixes every coordinate: off-diagonal entries are O(L / d), far
  // above rounding (this fails if the rotation is skipped).
  double largest_off_diagonal = 0;
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j)
      if (i != j) largest_off_diagonal = std::max(largest_off_diagonal, std::abs(a(i, j)));
  EXPECT_GT(largest_off_diagonal, 1e6 * tolerance);
}

TEST(Quadratic, WithoutRotationTheHessianIsDiagonal) {
  const std::size_t d = 5;
  const Quadratic<double> q({.dimension = d, .condition_number = 50, .rotate = false});
  const Eigen::MatrixXd a = test::dense_hessian(q, std::vector<double>(d, 0.0));
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) EXPECT_EQ(a(i, j), i == j ? q.eigenvalues()[i] : 0.0) << i << "," << j;
}

TEST(Quadratic, PowerIterationWithHessianVectorProductsRecoversLAndMu) {
  const std::size_t d = 6;
  const Quadratic<double> q({.dimension = d, .condition_number = 100, .mu = 1, .seed = 3});
  const std::vector<double> x(d, 0.0);
  const std::vector<double> start = test::random_vector(d, 17, -1, 1);
  const double L = *q.smoothness(), mu = q.mu();
  const double rounding = spectral_tolerance(d, L);

  // Largest eigenvalue: the error bound uses the spectrum and top eigenvector of the
  // assembled matrix (verified against eigenvalues() in the test above).
  const Eigen::MatrixXd a = test::dense_hessian(q, x);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(a);
  const int top_iterations = 40;  // (lambda_2 / L)^(2k) = 100^(-2k/5) ~ 1e-32
  const double top_bound =
      test::power_iteration_bound(solver.eigenvalues(), solver.eigenvectors().col(d - 1), start, top_iterations);
  const double top = test::power_iteration(q, x, start, top_iterations, true);
  EXPECT_LE(top, L + rounding);
  EXPECT_GE(top, L - top_bound - rounding);

  // Smallest eigenvalue: power iteration on L I - A, whose top eigenvalue is L - mu and
  // whose eigenvalues are L - lambda_i (same eigenvectors, reversed order).
  Eigen::VectorXd shifted(d);
  for (std::size_t i = 0; i < d; ++i)
    shifted(static_cast<Eigen::Index>(i)) = L - solver.eigenvalues()(static_cast<Eigen::Index>(d - 1 - i));
  const int bottom_iterations = 2000;  // ratio (L - lambda_1) / (L - mu) = 0.985: 0.985^4000 ~ 1e-26
  const double bottom_bound =
      test::power_iteration_bound(shifted, solver.eigenvectors().col(0), start, bottom_iterations);
  const double bottom = L - test::power_iteration(q, x, start, bottom_iterations, false, L);
  EXPECT_GE(bottom, mu - rounding);
  EXPECT_LE(bottom, mu + bottom_bound + rounding);
  EXPECT_NEAR(top / bottom, 100.0, 100.0 * (top_bound + bottom_bound + 2 * rounding) / mu);
}

TEST(Quadratic, RayleighQuotientsLieBetweenMuAndL) {
  const std::size_t d = 9;
  const Quadratic<double> q({.dimension = d, .condition_number = 30, .mu = 0.1, .seed = 5});
  const std::vector<double> x(d, 0.0);
  const double rounding = spectral_tolerance(d, *q.smoothness());
  std::vector<double> hv(d);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const std::vector<double> v = test::random_vector(d, 100 + seed, -1, 1);
    q.hessian_vector(x, v, hv);
    const double rayleigh = test::dot(v, hv) / test::dot(v, v);
    EXPECT_GE(rayleigh, q.mu() - rounding);
    EXPECT_LE(rayleigh, *q.smoothness() + rounding);
  }
}

TEST(Quadratic, MinimumIsZeroAtOnesWithZeroGradient) {
  const Quadratic<double> q({.dimension = 5, .condition_number = 20, .seed = 9});
  const auto minimum = q.known_minimum();
  ASSERT_TRUE(minimum.has_value());
  EXPECT_EQ(minimum->x, std::vector<double>(5, 1.0));
  EXPECT_EQ(minimum->value, 0.0);
  std::vector<double> g(5, 7.0);
  // x - x* is exactly 0, so every later operation is exact.
  EXPECT_EQ(q.value_and_gradient(minimum->x, g), 0.0);
  EXPECT_EQ(g, std::vector<double>(5, 0.0));
  EXPECT_EQ(q.value(minimum->x), 0.0);
  EXPECT_EQ(q.name(), "quadratic");
  EXPECT_TRUE(q.has_hessian_vector());
}

TEST(Quadratic, ValueIsHalfTheQuadraticFormOfTheHessian) {
  const std::size_t d = 8;
  const Quadratic<double> q({.dimension = d, .condition_number = 100, .seed = 2});
  const std::vector<double> x = test::random_vector(d, 8, -2, 2);
  std::vector<double> r(d), ar(d), g(d);
  for (std::size_t i = 0; i < d; ++i) r[i] = x[i] - 1;
  q.hessian_vector(x, r, ar);
  // Both sides are sums of d products with entries within a few eps of exact: 8 d eps L |r|^2.
  const double tolerance = 8 * static_cast<double>(d) * kEps * *q.smoothness() * test::dot(r, r);
  EXPECT_NEAR(q.value(x), 0.5 * test::dot(r, ar), tolerance);
  // The gradient is A (x - x*): same operations as the product, so it agrees to rounding.
  q.value_and_gradient(x, g);
  for (std::size_t i = 0; i < d; ++i) EXPECT_NEAR(g[i], ar[i], tolerance) << i;
}

TEST(Quadratic, ValueAgreesBitwiseWithValueAndGradient) {
  // value() recomputes w = H (x - x*) with the same operations in the same order.
  const std::size_t d = 13;
  const Quadratic<double> q({.dimension = d, .condition_number = 1e4, .seed = 4});
  std::vector<double> g(d);
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const std::vector<double> x = test::random_vector(d, seed, -3, 3);
    EXPECT_EQ(q.value(x), q.value_and_gradient(x, g));
  }
}

TEST(Quadratic, PassesGradientAndHessianVectorChecks) {
  const std::size_t d = 8;
  const Quadratic<double> q({.dimension = d, .condition_number = 100, .seed = 1});
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    // Default tolerances: estimated truncation and rounding errors (see gradient_check.hpp).
    const std::vector<double> x = test::random_vector(d, seed, -2, 2);
    const std::vector<double> v = test::random_vector(d, seed + 50, -1, 1);
    const GradientCheckResult gradient = check_gradient(q, x);
    EXPECT_TRUE(gradient.ok) << gradient.describe();
    EXPECT_EQ(gradient.checked, d);
    const GradientCheckResult hessian = check_hessian_vector(q, x, v);
    EXPECT_TRUE(hessian.ok) << hessian.describe();
  }
}

TEST(Quadratic, SeedsChooseTheBasis) {
  const std::size_t d = 6;
  const std::vector<double> x(d, 0.0);
  const Eigen::MatrixXd a = test::dense_hessian(Quadratic<double>({.dimension = d, .seed = 1}), x);
  const Eigen::MatrixXd same = test::dense_hessian(Quadratic<double>({.dimension = d, .seed = 1}), x);
  const Eigen::MatrixXd other = test::dense_hessian(Quadratic<double>({.dimension = d, .seed = 2}), x);
  EXPECT_EQ(a, same);
  EXPECT_GT((a - other).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Quadratic, FloatAgreesWithDoubleToFloatPrecision) {
  const std::size_t d = 10;
  const QuadraticOptions options{.dimension = d, .condition_number = 100, .mu = 0.5, .seed = 6};
  const Quadratic<float> qf(options);
  const Quadratic<double> qd(options);
  const double L = *qd.smoothness();
  std::vector<float> gf(d);
  std::vector<double> gd(d);
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const std::vector<float> xf = test::to_float(test::random_vector(d, seed, -2, 2));
    const std::vector<double> xd = test::to_double(xf);  // the same point exactly
    std::vector<double> r(d);
    for (std::size_t i = 0; i < d; ++i) r[i] = xd[i] - 1;
    // Float rounds r, the spectrum, u and every product of w = H r to eps_f, so
    // ||w_f - w|| <= 3 eps_f (|r| + 2 |u.r|) <= 9 eps_f |r| and
    // |f_f - f| <= L |w| ||w_f - w|| + eps_f f <= 10 eps_f L |r|^2; the gradient H D w
    // goes through one more reflection: ||g_f - g|| <= 16 eps_f L |r|.
    const double r2 = test::dot(r, r);
    const double value_f = qf.value_and_gradient(xf, gf);
    const double value_d = qd.value_and_gradient(xd, gd);
    EXPECT_NEAR(value_f, value_d, 10 * kFloatEps * L * r2);
    EXPECT_NEAR(qf.value(xf), value_d, 10 * kFloatEps * L * r2);
    for (std::size_t i = 0; i < d; ++i) EXPECT_NEAR(gf[i], gd[i], 16 * kFloatEps * L * std::sqrt(r2)) << i;
  }
  EXPECT_EQ(*qf.smoothness(), 50.0f);
  EXPECT_EQ(qf.mu(), 0.5f);
}

}  // namespace
}  // namespace descent
