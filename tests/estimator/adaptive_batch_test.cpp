// Adaptive batch sizes (Lau, Liu & Kolar 2024): the three tests' statistics against hand
// computations on a fixed batch, the next-size rule against its formula, the estimator's
// direction and counts against per-sample gradients, and the behaviour the method is for: on a
// noisy least-squares problem the batch grows to the whole data set and AdaGrad-Norm then
// converges linearly (a bound derived below), on a consistent (noiseless) one it stays small.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/adaptive_batch.hpp"
#include "descent/estimator/batch_size_test.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/objective/least_squares_problem.hpp"
#include "descent/transform/adagrad.hpp"
#include "descent/transform/adagrad_norm.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

constexpr double kEps = 2.220446049250313e-16;

// Three gradients in R^2 with mean g = (2, 2), ||g||^2 = 8; every statistic below is a small
// rational number, so the hand values are exact and the code's may differ only by a few roundings.
const std::vector<std::vector<double>> kRows = {{1, 0}, {3, 2}, {2, 4}};

BatchTestResult run_test(BatchTest test, BatchTestThresholds t, const std::vector<std::vector<double>>& rows) {
  std::vector<double> mean(rows[0].size(), 0.0);
  for (const auto& r : rows)
    for (std::size_t j = 0; j < r.size(); ++j) mean[j] += r[j] / double(rows.size());
  BatchTestAccumulator acc(test, t);
  acc.start(std::span<const double>(mean));
  for (const auto& r : rows) acc.add(std::span<const double>(r));
  return acc.finish();
}

// A few operations on numbers of size <= 100: 1e2 * 16 eps relative covers their rounding.
void expect_close(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 16 * kEps * 100 * std::max(1.0, std::abs(expected)));
}

TEST(BatchSizeTest, NormStatisticMatchesTheHandComputation) {
  // Deviations from g: (-1,-2), (1,0), (0,2): squared norms 5, 1, 4; V = 10 / (3 - 1) = 5.
  const auto r = run_test(BatchTest::norm, {.eta = 0.25}, kRows);
  EXPECT_EQ(r.samples, 3);
  expect_close(r.squared_norm, 8);
  expect_close(r.variance, 5);
  expect_close(r.required_batch, 5 / (0.0625 * 8));  // V / (eta^2 ||g||^2) = 10
  EXPECT_FALSE(r.passed);
  const auto loose = run_test(BatchTest::norm, {.eta = 0.5}, kRows);
  expect_close(loose.required_batch, 2.5);  // 5 / (0.25 * 8)
  EXPECT_TRUE(loose.passed);                // V / b = 5/3 <= eta^2 ||g||^2 = 2
}

TEST(BatchSizeTest, InnerProductStatisticsMatchTheHandComputation) {
  // <g_i, g> = 2, 10, 12, centred on ||g||^2 = 8: -6, 2, 4; V_ip = (36 + 4 + 16) / 2 = 28.
  // Orthogonal parts g_i - (<g_i,g>/8) g: (0.5,-0.5), (0.5,-0.5), (-1,1); V_orth = (0.5+0.5+2)/2 = 1.5.
  const auto inner = run_test(BatchTest::inner_product, {.theta = 0.25, .nu = 1}, kRows);
  expect_close(inner.inner_variance, 28);
  expect_close(inner.orthogonal_variance, 1.5);
  // max(28 / (theta^2 ||g||^4), 1.5 / (nu^2 ||g||^2)) = max(28 / 4, 1.5 / 8) = 7: the inner condition decides.
  expect_close(inner.required_batch, 7);
  EXPECT_FALSE(inner.passed);
  // max(28 / 64, 1.5 / (0.0625 * 8)) = 3: the orthogonality condition decides, and b = 3 meets it.
  const auto orthogonal = run_test(BatchTest::inner_product, {.theta = 1, .nu = 0.25}, kRows);
  expect_close(orthogonal.required_batch, 3);
  EXPECT_TRUE(orthogonal.passed);
}

TEST(BatchSizeTest, CoordinateStatisticMatchesTheHandComputation) {
  // Coordinate 0: deviations -1, 1, 0: V_0 = 1; coordinate 1: -2, 0, 2: V_1 = 4; g_j^2 = 4 for both.
  // max_j V_j / g_j^2 = 1, so required = 1 / eta^2 = 4 > 3.
  const auto r = run_test(BatchTest::coordinate, {.eta = 0.5}, kRows);
  expect_close(r.max_coordinate_ratio, 1);
  expect_close(r.required_batch, 4);
  EXPECT_FALSE(r.passed);
  // The norm test on the same rows passes (V/b = 5/3 <= 0.25 * 8): the coordinate test is stricter
  // here because coordinate 1 carries most of the noise.
  EXPECT_TRUE(run_test(BatchTest::norm, {.eta = 0.5}, kRows).passed);
}

TEST(BatchSizeTest, ZeroMeanCoordinatesFailOnlyWithNoise) {
  // Coordinate 1 has mean 0: with noise no batch size can meet the test (required = +inf),
  // without noise (0 <= 0) it is met.
  const auto noisy = run_test(BatchTest::coordinate, {.eta = 0.5}, {{1, 1}, {1, -1}});
  EXPECT_TRUE(std::isinf(noisy.required_batch));
  EXPECT_FALSE(noisy.passed);
  const auto exact = run_test(BatchTest::coordinate, {.eta = 0.5}, {{1, 0}, {1, 0}});
  EXPECT_EQ(exact.required_batch, 0);
  EXPECT_TRUE(exact.passed);
  const auto stationary = run_test(BatchTest::norm, {.eta = 0.5}, {{0, 0}, {0, 0}, {0, 0}});
  EXPECT_TRUE(stationary.passed);
}

TEST(BatchSizeTest, FloatRowsGiveTheDoubleStatistics) {
  // The rows are small integers, exact in float, and sums are kept in double: identical results.
  BatchTestAccumulator acc(BatchTest::inner_product, {});
  const std::vector<float> mean = {2, 2};
  acc.start(std::span<const float>(mean));
  for (const auto& r : kRows) {
    const std::vector<float> row(r.begin(), r.end());
    acc.add(std::span<const float>(row));
  }
  const auto f = acc.finish();
  const auto d = run_test(BatchTest::inner_product, {}, kRows);
  EXPECT_EQ(f.inner_variance, d.inner_variance);
  EXPECT_EQ(f.orthogonal_variance, d.orthogonal_variance);
  EXPECT_EQ(f.required_batch, d.required_batch);
}

TEST(BatchSizeTest, NeedsTwoRowsAndMatchingDimensions) {
  BatchTestAccumulator acc(BatchTest::norm, {});
  const std::vector<double> mean = {1, 2}, row = {1, 2}, wrong = {1};
  acc.start(std::span<const double>(mean));
  acc.add(std::span<const double>(row));
  EXPECT_THROW(acc.finish(), MismatchError);
  EXPECT_THROW(acc.add(std::span<const double>(wrong)), MismatchError);
  EXPECT_THROW(BatchTestAccumulator(BatchTest::norm, {.eta = 0}), ConfigError);
}

TEST(BatchSizeTest, NextSizeFollowsTheFormula) {
  BatchTestResult r;
  r.passed = true;
  r.required_batch = 3;
  EXPECT_EQ(next_batch_size(r, 8, 100), 8);  // passed: unchanged
  r.passed = false;
  r.required_batch = 9.2;
  EXPECT_EQ(next_batch_size(r, 8, 100), 10);  // ceil(9.2)
  r.required_batch = 40;
  EXPECT_EQ(next_batch_size(r, 8, 100), 40);  // an integer stays itself
  EXPECT_EQ(next_batch_size(r, 8, 32), 32);   // capped
  r.required_batch = 5;
  EXPECT_EQ(next_batch_size(r, 8, 100), 8);  // never decreases
  r.required_batch = std::numeric_limits<double>::infinity();
  EXPECT_EQ(next_batch_size(r, 8, 100), 100);
  r.required_batch = 1e300;  // beyond any integer: the cap, without overflow
  EXPECT_EQ(next_batch_size(r, 8, 100), 100);
}

// n samples of d standard Gaussian features, targets a . w_true + sigma * noise.
Dataset<double> regression_data(std::size_t n, std::size_t d, double sigma, std::uint64_t seed) {
  Random rng(seed, Stream::data);
  AlignedBuffer<double> values(n * d);
  std::vector<double> truth(d), labels(n);
  for (auto& t : truth) t = rng.normal();
  for (std::size_t i = 0; i < n; ++i) {
    double y = 0;
    for (std::size_t j = 0; j < d; ++j) {
      values[i * d + j] = rng.normal();
      y += values[i * d + j] * truth[j];
    }
    labels[i] = y + sigma * rng.normal();
  }
  return Dataset<double>(DenseFeatures<double>{n, d, std::move(values)}, std::move(labels));
}

// grad f_i(x) for every i in `batch`, through per_sample_gradients.
std::vector<std::vector<double>> sample_gradients(const FiniteSum<double>& f, std::span<const double> x,
                                                  const std::vector<std::size_t>& batch) {
  const std::size_t d = f.dimension();
  std::vector<double> flat(batch.size() * d);
  f.per_sample_gradients(x, batch, flat);
  std::vector<std::vector<double>> rows;
  for (std::size_t k = 0; k < batch.size(); ++k) rows.emplace_back(flat.begin() + k * d, flat.begin() + (k + 1) * d);
  return rows;
}

// The estimator's direction, counts, test statistics and size rule against a reference built
// from per_sample_gradients and the hand formula V / (eta^2 ||g||^2), on both code paths.
void check_steps_against_reference(const FiniteSum<double>& f, std::int64_t sample_gradients_per_sample) {
  const double eta = 0.3;
  AdaptiveBatch<double> est({.initial = 3, .test = 0, .eta = eta}, 5);
  est.bind(f);
  const std::size_t d = f.dimension(), n = f.num_samples();
  std::vector<double> x(d, 0.0), direction(d);
  for (int step = 0; step < 12; ++step) {
    x[step % d] += 0.25;
    const std::int64_t b = est.batch_size();
    const auto e = est.estimate(f, x, direction);
    const auto& batch = est.last_batch();
    ASSERT_EQ(static_cast<std::int64_t>(batch.size()), b) << step;
    EXPECT_EQ(std::set<std::size_t>(batch.begin(), batch.end()).size(), batch.size()) << "a sample repeats";
    const auto rows = sample_gradients(f, x, batch);
    std::vector<double> mean(d, 0.0);
    for (const auto& r : rows)
      for (std::size_t j = 0; j < d; ++j) mean[j] += r[j] / double(b);
    // Two summation orders of b terms of size O(|x| |a|^2) ~ 10: within 1e3 n eps.
    for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(direction[j], mean[j], 1e3 * kEps * double(n)) << step;
    if (b == est.cap()) {
      EXPECT_EQ(e.sample_gradients, b);  // no test at the cap
      continue;
    }
    EXPECT_EQ(e.sample_gradients, sample_gradients_per_sample * b) << step;
    double squared = 0, deviations = 0;
    for (double v : mean) squared += v * v;
    for (const auto& r : rows)
      for (std::size_t j = 0; j < d; ++j) deviations += (r[j] - mean[j]) * (r[j] - mean[j]);
    const double required = deviations / double(b - 1) / (eta * eta * squared);
    EXPECT_NEAR(est.last_test().required_batch, required, 1e-9 * required) << step;  // a relative 1e3 n eps
    const std::int64_t expected_next =
        double(b) >= required ? b : std::min<std::int64_t>(est.cap(), std::max<std::int64_t>(b, std::ceil(required)));
    EXPECT_EQ(est.batch_size(), expected_next) << step;
  }
  EXPECT_GT(est.history().size(), 1u) << "the batch never grew: the check above saw only passes";
}

TEST(AdaptiveBatch, GeneralizedLinearPathMatchesPerSampleGradients) {
  const auto data = regression_data(40, 3, 1.0, 1);
  LeastSquares<double> f(data, {.l2 = 0.1, .bias = true});
  ASSERT_TRUE(f.is_generalized_linear());
  check_steps_against_reference(f, 1);
}

TEST(AdaptiveBatch, GenericPathMatchesPerSampleGradients) {
  SyntheticLeastSquares<double> f({.samples = 40, .features = 3, .seed = 2});
  ASSERT_FALSE(f.is_generalized_linear());
  check_steps_against_reference(f, 2);  // the batch gradient, then the per-sample gradients
}

// Eigenvalues of the 2 x 2 matrix H = A^T A / n, and the least-squares solution.
struct TwoByTwo {
  double mu, L, f_star;
  std::vector<double> x_star;
};
TwoByTwo solve(const Dataset<double>& data, const FiniteSum<double>& f) {
  const auto& v = data.dense().values;
  const std::size_t n = data.size();
  double h00 = 0, h01 = 0, h11 = 0, c0 = 0, c1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a0 = v[2 * i], a1 = v[2 * i + 1], y = data.labels()[i];
    h00 += a0 * a0 / double(n);
    h01 += a0 * a1 / double(n);
    h11 += a1 * a1 / double(n);
    c0 += a0 * y / double(n);
    c1 += a1 * y / double(n);
  }
  const double mid = (h00 + h11) / 2, gap = std::sqrt((h00 - h11) * (h00 - h11) / 4 + h01 * h01);
  const double det = h00 * h11 - h01 * h01;
  std::vector<double> x = {(h11 * c0 - h01 * c1) / det, (h00 * c1 - h01 * c0) / det};
  return {mid - gap, mid + gap, f.value(x), x};
}

struct RunResult {
  double value;
  double b_squared;  // AdaGrad-Norm's accumulator at the end
  std::vector<BatchSizeChange> history;
};

RunResult adagrad_norm_run(const FiniteSum<double>& f, AdaptiveBatchOptions options, double lr, double b0,
                           std::int64_t steps) {
  auto est = std::make_shared<AdaptiveBatch<double>>(options, 11);
  auto x = Parameters<double>::from(std::vector<double>(f.dimension(), 0.0));
  auto opt = adagrad_norm({.lr = constant(lr), .b0 = b0});
  auto state = opt->init(x.layout(), 0.0);
  MinimizeOptions<double> mo{.max_steps = steps, .estimator = est};
  mo.final_evaluation = false;
  minimize(f, x, *opt, state, mo);
  return {f.value(x.flat()), state.scalars.at(0), est->history()};
}

void expect_non_decreasing(const std::vector<BatchSizeChange>& history) {
  for (std::size_t k = 1; k < history.size(); ++k) {
    EXPECT_GT(history[k].step, history[k - 1].step);
    EXPECT_GT(history[k].batch_size, history[k - 1].batch_size);
  }
}

TEST(AdaptiveBatch, GrowsToTheDataOnANoisyProblemAndThenConvergesLinearly) {
  // Noisy targets (sigma = 1): at the minimizer the per-sample gradients r_i a_i keep a variance of
  // about sigma^2 E|a|^2 = 2 while the mean gradient vanishes, so the norm test's required size
  // V / (eta^2 |g|^2) grows without bound as x approaches x*: the batch must reach n.
  const std::size_t n = 256;
  const auto data = regression_data(n, 2, 1.0, 3);
  LeastSquares<double> f(data, {.l2 = 0, .bias = false});
  const auto exact = solve(data, f);
  // b0 = lr L keeps every step lr / b_t <= 1 / L (b_t only grows), so that once the batch is the whole
  // data each step is gradient descent with a step s in [lr / b_T, 1 / L]; on this quadratic that
  // multiplies f - f* by at most (1 - s mu)^2 <= (1 - lr mu / b_T)^2, whence the bound below.
  const double lr = 1, b0 = lr * exact.L;
  const std::int64_t steps = 400;
  const AdaptiveBatchOptions options{.initial = 4, .test = 0, .eta = 0.5};
  const RunResult run = adagrad_norm_run(f, options, lr, b0, steps);
  expect_non_decreasing(run.history);
  ASSERT_EQ(run.history.back().batch_size, static_cast<std::int64_t>(n)) << "the batch never reached n";
  EXPECT_GE(run.history.size(), 3u) << "grew in one jump: the schedule was not exercised";
  const std::int64_t full = run.history.back().step;  // first step on the whole data
  ASSERT_LT(full, steps / 2);
  // Runs are reproducible bit for bit: the same run stopped at `full` gives x at that step.
  const double start_gap = adagrad_norm_run(f, options, lr, b0, full).value - exact.f_star;
  const double factor = std::pow(1 - lr * exact.mu / std::sqrt(run.b_squared), 2.0 * double(steps - full));
  // f is evaluated with n-term sums of O(1) terms: an absolute rounding slack of 1e2 n eps f*.
  const double bound = factor * start_gap + 1e2 * kEps * double(n) * exact.f_star;
  EXPECT_LE(run.value - exact.f_star, bound);
  EXPECT_LT(bound, 1e-8 * exact.f_star) << "the bound is too loose to mean anything";
}

TEST(AdaptiveBatch, StaysSmallOnAConsistentProblem) {
  // b = A x*: every per-sample gradient a_i a_i^T (x - x*) vanishes at x*, so the noise shrinks
  // with the gradient and the norm test's required size stays bounded. For a ~ N(0, I_d) its
  // expectation is (E|a a^T e|^2 - |e|^2) / (eta^2 |e|^2) = (d + 1) / eta^2 = 12 here (d = 2,
  // eta = 0.5; H = A^T A / n is close to I for n >> d). The size is the largest ceil(estimate) seen
  // over the run, and each estimate is a sample variance over a squared sample mean of a few
  // heavy-tailed terms ((a.e)^2 |a|^2 has Gaussian fourth and eighth moments), so its maximum
  // lies several times above the mean: 5 (d + 1) / eta^2 = 60 allows for that and still asserts a
  // batch below n / 8, where the noisy problem above is driven all the way to n.
  SyntheticLeastSquares<double> f({.samples = 512, .features = 2, .seed = 4});
  const AdaptiveBatchOptions options{.initial = 4, .test = 0, .eta = 0.5};
  const RunResult run = adagrad_norm_run(f, options, 1, *f.smoothness(), 400);
  expect_non_decreasing(run.history);
  EXPECT_LE(run.history.back().batch_size, 5 * 12);
  // And it converges: f* = 0; from f(0) = |b|^2 / 2n = O(1), linear convergence in 400 steps.
  const double f0 = f.value(std::vector<double>(2, 0.0));
  EXPECT_LT(run.value, 1e-10 * f0);
}

TEST(AdaptiveBatch, ComposesWithAdagradUnderTheCoordinateTest) {
  // AdAdaGrad: the coordinate test with per-coordinate AdaGrad; on the noisy problem it also grows.
  const auto data = regression_data(128, 2, 1.0, 5);
  LeastSquares<double> f(data, {.l2 = 0, .bias = false});
  auto est = std::make_shared<AdaptiveBatch<double>>(AdaptiveBatchOptions{.initial = 4, .test = 2}, 1);
  auto x = Parameters<double>::from(std::vector<double>(2, 0.0));
  auto opt = adagrad({.lr = constant(0.5)});
  MinimizeOptions<double> mo{.max_steps = 300, .estimator = est};
  minimize(f, x, *opt, mo);
  expect_non_decreasing(est->history());
  EXPECT_EQ(est->batch_size(), 128);
  // Once the batch is the data, AdaGrad is deterministic on a strongly convex quadratic: its
  // accumulators s_j converge (the squared gradients decay geometrically), its steps lr / sqrt(s_j)
  // settle, and the iterates converge linearly. With mu ~ 1 (Gaussian features) and s_j = O(1),
  // 1e-8 in gradient norm needs some tens of the ~300 full-batch steps; the computed gradient's
  // rounding floor is ~ n eps = 3e-14. On the quadratic, f - f* <= |grad f|^2 / (2 mu) then follows.
  std::vector<double> g(2);
  f.value_and_gradient(x.flat(), g);
  const double norm = std::hypot(g[0], g[1]);
  EXPECT_LT(norm, 1e-8);
  const auto exact = solve(data, f);
  EXPECT_LE(f.value(x.flat()) - exact.f_star, norm * norm / (2 * exact.mu) + 1e2 * kEps * 128 * exact.f_star);
}

TEST(AdaptiveBatch, StateRoundTripsThroughSaveAndLoad) {
  const auto data = regression_data(30, 2, 1.0, 6);
  LeastSquares<double> f(data, {.l2 = 0.1, .bias = true});
  const AdaptiveBatchOptions options{.initial = 2, .test = 1, .theta = 0.3, .nu = 0.5};
  AdaptiveBatch<double> a(options, 4), b(options, 4);  // a checkpoint resumes under its run's seed
  a.bind(f);
  b.bind(f);
  std::vector<double> x(f.dimension(), 0.5), ga(x.size()), gb(x.size());
  for (int s = 0; s < 9; ++s) {
    a.estimate(f, x, ga);
    x[s % x.size()] -= 0.05;
  }
  BinaryWriter out;
  a.save(out);
  BinaryReader in(out.bytes(), "state");
  b.load(in);
  EXPECT_EQ(b.batch_size(), a.batch_size());
  EXPECT_EQ(b.history(), a.history());
  for (int s = 0; s < 6; ++s) {
    a.estimate(f, x, ga);
    b.estimate(f, x, gb);
    EXPECT_EQ(ga, gb) << "step " << s;
    EXPECT_EQ(a.last_batch(), b.last_batch());
    x[s % x.size()] += 0.03;
  }
  EXPECT_EQ(b.history(), a.history());
  // State from a bigger data set does not fit.
  const auto other_data = regression_data(31, 2, 1.0, 6);
  LeastSquares<double> other(other_data, {.l2 = 0.1, .bias = true});
  AdaptiveBatch<double> c(options, 4);
  c.bind(other);
  BinaryReader again(out.bytes(), "state");
  EXPECT_THROW(c.load(again), Error);
}

TEST(AdaptiveBatch, FloatRunsAndCapsAtMaxBatch) {
  const auto data = regression_data(64, 2, 1.0, 7);
  std::vector<float> values(data.dense().values.begin(), data.dense().values.end());
  AlignedBuffer<float> buffer(values.size());
  std::copy(values.begin(), values.end(), buffer.data());
  std::vector<float> labels(data.labels().begin(), data.labels().end());
  Dataset<float> fdata(DenseFeatures<float>{64, 2, std::move(buffer)}, std::move(labels));
  LeastSquares<float> f(fdata, {.l2 = 0, .bias = false});
  auto est = std::make_shared<AdaptiveBatch<float>>(AdaptiveBatchOptions{.initial = 4, .max_batch = 16}, 2);
  auto x = Parameters<float>::from(std::vector<float>(2, 0.0f));
  auto opt = adagrad_norm({});
  minimize(f, x, *opt, MinimizeOptions<float>{.max_steps = 200, .estimator = est});
  EXPECT_EQ(est->cap(), 16);
  EXPECT_EQ(est->batch_size(), 16);  // the noise floor wants n = 64; the cap holds it at 16
}

TEST(AdaptiveBatch, BadOptionsAndObjectivesAreNamed) {
  auto message = [](AdaptiveBatchOptions o) -> std::string {
    try {
      AdaptiveBatch<double> est(o);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({.initial = 1}).find("AdaptiveBatchOptions::initial = 1 violates initial >= 2"), std::string::npos);
  EXPECT_NE(message({.test = 3}).find("AdaptiveBatchOptions::test = 3 violates"), std::string::npos);
  EXPECT_NE(message({.eta = 0}).find("AdaptiveBatchOptions::eta = 0 violates eta > 0"), std::string::npos);
  EXPECT_NE(message({.theta = -1}).find("AdaptiveBatchOptions::theta = -1 violates"), std::string::npos);
  EXPECT_NE(message({.nu = std::nan("")}).find("AdaptiveBatchOptions::nu"), std::string::npos);
  EXPECT_NE(message({.initial = 8, .max_batch = 4}).find("AdaptiveBatchOptions::max_batch = 4 violates"),
            std::string::npos);
  EXPECT_EQ(message({.initial = 8, .max_batch = 8}), "no error");
  EXPECT_EQ(AdaptiveBatch<double>().spec(),
            "adaptive_batch(initial=8, test=0, eta=0.5, theta=0.9, nu=5.84, max_batch=0)");

  testing::DiagonalQuadratic<double> q(3, 2.0);
  AdaptiveBatch<double> est;
  EXPECT_THROW(est.bind(q), MismatchError);
  std::vector<double> x(3), g(3);
  EXPECT_THROW(est.estimate(q, x, g), MismatchError);
}

TEST(AdaptiveBatch, TinyDataSetsNeedNoTest) {
  // n = 1: the cap is 1 < initial, the batch is the whole data and no variance is needed.
  const auto data = regression_data(1, 2, 1.0, 8);
  LeastSquares<double> f(data, {.l2 = 0, .bias = false});
  AdaptiveBatch<double> est({.initial = 4}, 0);
  est.bind(f);
  std::vector<double> x(2, 0.3), g(2);
  const auto e = est.estimate(f, x, g);
  EXPECT_EQ(e.sample_gradients, 1);
  EXPECT_EQ(est.batch_size(), 1);
  EXPECT_EQ(est.last_test().samples, 0);
}

}  // namespace
}  // namespace descent
