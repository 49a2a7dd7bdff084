// Models against values known in closed form and against plain reference loops.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "model_test_support.hpp"
#include "reference_models.hpp"

namespace descent::testing {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// Sums in these tests have at most ~10 terms of size <= ~10 (|x_ij| < 4 for N(0,1) draws of
// a few hundred values, |parameters| < 2 at scale 0.5) through at most three layers, and
// the losses are at most sqrt(2)-Lipschitz in the scores, so two correct evaluations that
// round in different orders differ by ~ 3 * 10 * 10 eps ~ 7e-14 in f. 1e-12 (1 + |f|)
// leaves a margin of ten; a wrong formula (a lost bias, a sign) moves f by O(0.1).
constexpr double kReferenceTolerance = 1e-12;

TEST(ModelLayout, BlocksHaveTheDocumentedNamesShapesAndOrder) {
  const auto values = random_features(4, 5, 1);
  const auto data = dense_dataset<double>(values, 5, {0, 1, 2, 1});
  const LeastSquares<double> ls(data);
  ASSERT_EQ(ls.layout().blocks().size(), 2u);
  EXPECT_EQ(ls.layout().blocks()[0].name, "weight");
  EXPECT_EQ(ls.layout().blocks()[0].shape, std::vector<std::size_t>{5});
  EXPECT_EQ(ls.layout().blocks()[1].name, "bias");
  EXPECT_EQ(ls.layout().blocks()[1].shape, std::vector<std::size_t>{});
  EXPECT_EQ(ls.layout().blocks()[1].offset, 5u);
  EXPECT_EQ(ls.dimension(), 6u);
  const LeastSquares<double> no_bias(data, {.bias = false});
  ASSERT_EQ(no_bias.layout().blocks().size(), 1u);
  EXPECT_EQ(no_bias.dimension(), 5u);

  const SoftmaxRegression<double> softmax(data);
  EXPECT_EQ(softmax.num_classes(), 3u);
  EXPECT_EQ(softmax.layout().block("weight").shape, (std::vector<std::size_t>{3, 5}));
  EXPECT_EQ(softmax.layout().block("bias").shape, std::vector<std::size_t>{3});
  EXPECT_EQ(softmax.layout().block("bias").offset, 15u);

  const Mlp<double> mlp(data, {.hidden = {6, 4}, .num_classes = 7});
  const std::vector<std::pair<std::string, std::vector<std::size_t>>> expected = {
      {"layer0.weight", {6, 5}}, {"layer0.bias", {6}},      {"layer1.weight", {4, 6}},
      {"layer1.bias", {4}},      {"layer2.weight", {7, 4}}, {"layer2.bias", {7}}};
  ASSERT_EQ(mlp.layout().blocks().size(), expected.size());
  std::size_t offset = 0;
  for (std::size_t b = 0; b < expected.size(); ++b) {
    const auto& block = mlp.layout().blocks()[b];
    EXPECT_EQ(block.name, expected[b].first);
    EXPECT_EQ(block.shape, expected[b].second);
    EXPECT_EQ(block.offset, offset);
    offset += block.size;
  }
  EXPECT_EQ(mlp.dimension(), offset);
  EXPECT_EQ(mlp.num_outputs(), 7u);
  EXPECT_EQ(mlp.num_samples(), 4u);
}

TEST(LogisticRegression, AtZeroTheLossIsLogTwoAndTheGradientHalfTheSignedMean) {
  const std::size_t n = 11, d = 4;
  const auto values = random_features(n, d, 2);
  for (bool plus_minus : {false, true}) {
    auto labels = class_labels(n, 2, 2);
    if (plus_minus)
      for (double& y : labels) y = 2 * y - 1;
    const auto data = dense_dataset<double>(values, d, labels);
    const LogisticRegression<double> model(data, {.l2 = 0.7});
    EXPECT_EQ(model.negative_label(), plus_minus ? -1.0 : 0.0);
    const std::vector<double> x(model.dimension(), 0.0);
    std::vector<double> g(model.dimension());
    // log(1 + e^0) = log 2 for every sample: one rounding of log1p, then a mean of equal terms.
    EXPECT_NEAR(model.value_and_gradient(x, g), std::numbers::ln2, 4 * kEps);
    // grad = -(1/n) sum_i s_i sigma(0) (a_i, 1) = -(1/2n) sum_i s_i (a_i, 1); the L2 term
    // vanishes at 0. Sums of n terms of size <= |a_ij| / 2n: within n eps of the largest.
    for (std::size_t j = 0; j <= d; ++j) {
      double expected = 0, scale = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double a = j < d ? values[i * d + j] : 1.0;
        const double s = labels[i] > 0 ? 1 : -1;
        expected -= s * a / (2.0 * n);
        scale += std::abs(a) / (2.0 * n);
      }
      EXPECT_NEAR(g[j], expected, 2 * n * kEps * scale) << "coordinate " << j;
    }
  }
}

TEST(LogisticRegression, FloatAtZeroIsLogTwo) {
  const auto values = random_features(6, 3, 3);
  const auto data = dense_dataset<float>(values, 3, {1, 0, 0, 1, 1, 0});
  const LogisticRegression<float> model(data);
  const std::vector<float> x(model.dimension(), 0.0f);
  // Computed in double and rounded once to float.
  EXPECT_NEAR(model.value(x), std::numbers::ln2, std::numbers::ln2 * std::numeric_limits<float>::epsilon());
}

TEST(LogisticRegression, HugeScoresNeitherOverflowNorLosePrecision) {
  const auto data = dense_dataset<double>({1.0, -1.0}, 1, {1, 1});
  const LogisticRegression<double> model(data, {.bias = false});
  std::vector<double> g(1);
  // z = +-800: e^800 overflows a double, but softplus(-800) = log1p(e^-800) = e^-800 ~ 0
  // and softplus(800) = 800 + log1p(e^-800) = 800 exactly; the gradient is
  // (-sigma(-800) * 1 - sigma(800) * -1) / 2 = (1 - 0) / 2 to within e^-800.
  const std::vector<double> x = {800.0};
  EXPECT_EQ(model.value_and_gradient(x, g), 400.0);
  EXPECT_EQ(g[0], 0.5);
}

TEST(SoftmaxRegression, AtZeroTheLossIsLogKAndTheGradientTheCentredClassMeans) {
  const std::size_t n = 13, d = 4, k = 5;
  const auto values = random_features(n, d, 4);
  const auto labels = class_labels(n, k, 4);
  const auto data = dense_dataset<double>(values, d, labels);
  const SoftmaxRegression<double> model(data);
  ASSERT_EQ(model.num_classes(), k);
  const std::vector<double> x(model.dimension(), 0.0);
  std::vector<double> g(model.dimension());
  EXPECT_NEAR(model.value_and_gradient(x, g), std::log(static_cast<double>(k)), 8 * kEps);
  // grad W[c] = (1/n) sum_i (1/K - [y_i = c]) a_i, grad b[c] = (1/n) sum_i (1/K - [y_i = c]).
  for (std::size_t c = 0; c < k; ++c)
    for (std::size_t j = 0; j <= d; ++j) {
      double expected = 0, scale = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double a = j < d ? values[i * d + j] : 1.0;
        const double coefficient = 1.0 / k - (labels[i] == static_cast<double>(c) ? 1.0 : 0.0);
        expected += coefficient * a / n;
        scale += std::abs(a) / n;
      }
      const double got = j < d ? g[c * d + j] : g[k * d + c];
      EXPECT_NEAR(got, expected, 4 * n * kEps * scale) << "class " << c << " feature " << j;
    }
}

TEST(SoftmaxRegression, HugeScoresAreStabilized) {
  const auto data = dense_dataset<double>({1.0, 2.0}, 1, {0, 1});
  const SoftmaxRegression<double> model(data, {.bias = false});
  // Scores 1000 a and -1000 a: exp(1000) overflows without the max shift. Row 0 (a = 1,
  // class 0) has the larger score on its class: loss log(1 + e^-2000) = 0; row 1 (a = 2,
  // class 1) loses by 4000: loss 4000.
  const std::vector<double> x = {1000.0, -1000.0};
  EXPECT_EQ(model.value(x), 2000.0);
}

TEST(LeastSquares, AtTheGeneratingParametersValueAndGradientVanish) {
  const std::size_t n = 20, d = 6;
  const auto values = random_features(n, d, 5);
  const std::vector<double> w_star = {0.5, -1.0, 2.0, 0.0, 1.5, -0.25};
  const double b_star = 0.75;
  std::vector<double> y(n);
  double magnitude = 0, largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double s = b_star, m = std::abs(b_star);
    for (std::size_t j = 0; j < d; ++j) {
      s += values[i * d + j] * w_star[j];
      m += std::abs(values[i * d + j] * w_star[j]);
      largest = std::max(largest, std::abs(values[i * d + j]));
    }
    y[i] = s;
    magnitude = std::max(magnitude, m);
  }
  for (bool sparse : {false, true}) {
    const auto data = sparse ? sparse_dataset<double>(values, d, y) : dense_dataset<double>(values, d, y);
    const LeastSquares<double> model(data);
    std::vector<double> x(w_star);
    x.push_back(b_star);
    std::vector<double> g(x.size());
    // The model's score and the test's target are the same d + 1 terms summed in different
    // orders: |r_i| <= 2 (d + 1) eps max_i sum_j |a_ij w_j|. Then f <= r^2 / 2 and
    // |g_j| <= max |r| max(1, |a_ij|).
    const double r = 2 * (d + 1) * kEps * magnitude;
    EXPECT_LE(model.value_and_gradient(x, g), 0.5 * r * r);
    for (double gj : g) EXPECT_LE(std::abs(gj), r * std::max(1.0, largest));
    // At 0 the value is the mean of y^2 / 2.
    const std::vector<double> zero(x.size(), 0.0);
    double expected = 0;
    for (double yi : y) expected += 0.5 * yi * yi / n;
    EXPECT_NEAR(model.value(zero), expected, 4 * n * kEps * expected);
  }
}

struct ReferenceCase {
  std::string name;
  ReferenceNet net;
  std::function<std::unique_ptr<Model<double>>(const Dataset<double>&)> make;
  std::vector<double> (*labels)(std::size_t, std::uint64_t);
};

std::vector<double> real_labels(std::size_t n, std::uint64_t seed) { return regression_targets(n, seed); }
std::vector<double> binary_labels(std::size_t n, std::uint64_t seed) { return class_labels(n, 2, seed); }
std::vector<double> four_classes(std::size_t n, std::uint64_t seed) { return class_labels(n, 4, seed); }

std::vector<ReferenceCase> reference_cases() {
  std::vector<ReferenceCase> cases;
  cases.push_back({"LeastSquaresL2",
                   {{""}, true, Activation::relu, ReferenceHead::squared_error, 0.3},
                   [](const Dataset<double>& d) {
                     return std::make_unique<LeastSquares<double>>(d, LinearModelOptions{.l2 = 0.3});
                   },
                   real_labels});
  cases.push_back({"LogisticNoBias",
                   {{""}, false, Activation::relu, ReferenceHead::logistic, 0.1},
                   [](const Dataset<double>& d) {
                     return std::make_unique<LogisticRegression<double>>(d,
                                                                         LinearModelOptions{.l2 = 0.1, .bias = false});
                   },
                   binary_labels});
  cases.push_back({"Softmax",
                   {{""}, true, Activation::relu, ReferenceHead::softmax, 0.05},
                   [](const Dataset<double>& d) {
                     return std::make_unique<SoftmaxRegression<double>>(d, SoftmaxRegressionOptions{.l2 = 0.05});
                   },
                   four_classes});
  for (Activation act : {Activation::relu, Activation::tanh, Activation::gelu})
    for (std::size_t width : {3, 12}) {
      cases.push_back({"Mlp" + std::string(to_string(act)) + std::to_string(width),
                       {{"layer0.", "layer1.", "layer2."}, true, act, ReferenceHead::softmax, 0.02},
                       [act, width](const Dataset<double>& d) {
                         return std::make_unique<Mlp<double>>(
                             d, MlpOptions{.hidden = {width, 5}, .activation = act, .num_classes = 4, .l2 = 0.02});
                       },
                       four_classes});
    }
  return cases;
}

class ReferenceValue : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(ReferenceValue, DenseAndSparseModelsMatchTheScalarReference) {
  const ReferenceCase& c = GetParam();
  const std::size_t n = 300, d = 7;  // 300 rows: two chunks
  const auto values = random_features(n, d, 30);
  const auto labels = c.labels(n, 30);
  const auto dense = dense_dataset<double>(values, d, labels);
  const auto sparse = sparse_dataset<double>(values, d, labels);
  const auto model = c.make(dense);
  const auto sparse_model = c.make(sparse);
  const auto x = random_parameters<double>(model->dimension(), 31);
  const double expected = reference_value(c.net, *model, x, dense);
  EXPECT_NEAR(model->value(x), expected, kReferenceTolerance * (1 + std::abs(expected)));
  EXPECT_NEAR(sparse_model->value(x), expected, kReferenceTolerance * (1 + std::abs(expected)));
  // Dense and sparse gradients: the same nonzero terms summed in different orders (see
  // kReferenceTolerance), relative to the gradient's size.
  std::vector<double> g_dense(model->dimension()), g_sparse(model->dimension());
  model->value_and_gradient(x, g_dense);
  sparse_model->value_and_gradient(x, g_sparse);
  double norm = 0;
  for (double v : g_dense) norm = std::max(norm, std::abs(v));
  for (std::size_t j = 0; j < g_dense.size(); ++j)
    EXPECT_NEAR(g_sparse[j], g_dense[j], kReferenceTolerance * (1 + norm)) << "coordinate " << j;
}

INSTANTIATE_TEST_SUITE_P(Models, ReferenceValue, ::testing::ValuesIn(reference_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(Mlp, WithoutHiddenLayersIsSoftmaxRegressionBitForBit) {
  const std::size_t n = 40, d = 9;
  const auto values = random_features(n, d, 40);
  const auto labels = class_labels(n, 10, 40);
  for (bool sparse : {false, true}) {
    const auto data = sparse ? sparse_dataset<double>(values, d, labels) : dense_dataset<double>(values, d, labels);
    const Mlp<double> mlp(data, {.hidden = {}, .l2 = 0.1});
    const SoftmaxRegression<double> softmax(data, {.l2 = 0.1});
    ASSERT_EQ(mlp.dimension(), softmax.dimension());
    const auto x = random_parameters<double>(mlp.dimension(), 41);
    std::vector<double> g_mlp(x.size()), g_softmax(x.size());
    EXPECT_EQ(mlp.value_and_gradient(x, g_mlp), softmax.value_and_gradient(x, g_softmax));
    EXPECT_EQ(g_mlp, g_softmax);
  }
}

TEST(Models, FloatAgreesWithDoubleToFloatPrecision) {
  const std::size_t n = 300, d = 7;
  const auto values = random_features(n, d, 50);
  const auto labels = class_labels(n, 3, 50);
  const auto data_d = dense_dataset<double>(values, d, labels);
  const auto data_f = dense_dataset<float>(values, d, labels);
  const Mlp<double> model_d(data_d, {.hidden = {12, 5}, .activation = Activation::tanh});
  const Mlp<float> model_f(data_f, {.hidden = {12, 5}, .activation = Activation::tanh});
  const auto x_d = random_parameters<double>(model_d.dimension(), 51);
  const std::vector<float> x_f(x_d.begin(), x_d.end());
  // Rounding x to float moves f by <= |grad f| |x| eps_f, and the float evaluation rounds
  // like the double one with eps_f for eps (see kReferenceTolerance): both scale the
  // double-precision bound by eps_f / eps_d.
  const double tolerance = kReferenceTolerance * (std::numeric_limits<float>::epsilon() / kEps);
  std::vector<double> g_d(x_d.size());
  std::vector<float> g_f(x_f.size());
  const double f_d = model_d.value_and_gradient(x_d, g_d);
  const float f_f = model_f.value_and_gradient(x_f, g_f);
  EXPECT_NEAR(f_f, f_d, tolerance * (1 + std::abs(f_d)));
  double norm = 0;
  for (double v : g_d) norm = std::max(norm, std::abs(v));
  for (std::size_t j = 0; j < g_d.size(); ++j) EXPECT_NEAR(g_f[j], g_d[j], tolerance * (1 + norm)) << j;
}

}  // namespace
}  // namespace descent::testing
