#include "descent/estimator/dp_sgd.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/spec/estimator_spec.hpp"
#include "model/model_test_support.hpp"
#include "support/error_of.hpp"
#include "support/noise_reference.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::stream_normals;

using testing::class_labels;
using testing::dense_dataset;
using testing::random_features;
using testing::random_parameters;
using testing::regression_targets;

constexpr double kEps = std::numeric_limits<double>::epsilon();

bool bitwise_equal(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](double u, double v) { return std::memcmp(&u, &v, sizeof u) == 0; });
}

using testing::error_of;

// f_i = 0 for every sample: every gradient is zero, so a DP-SGD direction is its noise alone.
template <class T>
class ZeroLosses final : public FiniteSum<T> {
 public:
  ZeroLosses(std::size_t n, std::size_t p) : n_(n), p_(p) {}
  std::string name() const override { return "zero_losses"; }
  std::size_t dimension() const override { return p_; }
  std::size_t num_samples() const override { return n_; }
  T batch_value_and_gradient(std::span<const T>, std::span<const std::size_t>, std::span<T> g) const override {
    std::fill(g.begin(), g.end(), T(0));
    return 0;
  }

 private:
  std::size_t n_, p_;
};

// A tiny dense dataset: n rows of d N(0, 1) features.
Dataset<double> tiny_data(std::size_t n, std::size_t d, const std::vector<double>& labels, std::uint64_t seed) {
  return dense_dataset<double>(random_features(n, d, seed), d, labels);
}

// ---------------------------------------------------------------------------------------------
// (a) The update formula, by hand.

// One DP-SGD direction written out: (sum_{i in B} clip_C(g_i) + sigma C z) / E|B| + lambda (w, 0),
// with g_i the loss gradient of sample i (computed by `loss_gradient` from the formulas of the
// model's header) and z the stream's normals from `position`. `tolerance` receives the bound of
// each coordinate: the hand computation and the library's round differently, each term through
// a handful of operations (the loss gradient's score is a dot product of d + 1 <= 4 terms, the
// normal goes through log, sqrt and cos, each within 2 ulp of the exact value, and a sum of at
// most n = 12 terms); 64 eps of the terms' magnitudes covers every path with room to spare,
// while a wrong divisor, factor or noise draw is off by O(1) relative.
std::vector<double> hand_direction(const std::function<std::vector<double>(std::size_t)>& loss_gradient,
                                   std::span<const std::size_t> batch, std::span<const double> x, std::size_t d,
                                   double l2, double clip, double sigma, double expected, std::uint64_t seed,
                                   std::uint64_t position, std::vector<double>* tolerance) {
  const std::size_t p = x.size();
  std::vector<double> sum(p, 0.0), magnitude(p, 0.0);
  for (std::size_t i : batch) {
    std::vector<double> g = loss_gradient(i);
    double squares = 0;
    for (double v : g) squares += v * v;
    const double factor = std::min(1.0, clip / std::sqrt(squares));
    for (std::size_t j = 0; j < p; ++j) {
      sum[j] += factor * g[j];
      magnitude[j] += std::abs(factor * g[j]);
    }
  }
  const std::vector<double> z = stream_normals(seed, position, p);
  std::vector<double> direction(p);
  tolerance->assign(p, 0.0);
  for (std::size_t j = 0; j < p; ++j) {
    const double penalty = j < d ? l2 * x[j] : 0.0;
    direction[j] = (sum[j] + sigma * clip * z[j]) / expected + penalty;
    (*tolerance)[j] = 64 * kEps * ((magnitude[j] + sigma * clip * (std::abs(z[j]) + 1)) / expected + std::abs(penalty));
  }
  return direction;
}

TEST(DpSgdFormula, PoissonLogisticRegressionMatchesTheHandComputation) {
  const std::size_t n = 12, d = 3;
  std::vector<double> labels = class_labels(n, 2, 4);
  for (double& y : labels) y = 2 * y - 1;  // -1 / +1
  const Dataset<double> data = tiny_data(n, d, labels, 4);
  const double l2 = 0.1;
  const LogisticRegression<double> model(data, {.l2 = l2, .bias = true});
  const std::vector<double> x = {0.4, -0.7, 0.25, 0.1};  // w, then b
  // grad loss_i = -s sigma(-s z) (a_i, 1), z = a_i . w + b (logistic_regression.hpp).
  const auto features = random_features(n, d, 4);
  const auto loss_gradient = [&](std::size_t i) {
    double z = x[d];
    for (std::size_t j = 0; j < d; ++j) z += features[i * d + j] * x[j];
    const double s = labels[i] > 0 ? 1.0 : -1.0;
    const double slope = -s / (1 + std::exp(s * z));
    std::vector<double> g(d + 1);
    for (std::size_t j = 0; j < d; ++j) g[j] = slope * features[i * d + j];
    g[d] = slope;
    return g;
  };
  const double clip = 0.6, sigma = 0.7, q = 0.5;
  const std::uint64_t seed = 5;
  DpSgd<double> dp({.clip_norm = clip, .noise_multiplier = sigma, .sampling = "poisson", .rate = q}, seed);
  dp.bind(model);
  EXPECT_EQ(dp.expected_batch_size(), q * n);
  std::vector<double> direction(d + 1), tolerance;
  std::size_t clipped = 0, kept = 0;
  for (int step = 0; step < 3; ++step) {
    const std::uint64_t position = dp.noise_position();
    EXPECT_EQ(position, 8u * static_cast<std::uint64_t>(step));  // 2 pairs of normals per step
    const Estimate<double> e = dp.estimate(model, x, direction);
    const auto batch = dp.last_batch();
    EXPECT_EQ(e.sample_gradients, static_cast<std::int64_t>(batch.size()));
    const auto expected =
        hand_direction(loss_gradient, batch, x, d, l2, clip, sigma, q * n, seed, position, &tolerance);
    for (std::size_t j = 0; j <= d; ++j) EXPECT_NEAR(direction[j], expected[j], tolerance[j]) << "step " << step;
    // The value: the batch's mean f_i, L2 term included.
    double loss = 0;
    for (std::size_t i : batch) {
      double z = x[d];
      for (std::size_t j = 0; j < d; ++j) z += features[i * d + j] * x[j];
      loss += std::log1p(std::exp(-(labels[i] > 0 ? 1.0 : -1.0) * z));
      const auto g = loss_gradient(i);
      (std::sqrt(std::inner_product(g.begin(), g.end(), g.begin(), 0.0)) > clip ? clipped : kept) += 1;
    }
    const double penalty = 0.5 * l2 * (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    if (!batch.empty())
      EXPECT_NEAR(e.value, loss / static_cast<double>(batch.size()) + penalty, 64 * kEps * (loss + 1));
  }
  // The steps exercised both sides of the clip.
  EXPECT_GT(clipped, 0u);
  EXPECT_GT(kept, 0u);
  const GaussianSteps ledger = dp.privacy_ledger().value();
  EXPECT_EQ(ledger.noise_multiplier, sigma);
  EXPECT_EQ(ledger.sampling_rate, q);
  EXPECT_EQ(ledger.steps, 3);
}

TEST(DpSgdFormula, ShuffledLeastSquaresMatchesTheHandComputation) {
  const std::size_t n = 12, d = 3, b = 4;
  const std::vector<double> targets = regression_targets(n, 6);
  const Dataset<double> data = tiny_data(n, d, targets, 6);
  const double l2 = 0.2;
  const LeastSquares<double> model(data, {.l2 = l2, .bias = true});
  const std::vector<double> x = {0.3, 0.5, -0.2, 0.05};
  // grad loss_i = (a_i . w + b - y_i) (a_i, 1) (least_squares.hpp).
  const auto features = random_features(n, d, 6);
  const auto loss_gradient = [&](std::size_t i) {
    double r = x[d] - targets[i];
    for (std::size_t j = 0; j < d; ++j) r += features[i * d + j] * x[j];
    std::vector<double> g(d + 1);
    for (std::size_t j = 0; j < d; ++j) g[j] = r * features[i * d + j];
    g[d] = r;
    return g;
  };
  const double clip = 0.9, sigma = 1.3;
  DpSgd<double> dp({.clip_norm = clip, .noise_multiplier = sigma, .sampling = "shuffle", .batch_size = b}, 11);
  dp.bind(model);
  EXPECT_EQ(dp.expected_batch_size(), static_cast<double>(b));
  std::vector<double> direction(d + 1), tolerance;
  std::vector<std::size_t> seen;
  for (std::size_t step = 0; step < n / b; ++step) {
    const std::uint64_t position = dp.noise_position();
    dp.estimate(model, x, direction);
    const auto batch = dp.last_batch();
    ASSERT_EQ(batch.size(), b);
    seen.insert(seen.end(), batch.begin(), batch.end());
    const auto expected = hand_direction(loss_gradient, batch, x, d, l2, clip, sigma, b, 11, position, &tolerance);
    for (std::size_t j = 0; j <= d; ++j) EXPECT_NEAR(direction[j], expected[j], tolerance[j]) << "step " << step;
  }
  // One epoch: every sample once.
  std::sort(seen.begin(), seen.end());
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], i);
  // The ledger's convention for shuffling: q = batch_size / n.
  EXPECT_EQ(dp.privacy_ledger()->sampling_rate, static_cast<double>(b) / n);
}

// An empty Poisson batch still gets its noise: the direction is sigma C z / (q n) exactly as
// the stream gives it (zero gradient sum, nothing to round but the noise itself).
TEST(DpSgdFormula, AnEmptyPoissonBatchStillAddsNoise) {
  const ZeroLosses<double> zero(10, 5);
  const double q = 1e-6, clip = 2, sigma = 3;
  DpSgd<double> dp({.clip_norm = clip, .noise_multiplier = sigma, .rate = q}, 21);
  dp.bind(zero);
  std::vector<double> x(5, 0.0), direction(5);
  dp.estimate(zero, x, direction);
  ASSERT_TRUE(dp.last_batch().empty());
  const auto z = stream_normals(21, 0, 5);
  for (std::size_t j = 0; j < 5; ++j) {
    const double expected = sigma * clip * z[j] / (q * 10);
    EXPECT_NEAR(direction[j], expected, 16 * kEps * std::abs(expected)) << j;
    EXPECT_NE(direction[j], 0.0);
  }
}

// The float noise follows the same stream. Against the double recipe, a float value
// stddev r cos(a) carries: the angle a = 2 pi u2 rounded to float, off by at most half an ulp
// below 8, 2^-22, which moves cos(a) by at most 2^-22 and the value by r 2^-22; the float
// cosine's own error (a few ulp: 4 eps_f) and the roundings of r and the two products
// (2 eps_f relative). With r <= 8.6 (u1 >= 2^-53): |error| <= stddev 8.6 (2^-22 + 6 eps_f).
TEST(DpSgdNoise, FloatNoiseFollowsTheSameStream) {
  std::vector<float> out(1001, 0.0f);
  const std::uint64_t used = add_gaussian_noise<float>(17, 40, 1.5f, out);
  EXPECT_EQ(used, 4u * 501u);
  const auto z = stream_normals(17, 40, out.size());
  const double eps = std::numeric_limits<float>::epsilon();
  const double tolerance = 1.5 * 8.6 * (0x1.0p-22 + 6 * eps);
  for (std::size_t j = 0; j < out.size(); ++j) EXPECT_NEAR(out[j], 1.5 * z[j], tolerance) << j;
  // Double, long enough for the tiles to run on threads (10 tiles): the same values as the
  // recipe up to the roundings of log, sqrt, cos and sin (a few ulp each) and two products,
  // 16 eps (|z| + r) with r <= 8.6.
  std::vector<double> wide(10001, 0.0);
  add_gaussian_noise<double>(23, 0, 1.0, wide);
  const auto expected = stream_normals(23, 0, wide.size());
  for (std::size_t j = 0; j < wide.size(); ++j)
    ASSERT_NEAR(wide[j], expected[j], 16 * kEps * (std::abs(expected[j]) + 8.6)) << j;
  std::vector<double> twice(8, 0.0);
  EXPECT_THROW(add_gaussian_noise<double>(17, 2, 1.0, twice), MismatchError);  // not a multiple of 4
}

// ---------------------------------------------------------------------------------------------
// (b) Noise statistics: with every gradient zero the direction is N(0, (sigma C / (q n))^2) per
// coordinate, independent across coordinates and steps.

struct Moments {
  double mean = 0, sd = 0, beyond_two = 0, neighbour_correlation = 0, step_correlation = 0;
  std::size_t count = 0;
};

template <class T>
Moments noise_moments(DpSgd<T>& dp, std::size_t n, std::size_t p, int steps) {
  const ZeroLosses<T> zero(n, p);
  dp.bind(zero);
  std::vector<T> x(p, T(0)), direction(p), previous(p);
  std::vector<double> all;
  double neighbours = 0, across = 0;
  for (int s = 0; s < steps; ++s) {
    dp.estimate(zero, x, direction);
    for (std::size_t j = 0; j < p; ++j) all.push_back(static_cast<double>(direction[j]));
    for (std::size_t j = 0; j + 1 < p; ++j)
      neighbours += static_cast<double>(direction[j]) * static_cast<double>(direction[j + 1]);
    if (s > 0)
      for (std::size_t j = 0; j < p; ++j)
        across += static_cast<double>(direction[j]) * static_cast<double>(previous[j]);
    previous = direction;
  }
  Moments m;
  m.count = all.size();
  for (double v : all) m.mean += v;
  m.mean /= static_cast<double>(all.size());
  double squares = 0;
  for (double v : all) squares += (v - m.mean) * (v - m.mean);
  m.sd = std::sqrt(squares / static_cast<double>(all.size() - 1));
  for (double v : all) m.beyond_two += std::abs(v) > 2 * m.sd ? 1 : 0;
  m.beyond_two /= static_cast<double>(all.size());
  const double variance = m.sd * m.sd;
  m.neighbour_correlation = neighbours / (static_cast<double>(steps) * static_cast<double>(p - 1)) / variance;
  m.step_correlation = across / (static_cast<double>(steps - 1) * static_cast<double>(p)) / variance;
  return m;
}

// Each check at `k` standard errors of its estimate under the claimed distribution (N samples):
// the mean's is sd / sqrt N; the sample sd's sd / sqrt(2 N) (normal data); the fraction beyond
// two sd's sqrt(f (1 - f) / N) with f = 0.0455; a correlation's 1 / sqrt(terms).
void expect_gaussian(const Moments& m, double sd, double k, std::size_t steps, std::size_t p) {
  const double count = static_cast<double>(m.count);
  EXPECT_LE(std::abs(m.mean), k * sd / std::sqrt(count)) << m.mean;
  EXPECT_LE(std::abs(m.sd - sd), k * sd / std::sqrt(2 * count)) << m.sd << " vs " << sd;
  const double f = std::erfc(2 / std::numbers::sqrt2);
  EXPECT_LE(std::abs(m.beyond_two - f), k * std::sqrt(f * (1 - f) / count)) << m.beyond_two;
  EXPECT_LE(std::abs(m.neighbour_correlation), k / std::sqrt(static_cast<double>(steps * (p - 1))));
  EXPECT_LE(std::abs(m.step_correlation), k / std::sqrt(static_cast<double>((steps - 1) * p)));
}

TEST(DpSgdNoise, MeanAndSpreadAreThoseOfTheGaussianMechanism) {
  const std::size_t n = 50, p = 101;  // odd: the last pair's second value is dropped
  const double q = 0.1, clip = 2, sigma = 1.5;
  const int steps = 200;
  DpSgd<double> dp({.clip_norm = clip, .noise_multiplier = sigma, .rate = q}, 3);
  const Moments m = noise_moments(dp, n, p, steps);
  expect_gaussian(m, sigma * clip / (q * n), 4, steps, p);  // seeded: a fixed draw
  DpSgd<float> dp_float({.clip_norm = clip, .noise_multiplier = sigma, .rate = q}, 4);
  expect_gaussian(noise_moments(dp_float, n, p, steps), sigma * clip / (q * n), 4, steps, p);
}

// The secure generator's draws differ at every run, so a check at 4 standard errors would fail
// about once in 10^4 runs for nothing; 5 makes that once in 10^6, still far below any real
// error (a wrong scale or a reused draw is off by many standard errors).
TEST(DpSgdNoise, SecureNoiseHasTheSameDistribution) {
  const std::size_t n = 50, p = 101;
  const double q = 0.1, clip = 2, sigma = 1.5;
  const int steps = 200;
  DpSgd<double> dp({.clip_norm = clip, .noise_multiplier = sigma, .rate = q, .secure = true}, 3);
  const Moments m = noise_moments(dp, n, p, steps);
  expect_gaussian(m, sigma * clip / (q * n), 5, steps, p);
  EXPECT_EQ(dp.noise_position(), 0u);  // the Philox stream is not used
  // A vector long enough for the tiles to run on threads (10001 values: 10 tiles of 512 pairs):
  // every value drawn, mean and spread of N(0, 1) within 5 standard errors.
  std::vector<double> wide(10001, 0.0);
  add_secure_gaussian_noise(1.0, std::span<double>(wide));
  double sum = 0, squares = 0;
  for (double v : wide) {
    ASSERT_TRUE(std::isfinite(v));
    ASSERT_NE(v, 0.0);
    sum += v;
    squares += v * v;
  }
  const double count = static_cast<double>(wide.size());
  EXPECT_LE(std::abs(sum / count), 5 / std::sqrt(count));
  EXPECT_LE(std::abs(std::sqrt(squares / count) - 1), 5 / std::sqrt(2 * count));
  // Two secure estimators with the same seed draw different noise.
  DpSgd<double> a({.secure = true}, 1), b({.secure = true}, 1);
  const ZeroLosses<double> zero(10, 4);
  a.bind(zero);
  b.bind(zero);
  std::vector<double> x(4, 0.0), da(4), db(4);
  a.estimate(zero, x, da);
  b.estimate(zero, x, db);
  EXPECT_FALSE(bitwise_equal(da, db));
}

// ---------------------------------------------------------------------------------------------
// (c) Poisson batch sizes: Binomial(n, q).

TEST(DpSgdSampling, PoissonBatchSizesAreBinomial) {
  const std::size_t n = 1000;
  const double q = 0.03;
  const int steps = 2000;
  const ZeroLosses<double> zero(n, 2);
  DpSgd<double> dp({.rate = q}, 8);
  dp.bind(zero);
  std::vector<double> x(2, 0.0), direction(2), sizes;
  for (int s = 0; s < steps; ++s) {
    dp.estimate(zero, x, direction);
    const auto batch = dp.last_batch();
    // A set of distinct rows, in increasing order.
    for (std::size_t k = 0; k < batch.size(); ++k) {
      ASSERT_LT(batch[k], n);
      if (k > 0) ASSERT_LT(batch[k - 1], batch[k]);
    }
    sizes.push_back(static_cast<double>(batch.size()));
  }
  const double count = steps;
  const double mean = std::accumulate(sizes.begin(), sizes.end(), 0.0) / count;
  double squares = 0;
  for (double s : sizes) squares += (s - mean) * (s - mean);
  const double variance = squares / (count - 1);
  // Binomial(n, q): mean n q, variance n q (1 - q), fourth central moment
  // n q (1 - q) (1 + 3 (n - 2) q (1 - q)). Standard errors: of the mean sqrt(var / N); of the
  // sample variance sqrt((mu4 - var^2 (N - 3) / (N - 1)) / N).
  const double v = n * q * (1 - q);
  const double mu4 = v * (1 + 3 * (static_cast<double>(n) - 2) * q * (1 - q));
  EXPECT_LE(std::abs(mean - n * q), 4 * std::sqrt(v / count)) << mean;
  EXPECT_LE(std::abs(variance - v), 4 * std::sqrt((mu4 - v * v * (count - 3) / (count - 1)) / count)) << variance;
  EXPECT_NEAR(dp.epochs(), steps * q, 1e-9);
}

// ---------------------------------------------------------------------------------------------
// (d) The clipping bound per sample through the estimator, flat and per layer: batches of one
// sample (shuffle, batch_size 1), no L2 term and noise 10^-12 C, so that the direction is the
// sample's clipped gradient up to 10^-12 C |z| (|z| < 9: the radius's largest value).

TEST(DpSgdClipping, EverySampleEndsWithinTheBallFlatAndPerLayer) {
  const std::size_t n = 30, d = 4;
  const Dataset<double> data = tiny_data(n, d, class_labels(n, 3, 9), 9);
  const Mlp<double> model(data, {.hidden = {6, 4}, .activation = Activation::tanh, .num_classes = 3, .l2 = 0});
  const std::size_t p = model.dimension();
  const auto x = random_parameters<double>(p, 12, 1.0);
  const std::vector<std::size_t> bounds = model.parameter_groups();
  ASSERT_EQ(bounds.size(), 4u);  // three layers
  const double clip = 0.5;
  for (const char* clipping : {"flat", "per_layer"}) {
    SCOPED_TRACE(clipping);
    const bool per_layer = std::string(clipping) == "per_layer";
    DpSgd<double> dp(
        {.clip_norm = clip, .noise_multiplier = 1e-12, .sampling = "shuffle", .batch_size = 1, .clipping = clipping},
        13);
    dp.bind(model);
    std::vector<double> direction(p), full(p);
    std::size_t at_the_limit = 0;
    for (std::size_t s = 0; s < n; ++s) {
      dp.estimate(model, x, direction);
      const std::size_t i = dp.last_batch()[0];
      model.batch_value_and_gradient(x, std::span<const std::size_t>(&i, 1), full);
      const double slack = 1e-12 * clip * 9 * std::sqrt(static_cast<double>(p)) + 1e-13 * clip;
      double total = 0;
      for (std::size_t l = 0; l + 1 < bounds.size(); ++l) {
        double squares = 0, full_squares = 0;
        for (std::size_t j = bounds[l]; j < bounds[l + 1]; ++j) {
          squares += direction[j] * direction[j];
          full_squares += full[j] * full[j];
        }
        total += squares;
        if (per_layer) {
          const double limit = clip / std::sqrt(3.0);
          EXPECT_LE(std::sqrt(squares), limit + slack);
          if (std::sqrt(full_squares) > limit) {
            EXPECT_NEAR(std::sqrt(squares), limit, slack);
            ++at_the_limit;
          }
        }
      }
      EXPECT_LE(std::sqrt(total), clip + slack);
      double full_total = 0;
      for (double v : full) full_total += v * v;
      if (!per_layer && std::sqrt(full_total) > clip) {
        EXPECT_NEAR(std::sqrt(total), clip, slack);
        ++at_the_limit;
      }
    }
    EXPECT_GT(at_the_limit, 0u);
  }
}

// ---------------------------------------------------------------------------------------------
// (e) Unbiasedness: with C above every per-sample norm, E[direction] = grad f(x) under Poisson
// sampling, because E[sum_{i in B} g_i] = q sum_i g_i and the divisor is q n, the noise has
// mean 0, and grad r is added as it is. Checked coordinatewise within 4 standard errors of the
// mean of K directions, the standard error estimated from the directions themselves.

TEST(DpSgdProperty, PoissonDirectionIsUnbiasedForTheFullGradient) {
  const std::size_t n = 40, d = 3;
  const Dataset<double> data = tiny_data(n, d, class_labels(n, 2, 14), 14);
  const LogisticRegression<double> model(data, {.l2 = 0.1, .bias = true});
  const std::vector<double> x = {0.5, -0.3, 0.8, -0.2};
  const std::size_t p = x.size();
  std::vector<double> norms(n);
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  model.per_sample_gradient_norms(x, all, norms);
  const double clip = 10 * (*std::max_element(norms.begin(), norms.end()) + 1);
  DpSgd<double> dp({.clip_norm = clip, .noise_multiplier = 0.002, .rate = 0.25}, 15);
  dp.bind(model);
  const int steps = 4000;
  std::vector<double> direction(p), mean(p, 0.0), squares(p, 0.0), gradient(p);
  for (int s = 0; s < steps; ++s) {
    dp.estimate(model, x, direction);
    for (std::size_t j = 0; j < p; ++j) {
      mean[j] += direction[j];
      squares[j] += direction[j] * direction[j];
    }
  }
  model.value_and_gradient(x, gradient);
  for (std::size_t j = 0; j < p; ++j) {
    mean[j] /= steps;
    const double variance = (squares[j] / steps - mean[j] * mean[j]) * steps / (steps - 1);
    EXPECT_LE(std::abs(mean[j] - gradient[j]), 4 * std::sqrt(variance / steps)) << "j = " << j;
  }
}

// With shuffling, one epoch's directions add up exactly (up to the noise and rounding) to
// (n / b) grad f(x) when nothing is clipped: every sample once, each divided by b, and grad r
// once per step.
TEST(DpSgdProperty, AShuffledEpochAddsUpToTheFullGradient) {
  const std::size_t n = 12, d = 3, b = 4;
  const Dataset<double> data = tiny_data(n, d, regression_targets(n, 16), 16);
  const LeastSquares<double> model(data, {.l2 = 0.3, .bias = true});
  const std::vector<double> x = {0.2, -0.1, 0.4, 0.3};
  const double clip = 1e3, sigma = 1e-15;  // noise of 1e-12 per coordinate of the sum
  DpSgd<double> dp({.clip_norm = clip, .noise_multiplier = sigma, .sampling = "shuffle", .batch_size = b}, 17);
  dp.bind(model);
  std::vector<double> direction(4), total(4, 0.0), gradient(4);
  for (std::size_t s = 0; s < n / b; ++s) {
    dp.estimate(model, x, direction);
    for (std::size_t j = 0; j < 4; ++j) total[j] += direction[j];
  }
  model.value_and_gradient(x, gradient);
  // The noise adds at most 3 steps x 1e-12 x 9 / b; the roundings a few hundred eps of values O(10).
  for (std::size_t j = 0; j < 4; ++j) EXPECT_NEAR(total[j], (n / b) * gradient[j], 1e-11) << j;
}

// ---------------------------------------------------------------------------------------------
// (f) Checkpoints resume bit for bit.

void expect_resumes_bit_for_bit(const DpSgdOptions& options) {
  const std::size_t n = 30, d = 3;
  const Dataset<double> data = tiny_data(n, d, class_labels(n, 2, 18), 18);
  const LogisticRegression<double> model(data, {.l2 = 0.05, .bias = true});
  const std::vector<double> x = {0.1, 0.2, -0.3, 0.05};
  DpSgd<double> first(options, 19);
  first.bind(model);
  std::vector<double> direction(4);
  for (int s = 0; s < 5; ++s) first.estimate(model, x, direction);
  BinaryWriter saved;
  first.save(saved);
  std::vector<std::vector<double>> after;
  for (int s = 0; s < 6; ++s) {
    first.estimate(model, x, direction);
    after.push_back(direction);
  }
  DpSgd<double> resumed(options, 19);
  resumed.bind(model);
  BinaryReader in(saved.bytes(), "checkpoint");
  resumed.load(in);
  EXPECT_EQ(in.remaining(), 0u);
  EXPECT_EQ(resumed.steps(), 5);
  for (int s = 0; s < 6; ++s) {
    resumed.estimate(model, x, direction);
    EXPECT_TRUE(bitwise_equal(direction, after[static_cast<std::size_t>(s)])) << "step " << s;
  }
  EXPECT_EQ(resumed.privacy_ledger()->steps, first.privacy_ledger()->steps);
  EXPECT_EQ(resumed.noise_position(), first.noise_position());

  // Another clip norm, or a truncated state: refused by name, nothing changed.
  DpSgdOptions other = options;
  other.clip_norm *= 2;
  DpSgd<double> mismatched(other, 19);
  mismatched.bind(model);
  BinaryReader again(saved.bytes(), "checkpoint");
  EXPECT_NE(error_of([&] { mismatched.load(again); }).find("clip_norm"), std::string::npos);
  EXPECT_EQ(mismatched.steps(), 0);
  const std::string truncated = saved.bytes().substr(0, saved.bytes().size() - 3);
  BinaryReader short_in(truncated, "checkpoint");
  EXPECT_THROW(resumed.load(short_in), FormatError);
}

// The estimator fixes its own batch, so it sets the epoch's length for train(): q n samples a
// step under Poisson sampling, min(batch_size, n) under shuffling.
TEST(DpSgdEpoch, SamplesPerStepIsTheExpectedBatch) {
  DpSgdOptions poisson;
  poisson.rate = 0.25;
  EXPECT_EQ(DpSgd<double>(poisson).samples_per_step(400), 100.0);
  DpSgdOptions shuffle;
  shuffle.sampling = "shuffle";
  shuffle.batch_size = 64;
  EXPECT_EQ(DpSgd<double>(shuffle).samples_per_step(400), 64.0);
  EXPECT_EQ(DpSgd<double>(shuffle).samples_per_step(50), 50.0);
}

TEST(DpSgdCheckpoint, PoissonResumesBitForBit) {
  expect_resumes_bit_for_bit({.clip_norm = 0.5, .noise_multiplier = 1.1, .sampling = "poisson", .rate = 0.2});
}

TEST(DpSgdCheckpoint, ShuffleResumesBitForBit) {
  expect_resumes_bit_for_bit({.clip_norm = 0.5, .noise_multiplier = 1.1, .sampling = "shuffle", .batch_size = 7});
}

// ---------------------------------------------------------------------------------------------
// (g) Bad input, by name; the spec entry.

TEST(DpSgdInput, ImpossibleOptionsAreRefusedByName) {
  const auto refused = [](DpSgdOptions o) { return error_of([&] { DpSgd<double> dp(o); }); };
  EXPECT_EQ(refused({.clip_norm = 0}), "DpSgdOptions::clip_norm = 0 violates clip_norm > 0");
  EXPECT_EQ(refused({.noise_multiplier = 0}), "DpSgdOptions::noise_multiplier = 0 violates noise_multiplier > 0");
  EXPECT_EQ(refused({.noise_multiplier = -1}), "DpSgdOptions::noise_multiplier = -1 violates noise_multiplier > 0");
  EXPECT_NE(refused({.noise_multiplier = std::numeric_limits<double>::quiet_NaN()}).find("noise_multiplier"),
            std::string::npos);
  EXPECT_EQ(refused({.rate = 0}), "DpSgdOptions::rate = 0 violates 0 < rate <= 1");
  EXPECT_EQ(refused({.rate = 1.5}), "DpSgdOptions::rate = 1.5 violates 0 < rate <= 1");
  EXPECT_EQ(refused({.batch_size = 0}), "DpSgdOptions::batch_size = 0 violates batch_size >= 1");
  EXPECT_EQ(refused({.sampling = "uniform"}), "DpSgdOptions::sampling = 'uniform' is not one of poisson, shuffle");
  EXPECT_EQ(refused({.clipping = "layer"}), "DpSgdOptions::clipping = 'layer' is not one of flat, per_layer");
  EXPECT_THROW(DpSgd<double>({.clip_norm = std::numeric_limits<double>::infinity()}), ConfigError);

  DpSgd<double> unbound;
  std::vector<double> x(2, 0.0), direction(2);
  const testing::DiagonalQuadratic<double> not_a_sum(2, 2);
  EXPECT_THROW(unbound.estimate(not_a_sum, x, direction), MismatchError);
  EXPECT_NE(error_of([&] { unbound.bind(not_a_sum); }).find("dp_sgd"), std::string::npos);
  DpSgd<double> shuffled({.sampling = "shuffle"});
  EXPECT_THROW(shuffled.privacy_ledger(), MismatchError);
  // A direction of the wrong size is a MismatchError, before anything is drawn.
  const ZeroLosses<double> zero(5, 3);
  DpSgd<double> dp;
  dp.bind(zero);
  std::vector<double> x3(3, 0.0), short_direction(2);
  EXPECT_THROW(dp.estimate(zero, x3, short_direction), MismatchError);
  EXPECT_EQ(dp.steps(), 0);
  EXPECT_EQ(dp.noise_position(), 0u);
  EXPECT_EQ(dp.epochs(), 0.0);
}

TEST(DpSgdInput, TheSpecEntryParsesRoundTripsAndRefusesByName) {
  const EstimatorSpec spec =
      parse_estimator("dp_sgd(clip_norm=2, sampling=shuffle, batch_size=64, clipping=per_layer)");
  const std::string canonical =
      "dp_sgd(clip_norm=2, noise_multiplier=1, sampling=shuffle, rate=0.01, batch_size=64, clipping=per_layer, "
      "secure=false)";
  EXPECT_EQ(spec.canonical(), canonical);
  EXPECT_EQ(spec.make<double>(3)->spec(), canonical);
  EXPECT_EQ(spec.make<float>(3)->spec(), canonical);
  EXPECT_EQ(parse_estimator(canonical).canonical(), canonical);
  EXPECT_NE(error_of([] { parse_estimator("dp_sgd(noise_multiplier=0)"); }).find("noise_multiplier"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_estimator("dp_sgd(rate=2)"); }).find("rate"), std::string::npos);
  EXPECT_THROW(parse_estimator("dp_sgd(sampling=uniform)"), ParseError);
  // The seed is the run's: never in the spec, secure or not.
  const EstimatorSpec secure = parse_estimator("dp_sgd(secure=true)");
  EXPECT_EQ(secure.make<double>(123456789)->spec().find("123456789"), std::string::npos);
}

}  // namespace
}  // namespace descent
