#include "descent/estimator/label_noise.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "descent/analysis/hessian_spectrum.hpp"
#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/estimator/minibatch.hpp"
#include "model/model_cases.hpp"
#include "support/error_of.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::case_dataset;
using testing::case_name;
using testing::dense_dataset;
using testing::make_labels;
using testing::ModelCase;
using testing::random_features;
using testing::random_parameters;

bool bitwise_equal(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](double u, double v) { return std::memcmp(&u, &v, sizeof u) == 0; });
}

using testing::error_of;

// ---------------------------------------------------------------------------------------------
// Options

TEST(LabelNoiseOptions, RangesAreCheckedAndTheSpecPrintsEveryOption) {
  EXPECT_THROW(LabelNoise<double>({.batch_size = 0}), ConfigError);
  EXPECT_THROW(LabelNoise<double>({.sigma = -0.1}), ConfigError);
  EXPECT_THROW(LabelNoise<double>({.flip_probability = 1.5}), ConfigError);
  EXPECT_THROW(LabelNoise<double>({.flip_probability = std::numeric_limits<double>::quiet_NaN()}), ConfigError);
  const LabelNoise<double> e({.batch_size = 8, .sigma = 0.5, .flip_probability = 0.25}, 3);
  EXPECT_EQ(e.spec(), "label_noise(batch_size=8, sigma=0.5, flip_probability=0.25)");
}

// ---------------------------------------------------------------------------------------------
// The override path, for every model configuration (model_cases.hpp).

class LabelOverride : public ::testing::TestWithParam<ModelCase> {};

// batch_value_and_gradient_with_labels on the data equals batch_value_and_gradient on a copy of
// the data with the substitute labels written into the batch's rows: bit for bit, since both
// run the same chunks through the same head in the same order. A batch of 280 distinct rows in
// shuffled order crosses the 256-row chunk boundary; one of consecutive rows takes the range
// path (the dataset's own rows, no gather). Rows 0..9 are left out of the batches: they hold
// each class once (class_labels), so that the copy infers the same number of classes.
TEST_P(LabelOverride, EqualsTheDatasetWithTheLabelsWrittenIn) {
  const ModelCase& c = GetParam();
  const std::size_t n = 300, d = 5;
  const Dataset<double> data = case_dataset(c, n, d, 11);
  const auto model = c.make(data);
  ASSERT_TRUE(model->accepts_label_override());
  const auto x = random_parameters<double>(model->dimension(), 12);
  const std::vector<double> substitutes = make_labels(c.labels, n, c.classes, 99);

  std::vector<std::size_t> shuffled(280);
  std::iota(shuffled.begin(), shuffled.end(), std::size_t{10});
  Random rng(5, Stream::sampling);
  for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.below(i)]);
  std::vector<std::size_t> consecutive(40);
  std::iota(consecutive.begin(), consecutive.end(), std::size_t{100});

  for (const auto& batch : {shuffled, consecutive}) {
    std::vector<double> labels(batch.size());
    // The substitutes are taken from rows at an offset, so most differ from the data's own.
    for (std::size_t k = 0; k < batch.size(); ++k) labels[k] = substitutes[(batch[k] * 7 + 3) % n];
    std::vector<double> written(data.labels().begin(), data.labels().end());
    for (std::size_t k = 0; k < batch.size(); ++k) written[batch[k]] = labels[k];
    const auto values = random_features(n, d, 11);
    const Dataset<double> copy = c.sparse ? testing::sparse_dataset<double>(values, d, written)
                                          : testing::dense_dataset<double>(values, d, written);
    const auto reference = c.make(copy);
    ASSERT_EQ(reference->num_outputs(), model->num_outputs());

    std::vector<double> g(model->dimension()), g_ref(model->dimension());
    const double v = model->batch_value_and_gradient_with_labels(x, batch, labels, g);
    const double v_ref = reference->batch_value_and_gradient(x, batch, g_ref);
    EXPECT_TRUE(bitwise_equal(std::span<const double>(&v, 1), std::span<const double>(&v_ref, 1)))
        << v << " vs " << v_ref;
    EXPECT_TRUE(bitwise_equal(g, g_ref));
    // The data themselves were not touched: the plain path still reads the original labels.
    std::vector<double> g_own(model->dimension());
    const std::vector<double> own(data.labels().begin(), data.labels().end());
    std::vector<double> own_batch(batch.size());
    for (std::size_t k = 0; k < batch.size(); ++k) own_batch[k] = own[batch[k]];
    std::vector<double> g_via(model->dimension());
    model->batch_value_and_gradient(x, batch, g_own);
    model->batch_value_and_gradient_with_labels(x, batch, own_batch, g_via);
    EXPECT_TRUE(bitwise_equal(g_own, g_via));
  }
}

// With sigma = 0 and flip_probability = 0 the labels are the data's own (y + 0 z = y), the
// batches are Minibatch's (the same shuffle stream and seed), so every step equals
// Minibatch's bit for bit.
TEST_P(LabelOverride, ZeroNoiseEqualsMinibatchBitForBit) {
  const ModelCase& c = GetParam();
  const Dataset<double> data = case_dataset(c, 60, 4, 21);
  const auto model = c.make(data);
  const auto x = random_parameters<double>(model->dimension(), 22);
  LabelNoise<double> noisy({.batch_size = 16, .sigma = 0, .flip_probability = 0}, 77);
  Minibatch<double> plain(MinibatchOptions{.batch_size = 16, .seed = 77});
  noisy.bind(*model);
  plain.bind(*model);
  EXPECT_EQ(noisy.classes(), c.labels == testing::Labels::real ? 0u : model->num_outputs() == 1 ? 2u : c.classes);
  std::vector<double> a(model->dimension()), b(model->dimension());
  for (int step = 0; step < 5; ++step) {  // 5 x 16 > 60: crosses an epoch
    const Estimate<double> ea = noisy.estimate(*model, x, a);
    const Estimate<double> eb = plain.estimate(*model, x, b);
    EXPECT_TRUE(bitwise_equal(a, b)) << "step " << step;
    EXPECT_EQ(std::memcmp(&ea.value, &eb.value, sizeof ea.value), 0) << ea.value << " vs " << eb.value;
    EXPECT_EQ(ea.sample_gradients, eb.sample_gradients);
    EXPECT_EQ(ea.objective_calls, 1);
  }
}

// A label the model cannot score is refused with a message naming the batch entry and its row.
TEST_P(LabelOverride, RejectsLabelsTheModelCannotScore) {
  const ModelCase& c = GetParam();
  const Dataset<double> data = case_dataset(c, 30, 3, 31);
  const auto model = c.make(data);
  const auto x = random_parameters<double>(model->dimension(), 32);
  const std::vector<std::size_t> batch = {4, 17, 9};
  std::vector<double> g(model->dimension());
  const double bad = c.labels == testing::Labels::real ? std::numeric_limits<double>::infinity() : 0.5;
  std::vector<double> labels = {data.labels()[4], bad, data.labels()[9]};
  const std::string message = error_of([&] { model->batch_value_and_gradient_with_labels(x, batch, labels, g); });
  EXPECT_NE(message.find("substitute label"), std::string::npos) << message;
  EXPECT_NE(message.find("batch[1] (row 17"), std::string::npos) << message;
  // One label per batch entry.
  labels.pop_back();
  EXPECT_THROW(model->batch_value_and_gradient_with_labels(x, batch, labels, g), MismatchError);
}

INSTANTIATE_TEST_SUITE_P(AllModels, LabelOverride, ::testing::ValuesIn(testing::model_cases()), case_name);

TEST(LabelOverride, ObjectivesWithoutLabelsRefuseIt) {
  const testing::DiagonalQuadratic<double> q(2, 3.0);
  // A finite sum with no labels: the base class's hook throws, and the estimator will not bind.
  class Plain final : public FiniteSum<double> {
   public:
    std::string name() const override { return "plain_sum"; }
    std::size_t dimension() const override { return 1; }
    std::size_t num_samples() const override { return 3; }
    double batch_value_and_gradient(std::span<const double>, std::span<const std::size_t>,
                                    std::span<double> g) const override {
      g[0] = 0;
      return 0;
    }
  } plain;
  EXPECT_FALSE(plain.accepts_label_override());
  std::vector<double> x(1), g(1), labels(1);
  const std::vector<std::size_t> batch = {0};
  EXPECT_THROW(plain.batch_value_and_gradient_with_labels(x, batch, labels, g), MismatchError);
  EXPECT_THROW(plain.label_space(), MismatchError);
  LabelNoise<double> e;
  const std::string message = error_of([&] { e.bind(plain); });
  EXPECT_NE(message.find("'plain_sum' has none"), std::string::npos) << message;
  EXPECT_THROW(e.estimate(plain, x, g), MismatchError);  // not bound
  EXPECT_THROW(e.bind(q), MismatchError);                // not a finite sum
}

// ---------------------------------------------------------------------------------------------
// The noise: the formula, and its distribution over many draws.

// Regression: label = fl(y + sigma z) (one rounding) with z the next normal of Random(seed, Stream::noise), one
// per batch entry in batch order. Over N = 19 200 draws of z ~ N(0, 1): the sample mean has
// standard deviation 1/sqrt(N) = 0.0072 and the sample variance sqrt(2/N) = 0.0102 (the
// fourth moment of a normal is 3); both are asserted within 6 of their standard deviations
// (a correct implementation fails with probability ~1e-9; the seeds are fixed anyway).
TEST(LabelNoise, RegressionLabelsAreTheTargetsPlusSigmaTimesANormal) {
  const std::size_t n = 64;
  const auto values = random_features(n, 3, 41);
  const Dataset<double> data = dense_dataset<double>(values, 3, testing::regression_targets(n, 41));
  const LeastSquares<double> model(data);
  const double sigma = 0.7;
  LabelNoise<double> e({.batch_size = 64, .sigma = sigma, .flip_probability = 0.9}, 8);
  e.bind(model);
  EXPECT_EQ(e.classes(), 0u);
  Random reference(8, Stream::noise);
  const std::vector<double> x(model.dimension(), 0.1);
  std::vector<double> g(model.dimension());
  double sum = 0, squares = 0;
  std::size_t draws = 0;
  std::vector<double> first_step;
  for (int step = 0; step < 300; ++step) {
    e.estimate(model, x, g);
    ASSERT_EQ(e.last_batch().size(), n);
    for (std::size_t k = 0; k < n; ++k) {
      const double y = data.labels()[e.last_batch()[k]];
      // Rounded once, as the estimator does (label_noise.cpp).
      const double expected = std::fma(sigma, reference.normal(), y);
      ASSERT_EQ(e.last_labels()[k], expected) << "step " << step << " entry " << k;
      const double z = (e.last_labels()[k] - y) / sigma;
      sum += z;
      squares += z * z;
      ++draws;
    }
    if (step == 0) first_step.assign(e.last_labels().begin(), e.last_labels().end());
    if (step == 1) EXPECT_NE(first_step, std::vector<double>(e.last_labels().begin(), e.last_labels().end()));
  }
  const double N = static_cast<double>(draws);
  const double mean = sum / N;
  const double variance = squares / N - mean * mean;
  EXPECT_LE(std::abs(mean), 6 / std::sqrt(N)) << mean;
  EXPECT_LE(std::abs(variance - 1), 6 * std::sqrt(2 / N)) << variance;
}

// Classification with K = 4 classes: per label a uniform u; if u < p, o = below(K - 1) and the
// new class is o, skipping the original (o < c ? o : o + 1). Over N = 19 200 labels the flips
// are Binomial(N, p) (sd sqrt(N p (1 - p)) = 63.5 for p = 0.3); given F_c flips of class c,
// each other class receives Binomial(F_c, 1/3). Both within 6 standard deviations.
TEST(LabelNoise, ClassLabelsFlipToAUniformOtherClassWithTheGivenProbability) {
  const std::size_t n = 64, classes = 4;
  const auto values = random_features(n, 3, 51);
  const Dataset<double> data = dense_dataset<double>(values, 3, testing::class_labels(n, classes, 51));
  const SoftmaxRegression<double> model(data);
  const double p = 0.3;
  LabelNoise<double> e({.batch_size = 64, .sigma = 5, .flip_probability = p}, 9);
  e.bind(model);
  ASSERT_EQ(e.classes(), classes);
  Random reference(9, Stream::noise);
  const std::vector<double> x(model.dimension(), 0.1);
  std::vector<double> g(model.dimension());
  std::vector<std::vector<double>> moved(classes, std::vector<double>(classes, 0));  // [from][to]
  double draws = 0, flips = 0;
  for (int step = 0; step < 300; ++step) {
    e.estimate(model, x, g);
    for (std::size_t k = 0; k < n; ++k) {
      const double y = data.labels()[e.last_batch()[k]];
      double expected = y;
      if (reference.uniform() < p) {
        const double o = static_cast<double>(reference.below(classes - 1));
        expected = o < y ? o : o + 1;
      }
      const double label = e.last_labels()[k];
      ASSERT_EQ(label, expected) << "step " << step << " entry " << k;
      draws += 1;
      if (label != y) {
        flips += 1;
        moved[static_cast<std::size_t>(y)][static_cast<std::size_t>(label)] += 1;
      }
    }
  }
  EXPECT_LE(std::abs(flips - draws * p), 6 * std::sqrt(draws * p * (1 - p))) << flips << " of " << draws;
  for (std::size_t c = 0; c < classes; ++c) {
    EXPECT_EQ(moved[c][c], 0);  // a flip never keeps the class
    const double from = std::accumulate(moved[c].begin(), moved[c].end(), 0.0);
    ASSERT_GT(from, 0);
    const double q = 1.0 / static_cast<double>(classes - 1);
    for (std::size_t j = 0; j < classes; ++j)
      if (j != c)
        EXPECT_LE(std::abs(moved[c][j] - from * q), 6 * std::sqrt(from * q * (1 - q)))
            << "class " << c << " -> " << j << ": " << moved[c][j] << " of " << from;
  }
}

// Binary labels flip to the other label of the data's own convention, with probability p:
// Binomial(N, p) flips, within 6 standard deviations.
TEST(LabelNoise, BinaryLabelsFlipWithinTheirConvention) {
  const std::size_t n = 50;
  for (const double negative : {0.0, -1.0}) {
    const auto values = random_features(n, 3, 61);
    auto y = testing::class_labels(n, 2, 61);
    for (double& v : y) v = v == 0 ? negative : 1;
    const Dataset<double> data = dense_dataset<double>(values, 3, y);
    const LogisticRegression<double> model(data);
    const double p = 0.2;
    LabelNoise<double> e({.batch_size = 25, .sigma = 1, .flip_probability = p}, 10);
    e.bind(model);
    ASSERT_EQ(e.classes(), 2u);
    Random reference(10, Stream::noise);
    const std::vector<double> x(model.dimension(), 0.1);
    std::vector<double> g(model.dimension());
    double draws = 0, flips = 0;
    for (int step = 0; step < 400; ++step) {
      e.estimate(model, x, g);
      for (std::size_t k = 0; k < e.last_batch().size(); ++k) {
        const double original = data.labels()[e.last_batch()[k]];
        const double label = e.last_labels()[k];
        const bool flip = reference.uniform() < p;
        ASSERT_EQ(label, flip ? (original == 1 ? negative : 1.0) : original);
        ASSERT_TRUE(label == negative || label == 1) << label;
        draws += 1;
        flips += label != original ? 1 : 0;
      }
    }
    EXPECT_LE(std::abs(flips - draws * p), 6 * std::sqrt(draws * p * (1 - p))) << "negative label " << negative;
  }
}

// In float the label is y + sigma z rounded once in double, then to float; with no noise the
// steps equal Minibatch<float>'s bit for bit.
TEST(LabelNoise, FloatModelsTakeTheSameNoise) {
  const std::size_t n = 30;
  const auto values = random_features(n, 3, 45);
  const Dataset<float> data = dense_dataset<float>(values, 3, testing::regression_targets(n, 45));
  const LeastSquares<float> model(data);
  const std::vector<float> x(model.dimension(), 0.25f);
  std::vector<float> a(model.dimension()), b(model.dimension());
  LabelNoise<float> noisy({.batch_size = 10, .sigma = 0.5}, 6);
  noisy.bind(model);
  Random reference(6, Stream::noise);
  for (int step = 0; step < 4; ++step) {
    noisy.estimate(model, x, a);
    for (std::size_t k = 0; k < noisy.last_batch().size(); ++k) {
      const double y = data.labels()[noisy.last_batch()[k]];
      EXPECT_EQ(noisy.last_labels()[k], static_cast<float>(std::fma(0.5, reference.normal(), y)));
    }
  }
  LabelNoise<float> quiet({.batch_size = 10, .sigma = 0}, 6);
  Minibatch<float> plain(MinibatchOptions{.batch_size = 10, .seed = 6});
  quiet.bind(model);
  plain.bind(model);
  for (int step = 0; step < 4; ++step) {
    quiet.estimate(model, x, a);
    plain.estimate(model, x, b);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << "step " << step;
  }
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

TEST(LabelNoise, SaveAndLoadResumeTheSameLabelsAndBatches) {
  const std::size_t n = 20;
  const auto values = random_features(n, 3, 71);
  const Dataset<double> data = dense_dataset<double>(values, 3, testing::regression_targets(n, 71));
  const LeastSquares<double> model(data);
  const std::vector<double> x(model.dimension(), 0.2);
  std::vector<double> g(model.dimension());
  const LabelNoiseOptions options{.batch_size = 6, .sigma = 0.3};
  LabelNoise<double> a(options, 4);
  a.bind(model);
  for (int step = 0; step < 3; ++step) a.estimate(model, x, g);
  BinaryWriter out;
  a.save(out);
  std::vector<std::vector<double>> labels, directions;
  for (int step = 0; step < 5; ++step) {  // crosses an epoch (20 / 6)
    a.estimate(model, x, g);
    labels.emplace_back(a.last_labels().begin(), a.last_labels().end());
    directions.push_back(g);
  }
  LabelNoise<double> b(options, 4);
  b.bind(model);
  BinaryReader in(out.bytes(), "state");
  b.load(in);
  EXPECT_EQ(in.remaining(), 0u);
  for (int step = 0; step < 5; ++step) {
    b.estimate(model, x, g);
    EXPECT_EQ(std::vector<double>(b.last_labels().begin(), b.last_labels().end()), labels[step]);
    EXPECT_TRUE(bitwise_equal(g, directions[step]));
  }
  // Another batch size is refused, naming both.
  LabelNoise<double> other({.batch_size = 5, .sigma = 0.3}, 4);
  other.bind(model);
  BinaryReader again(out.bytes(), "state");
  const std::string message = error_of([&] { other.load(again); });
  EXPECT_NE(message.find("saved with batch_size = 6, this estimator has 5"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// The paper's point: label noise drifts along a manifold of global minima to the flat end.

// f_i(a, b) = 1/2 (a b x_i - y_i)^2 with y_i = c x_i: every (a, b) with a b = c is a global
// minimum (zero loss), and there the Hessian of the mean is mean(x^2) (b, a)(b, a)^T, whose one
// nonzero eigenvalue is mean(x^2) (a^2 + b^2). Since (a^2 + b^2)^2 = D^2 + 4 (a b)^2 with
// D = a^2 - b^2, the flattest minimum is a = b = sqrt(c) (D = 0), with eigenvalue
// 2 c mean(x^2).
//
// A step on sample i with label y~ is (a, b) <- (a - eta s b, b - eta s a), s = (a b x_i - y~) x_i,
// and exactly
//   D' = a^2 - 2 eta s a b + eta^2 s^2 b^2 - b^2 + 2 eta s a b - eta^2 s^2 a^2 = D (1 - eta^2 s^2).
// Plain SGD started on the manifold has s = 0 at every sample: it never moves. With label noise
// y~ = y + sigma z, s = (u x_i - sigma z) x_i with u = a b - c fixed before z is drawn, so
// E[s^2 | past] = x_i^2 (u^2 x_i^2 + sigma^2) >= sigma^2 min(x^2), and after K steps
//   D_K = D_0 prod_k (1 - eta^2 s_k^2) <= D_0 exp(-eta^2 sum_k s_k^2),
// where sum_k s_k^2 has mean >= K sigma^2 min(x^2) and, a sum of K conditionally independent
// terms with bounded relative spread, falls below half of it only with vanishing probability
// (for K = 4000 that is > 20 of its standard deviations). Hence the asserted bound
// D_K <= D_0 exp(-eta^2 sigma^2 K min(x^2) / 2). Steps are stable: the largest per-sample
// curvature x^2 (a^2 + b^2) <= 1.44 * 16.07 = 23.1 gives eta * 23.1 = 0.93 < 2, and
// a^2 + b^2 only shrinks with D.
class ScalarFactorization final : public FiniteSum<double> {
 public:
  explicit ScalarFactorization(double c) {
    for (double x : {0.8, 0.9, 1.0, 1.1, 1.2}) {
      x_.push_back(x);
      y_.push_back(c * x);
    }
  }
  std::string name() const override { return "scalar_factorization"; }
  std::size_t dimension() const override { return 2; }
  std::size_t num_samples() const override { return x_.size(); }
  double batch_value_and_gradient(std::span<const double> p, std::span<const std::size_t> batch,
                                  std::span<double> g) const override {
    std::vector<double> labels(batch.size());
    for (std::size_t k = 0; k < batch.size(); ++k) labels[k] = y_[batch[k]];
    return batch_value_and_gradient_with_labels(p, batch, labels, g);
  }
  bool accepts_label_override() const override { return true; }
  double batch_value_and_gradient_with_labels(std::span<const double> p, std::span<const std::size_t> batch,
                                              std::span<const double> labels, std::span<double> g) const override {
    double f = 0, s = 0;
    for (std::size_t k = 0; k < batch.size(); ++k) {
      const double x = x_[batch[k]];
      const double r = p[0] * p[1] * x - labels[k];
      f += 0.5 * r * r;
      s += r * x;
    }
    const double m = static_cast<double>(std::max<std::size_t>(batch.size(), 1));
    g[0] = s / m * p[1];
    g[1] = s / m * p[0];
    return f / m;
  }
  LabelSpace<double> label_space() const override { return {y_, 0, 0.0}; }
  // H = mean_i [x_i^2 (b, a)(b, a)^T + r_i x_i [[0, 1], [1, 0]]], exactly.
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const double> p, std::span<const double> v, std::span<double> out) const override {
    const double a = p[0], b = p[1];
    double xx = 0, rx = 0;
    for (std::size_t i = 0; i < x_.size(); ++i) {
      xx += x_[i] * x_[i];
      rx += (a * b * x_[i] - y_[i]) * x_[i];
    }
    const double m = static_cast<double>(x_.size());
    xx /= m;
    rx /= m;
    const double bv = b * v[0] + a * v[1];
    out[0] = xx * b * bv + rx * v[1];
    out[1] = xx * a * bv + rx * v[0];
  }
  double mean_square_feature() const {
    double s = 0;
    for (double x : x_) s += x * x;
    return s / static_cast<double>(x_.size());
  }

 private:
  std::vector<double> x_, y_;
};

double sharpness(const ScalarFactorization& f, const std::vector<double>& p) {
  const HessianEigenvalue<double> top =
      top_hessian_eigenvalue<double>(f, p, {.max_iterations = 500, .tolerance = 1e-12});
  EXPECT_TRUE(top.converged);
  EXPECT_TRUE(top.exact);
  return top.eigenvalue;
}

TEST(LabelNoise, DriftsAlongTheMinimaToTheFlattestWherePlainSgdStaysPut) {
  const double c = 1, eta = 0.04, sigma = 1;
  const int steps = 4000;
  const ScalarFactorization f(c);
  const std::vector<double> start = {4.0, 0.25};  // a b = 1 exactly: a sharp global minimum
  const double d0 = start[0] * start[0] - start[1] * start[1];
  const double start_sharpness = sharpness(f, start);
  // mean(x^2) (a^2 + b^2) = 1.02 * 16.0625, to the power iteration's 1e-12.
  EXPECT_NEAR(start_sharpness, f.mean_square_feature() * 16.0625, 1e-9);

  auto run = [&](Estimator<double>& e, bool check_identity) {
    e.bind(f);
    std::vector<double> p = start, g(2);
    auto* noisy = dynamic_cast<LabelNoise<double>*>(&e);
    for (int k = 0; k < steps; ++k) {
      const double a = p[0], b = p[1];
      e.estimate(f, p, g);
      p[0] -= eta * g[0];
      p[1] -= eta * g[1];
      if (check_identity && noisy != nullptr) {
        // D' = D (1 - eta^2 s^2) with s from the recorded label. Each side is a few roundings
        // of terms of size a^2 + b^2 <= 16.07: 32 eps (a^2 + b^2) bounds the difference.
        const double x = std::vector<double>{0.8, 0.9, 1.0, 1.1, 1.2}[noisy->last_batch()[0]];
        const double s = (a * b * x - noisy->last_labels()[0]) * x;
        const double predicted = (a * a - b * b) * (1 - eta * eta * s * s);
        const double actual = p[0] * p[0] - p[1] * p[1];
        if (!(std::abs(actual - predicted) <= 32 * std::numeric_limits<double>::epsilon() * (a * a + b * b))) {
          ADD_FAILURE() << "step " << k << ": D = " << actual << ", D (1 - eta^2 s^2) = " << predicted;
          return p;
        }
      }
    }
    return p;
  };

  Minibatch<double> plain(MinibatchOptions{.batch_size = 1, .seed = 2021});
  const std::vector<double> plain_end = run(plain, false);
  EXPECT_TRUE(bitwise_equal(plain_end, start));  // every gradient on the manifold is exactly 0

  LabelNoise<double> noisy({.batch_size = 1, .sigma = sigma}, 2021);
  const std::vector<double> noisy_end = run(noisy, true);
  const double d_end = noisy_end[0] * noisy_end[0] - noisy_end[1] * noisy_end[1];
  const double bound = d0 * std::exp(-eta * eta * sigma * sigma * steps * 0.64 / 2);
  EXPECT_GE(d_end, 0);  // every factor 1 - eta^2 s^2 is positive: D keeps its sign
  EXPECT_LE(d_end, bound);

  const double end_sharpness = sharpness(f, noisy_end);
  const double flattest = 2 * c * f.mean_square_feature();
  // Off the manifold by u = a b - c (label noise keeps it fluctuating), the top eigenvalue is
  // mean(x^2)(a^2 + b^2) + O(|u|); with D <= bound it is well under a quarter of the start's.
  EXPECT_LT(end_sharpness, start_sharpness / 4);
  std::printf(
      "[label noise flatness] start (4, 0.25): top eigenvalue %.4f, D = %.4f; plain SGD after %d steps: "
      "unchanged; label-noise SGD (eta %.2f, sigma %.1f): (%.4f, %.4f), D = %.3g (bound %.3g), top eigenvalue "
      "%.4f (flattest minimum %.4f)\n",
      start_sharpness, d0, steps, eta, sigma, noisy_end[0], noisy_end[1], d_end, bound, end_sharpness, flattest);
  RecordProperty("start_sharpness", std::to_string(start_sharpness));
  RecordProperty("end_sharpness", std::to_string(end_sharpness));
}

}  // namespace
}  // namespace descent
