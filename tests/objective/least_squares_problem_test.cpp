#include "descent/objective/least_squares_problem.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/objective/gradient_check.hpp"
#include "objective/test_support.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kFloatEps = std::numeric_limits<float>::epsilon();

std::vector<std::size_t> all_indices(std::size_t n) {
  std::vector<std::size_t> indices(n);
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  return indices;
}

// sum_j |a_ij| |y_j|: the scale of the rounding error of a_i . y (each product exact in
// double to eps/2 relative, each addition to eps/2 of the partial sum).
double absolute_dot(std::span<const double> a, const std::vector<double>& y) {
  double s = 0;
  for (std::size_t j = 0; j < a.size(); ++j) s += std::abs(a[j] * y[j]);
  return s;
}

std::string config_error(const LeastSquaresOptions& options) {
  try {
    SyntheticLeastSquares<double> f(options);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SyntheticLeastSquares, RejectsBadOptionsNamingTheField) {
  EXPECT_EQ(config_error({.samples = 0}), "LeastSquaresOptions::samples = 0 violates samples >= 1");
  EXPECT_EQ(config_error({.features = 0}), "LeastSquaresOptions::features = 0 violates features >= 1");
  EXPECT_EQ(config_error({.row_scale_spread = 0.5}),
            "LeastSquaresOptions::row_scale_spread = 0.5 violates 1 <= row_scale_spread < inf");
  EXPECT_EQ(config_error({.row_scale_spread = std::nan("")}),
            "LeastSquaresOptions::row_scale_spread = nan violates 1 <= row_scale_spread < inf");
  EXPECT_EQ(config_error({.samples = 3, .features = 5}), "no error");  // n < d is allowed (mu = 0)
}

TEST(SyntheticLeastSquares, RejectsSpansOfTheWrongLengthAndBadIndices) {
  const SyntheticLeastSquares<double> f({.samples = 10, .features = 4});
  std::vector<double> x(4), g(4), x3(3), out(8), norms(2);
  const std::vector<std::size_t> batch{1, 2};
  auto message = [](auto&& call) -> std::string {
    try {
      call();
    } catch (const MismatchError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message([&] { f.value(x3); }), "least_squares: x has 3 elements, expected 4");
  EXPECT_EQ(message([&] { f.value_and_gradient(x, x3); }), "least_squares: gradient has 3 elements, expected 4");
  EXPECT_EQ(message([&] {
              f.batch_value_and_gradient(x, std::vector<std::size_t>{3, 10}, g);
            }),
            "least_squares: batch[1] = 10 is out of range for 10 samples");
  EXPECT_EQ(message([&] { f.per_sample_gradients(x, batch, std::span<double>(out).first(7)); }),
            "least_squares: per-sample gradients (batch size x dimension) has 7 elements, expected 8");
  EXPECT_EQ(message([&] { f.per_sample_gradient_norms(x, batch, std::span<double>(norms).first(1)); }),
            "least_squares: norms has 1 elements, expected 2");
  EXPECT_EQ(message([&] { f.hessian_vector(x, x3, g); }), "least_squares: v has 3 elements, expected 4");
  EXPECT_EQ(message([&] { f.row(10); }), "least_squares: row 10 is out of range for 10 samples");
  EXPECT_EQ(message([&] { f.sample_smoothness(12); }), "least_squares: sample 12 is out of range for 10 samples");
  std::vector<double> one_norm(1);
  EXPECT_EQ(message([&] { f.per_sample_gradient_norms(x, std::vector<std::size_t>{99}, one_norm); }),
            "least_squares: batch[0] = 99 is out of range for 10 samples");
}

TEST(SyntheticLeastSquares, ValueIsTheMeanOfHalfSquaredResiduals) {
  const std::size_t n = 30, d = 4;
  const SyntheticLeastSquares<double> f({.samples = n, .features = d, .seed = 3});
  EXPECT_EQ(f.name(), "least_squares");
  EXPECT_EQ(f.num_samples(), n);
  EXPECT_EQ(f.dimension(), d);
  const std::vector<double> x = test::random_vector(d, 1, -1, 1);
  double expected = 0, scale = 0;
  std::vector<double> expected_gradient(d, 0.0), gradient_scale(d, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = f.row(i);
    double r = -f.target(i);
    for (std::size_t j = 0; j < d; ++j) r += a[j] * x[j];
    const double r_scale = absolute_dot(a, x) + std::abs(f.target(i));
    expected += r * r / 2 / n;
    scale += r_scale * r_scale / n;
    for (std::size_t j = 0; j < d; ++j) {
      expected_gradient[j] += r * a[j] / n;
      gradient_scale[j] += r_scale * std::abs(a[j]) / n;
    }
  }
  // Both computations round each residual within (d + 1) eps of its scale, and the sums
  // over n samples within n eps of the sum of magnitudes: (2 d + n + 4) eps.
  const double gamma = static_cast<double>(2 * d + n + 4) * kEps;
  std::vector<double> g(d);
  EXPECT_NEAR(f.value_and_gradient(x, g), expected, gamma * scale);
  EXPECT_NEAR(f.value(x), expected, gamma * scale);
  for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(g[j], expected_gradient[j], gamma * gradient_scale[j]) << j;
}

TEST(SyntheticLeastSquares, MinimumIsZeroAtTheKnownSolution) {
  for (bool use_float : {false, true}) {
    const LeastSquaresOptions options{.samples = 40, .features = 6, .seed = 8, .row_scale_spread = 5};
    if (use_float) {
      const SyntheticLeastSquares<float> f(options);
      const auto minimum = f.known_minimum();
      ASSERT_TRUE(minimum.has_value());
      std::vector<float> g(6, 1.0f);
      // b is computed from the stored A and x* with the very dot product the residual
      // uses, so every residual at x* is exactly 0 in float too.
      EXPECT_EQ(f.value_and_gradient(minimum->x, g), 0.0f);
      EXPECT_EQ(g, std::vector<float>(6, 0.0f));
    } else {
      const SyntheticLeastSquares<double> f(options);
      const auto minimum = f.known_minimum();
      ASSERT_TRUE(minimum.has_value());
      EXPECT_EQ(minimum->value, 0.0);
      std::vector<double> g(6, 1.0);
      EXPECT_EQ(f.value_and_gradient(minimum->x, g), 0.0);
      EXPECT_EQ(g, std::vector<double>(6, 0.0));
      EXPECT_EQ(f.value(minimum->x), 0.0);
      std::vector<double> norms(3, 1.0);
      f.per_sample_gradient_norms(minimum->x, std::vector<std::size_t>{0, 7, 39}, norms);
      EXPECT_EQ(norms, std::vector<double>(3, 0.0));
    }
  }
}

TEST(SyntheticLeastSquares, BatchOverAllIndicesIsTheFullGradient) {
  // Same code path with the identity index: bitwise equal, not just close.
  const std::size_t n = 600, d = 5;  // several chunks of 256 samples
  const SyntheticLeastSquares<double> f({.samples = n, .features = d, .seed = 2});
  const std::vector<double> x = test::random_vector(d, 4, -1, 1);
  std::vector<double> full(d), batch(d);
  const double full_value = f.value_and_gradient(x, full);
  EXPECT_EQ(f.batch_value_and_gradient(x, all_indices(n), batch), full_value);
  EXPECT_EQ(batch, full);
  EXPECT_EQ(f.value(x), full_value);
}

TEST(SyntheticLeastSquares, BatchesAreMeansWithRepeatsAndEmptyBatchesAreZero) {
  const std::size_t d = 3;
  const SyntheticLeastSquares<double> f({.samples = 12, .features = d, .seed = 5});
  const std::vector<double> x = test::random_vector(d, 5, -1, 1);
  std::vector<double> g2(d), g5(d), g(d);
  const double f2 = f.batch_value_and_gradient(x, std::vector<std::size_t>{2}, g2);
  const double f5 = f.batch_value_and_gradient(x, std::vector<std::size_t>{5}, g5);
  const double f_batch = f.batch_value_and_gradient(x, std::vector<std::size_t>{2, 5, 2}, g);
  // (2 a + b) / 3 of values each within a few eps: 4 eps of the magnitudes.
  EXPECT_NEAR(f_batch, (2 * f2 + f5) / 3, 4 * kEps * (f2 + f5));
  for (std::size_t j = 0; j < d; ++j)
    EXPECT_NEAR(g[j], (2 * g2[j] + g5[j]) / 3, 4 * kEps * (std::abs(g2[j]) + std::abs(g5[j]))) << j;
  std::vector<double> empty(d, 5.0);
  EXPECT_EQ(f.batch_value_and_gradient(x, std::span<const std::size_t>(), empty), 0.0);
  EXPECT_EQ(empty, std::vector<double>(d, 0.0));
}

TEST(SyntheticLeastSquares, PerSampleGradientsAverageToTheBatchGradientAndNormsMatch) {
  const std::size_t n = 50, d = 7;
  const SyntheticLeastSquares<double> f({.samples = n, .features = d, .seed = 6, .row_scale_spread = 10});
  const std::vector<double> x = test::random_vector(d, 6, -1, 1);
  const std::vector<std::size_t> batch{4, 17, 4, 49, 0, 23};
  const std::size_t m = batch.size();
  std::vector<double> rows(m * d), norms(m), g(d);
  f.per_sample_gradients(x, batch, rows);
  f.per_sample_gradient_norms(x, batch, norms);
  f.batch_value_and_gradient(x, batch, g);
  for (std::size_t j = 0; j < d; ++j) {
    double mean = 0, magnitude = 0;
    for (std::size_t k = 0; k < m; ++k) {
      mean += rows[k * d + j] / static_cast<double>(m);
      magnitude += std::abs(rows[k * d + j]) / static_cast<double>(m);
    }
    // Rows are r_k a_kj rounded once; both sides sum m terms: (m + 2) eps of the magnitudes.
    EXPECT_NEAR(mean, g[j], static_cast<double>(m + 2) * kEps * magnitude) << j;
  }
  for (std::size_t k = 0; k < m; ++k) {
    double squares = 0;
    for (std::size_t j = 0; j < d; ++j) squares += rows[k * d + j] * rows[k * d + j];
    // |r| ||a|| versus the norm of the rounded row: (d + 4) eps relative.
    EXPECT_NEAR(norms[k], std::sqrt(squares), static_cast<double>(d + 4) * kEps * norms[k]) << k;
  }
  // The FiniteSum defaults (one batch call per sample) give the same answers.
  std::vector<double> row(d);
  for (std::size_t k = 0; k < m; ++k) {
    f.batch_value_and_gradient(x, std::span<const std::size_t>(batch).subspan(k, 1), row);
    for (std::size_t j = 0; j < d; ++j) EXPECT_EQ(row[j], rows[k * d + j]) << k << "," << j;
  }
}

TEST(SyntheticLeastSquares, RowScaleSpreadScalesRowsBetweenOneAndTheSpread) {
  const std::size_t n = 64, d = 4;
  const SyntheticLeastSquares<double> plain({.samples = n, .features = d, .seed = 7});
  const SyntheticLeastSquares<double> spread({.samples = n, .features = d, .seed = 7, .row_scale_spread = 8});
  double smallest = 1e300, largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    // Same directions z_i, scaled by s_i = 8^u in [1, 8): the squared norms by s_i^2.
    const double ratio = std::sqrt(spread.sample_smoothness(i) / plain.sample_smoothness(i));
    EXPECT_GE(ratio, 1 - 4 * kEps) << i;
    EXPECT_LT(ratio, 8 * (1 + 4 * kEps)) << i;
    smallest = std::min(smallest, ratio);
    largest = std::max(largest, ratio);
    // Every entry of the row is scaled by the same s_i (rounded once to T).
    for (std::size_t j = 0; j < d; ++j)
      EXPECT_NEAR(spread.row(i)[j], ratio * plain.row(i)[j], 8 * kEps * std::abs(spread.row(i)[j])) << i;
  }
  // 64 draws of u ~ U[0, 1): the chance that all fall in [0.25, 0.75) is 2^-64.
  EXPECT_LT(smallest, std::pow(8.0, 0.25));
  EXPECT_GT(largest, std::pow(8.0, 0.75));
  EXPECT_EQ(plain.known_minimum()->x, spread.known_minimum()->x);  // x* has its own substream
}

TEST(SyntheticLeastSquares, SmoothnessAndStrongConvexityAreTheGramExtremes) {
  const std::size_t n = 200, d = 5;
  const SyntheticLeastSquares<double> f({.samples = n, .features = d, .seed = 9, .row_scale_spread = 3});
  const std::vector<double> x(d, 0.0);
  const double L = *f.smoothness(), mu = f.strong_convexity();
  ASSERT_GT(mu, 0.0);
  // The Hessian A^T A / n from products, and its spectrum: each entry is a mean of n
  // products accumulated in double, within (d + n) eps of the mean of |products|, which
  // is at most L_max = max_i ||a_i||^2; Weyl adds up at most d such entries.
  double max_row = 0;
  for (std::size_t i = 0; i < n; ++i) max_row = std::max(max_row, f.sample_smoothness(i));
  const double rounding = static_cast<double>((d + n) * d) * kEps * max_row;
  const Eigen::MatrixXd h = test::dense_hessian(f, x);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(h);
  const std::vector<double> start = test::random_vector(d, 10, -1, 1);
  const int iterations = 300;
  const double top_bound =
      test::power_iteration_bound(solver.eigenvalues(), solver.eigenvectors().col(d - 1), start, iterations);
  const double top = test::power_iteration(f, x, start, iterations, true);
  EXPECT_NEAR(top, L, top_bound + rounding);
  Eigen::VectorXd shifted(d);
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(d); ++i)
    shifted(i) = L - solver.eigenvalues()(static_cast<Eigen::Index>(d) - 1 - i);
  const double bottom_bound = test::power_iteration_bound(shifted, solver.eigenvectors().col(0), start, 4 * iterations);
  const double bottom = L - test::power_iteration(f, x, start, 4 * iterations, false, L);
  EXPECT_NEAR(bottom, mu, bottom_bound + rounding);
  // The bounds above are only useful when they are small.
  EXPECT_LT(top_bound + bottom_bound, 1e-10 * L);
  // Rayleigh quotients of random directions stay inside [mu, L].
  std::vector<double> hv(d);
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const std::vector<double> v = test::random_vector(d, 20 + seed, -1, 1);
    f.hessian_vector(x, v, hv);
    const double rayleigh = test::dot(v, hv) / test::dot(v, v);
    EXPECT_GE(rayleigh, mu - rounding);
    EXPECT_LE(rayleigh, L + rounding);
  }
}

TEST(SyntheticLeastSquares, PassesGradientAndHessianVectorChecks) {
  const std::size_t d = 6;
  const SyntheticLeastSquares<double> f({.samples = 40, .features = d, .seed = 1, .row_scale_spread = 4});
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const std::vector<double> x = test::random_vector(d, seed, -2, 2);
    const std::vector<double> v = test::random_vector(d, seed + 50, -1, 1);
    const GradientCheckResult gradient = check_gradient(f, x);
    EXPECT_TRUE(gradient.ok) << gradient.describe();
    const GradientCheckResult hessian = check_hessian_vector(f, x, v);
    EXPECT_TRUE(hessian.ok) << hessian.describe();
  }
}

TEST(SyntheticLeastSquares, ResultsDoNotDependOnTheThreadCount) {
  // 2048 x 32 crosses the threading threshold (8 chunks, 65536 multiply-adds).
  const std::size_t n = 2048, d = 32;
  const SyntheticLeastSquares<double> f({.samples = n, .features = d, .seed = 4});
  const std::vector<double> x = test::random_vector(d, 4, -1, 1);
  std::vector<std::size_t> batch(1500);
  for (std::size_t k = 0; k < batch.size(); ++k) batch[k] = (k * 7919) % n;
  auto evaluate = [&] {
    std::vector<double> out, g(d), norms(batch.size()), hv(d);
    out.push_back(f.value_and_gradient(x, g));
    out.insert(out.end(), g.begin(), g.end());
    out.push_back(f.batch_value_and_gradient(x, batch, g));
    out.insert(out.end(), g.begin(), g.end());
    f.per_sample_gradient_norms(x, batch, norms);
    out.insert(out.end(), norms.begin(), norms.end());
    f.hessian_vector(x, x, hv);
    out.insert(out.end(), hv.begin(), hv.end());
    out.push_back(f.value(x));
    return out;
  };
  const int saved = num_threads();
  set_num_threads(1);
  const std::vector<double> one = evaluate();
  set_num_threads(4);
  const std::vector<double> four = evaluate();
  set_num_threads(saved);
  EXPECT_EQ(one, four);
}

TEST(SyntheticLeastSquares, FloatAgreesWithDoubleToFloatPrecision) {
  const std::size_t n = 60, d = 5;
  const LeastSquaresOptions options{.samples = n, .features = d, .seed = 12, .row_scale_spread = 2};
  const SyntheticLeastSquares<float> ff(options);
  const SyntheticLeastSquares<double> fd(options);
  const std::vector<double> x_star = fd.known_minimum()->x;
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const std::vector<float> xf = test::to_float(test::random_vector(d, seed, -2, 2));
    const std::vector<double> x = test::to_double(xf);
    // The float problem stores A and x* rounded to float (eps_f / 2 relative each), so its
    // residuals differ by at most delta_i = eps_f sum_j |a_ij| (|x_j| + 2 |x*_j|); its sums
    // run in double. Hence |f_f - f| <= mean(|r_i| delta_i + delta_i^2 / 2) + eps_f |f| and
    // |g_f,j - g_j| <= mean(delta_i |a_ij| + eps_f |r_i| |a_ij|) + eps_f |g_j|; twice both.
    std::vector<double> gd(d);
    const double value_d = fd.value_and_gradient(x, gd);
    double value_tolerance = kFloatEps * std::abs(value_d);
    std::vector<double> gradient_tolerance(d);
    for (std::size_t j = 0; j < d; ++j) gradient_tolerance[j] = kFloatEps * std::abs(gd[j]);
    for (std::size_t i = 0; i < n; ++i) {
      const auto a = fd.row(i);
      double r = -fd.target(i), delta = 0;
      for (std::size_t j = 0; j < d; ++j) {
        r += a[j] * x[j];
        delta += kFloatEps * std::abs(a[j]) * (std::abs(x[j]) + 2 * std::abs(x_star[j]));
      }
      value_tolerance += (std::abs(r) * delta + delta * delta / 2) / n;
      for (std::size_t j = 0; j < d; ++j)
        gradient_tolerance[j] += (delta + kFloatEps * std::abs(r)) * std::abs(a[j]) / n;
    }
    std::vector<float> gf(d);
    EXPECT_NEAR(ff.value_and_gradient(xf, gf), value_d, 2 * value_tolerance);
    EXPECT_NEAR(ff.value(xf), value_d, 2 * value_tolerance);
    for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(gf[j], gd[j], 2 * gradient_tolerance[j]) << j;
  }
  // Rounding A to float moves A^T A / n by at most eps_f ||A||_F ||A||_2 / n <= eps_f sqrt(d) L
  // in norm (||A||_F^2 / n = trace <= d L), and L by no more (Weyl); plus one final rounding.
  const double L = *fd.smoothness();
  EXPECT_NEAR(*ff.smoothness(), L, (2 * std::sqrt(static_cast<double>(d)) + 1) * kFloatEps * L);
}

}  // namespace
}  // namespace descent
