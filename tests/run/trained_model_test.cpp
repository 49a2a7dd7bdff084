// TrainedModel: a kept model predicts what the in-memory model predicts, bit for bit, on
// raw data (it applies the fitted preprocessing itself); its probabilities are the
// sigmoid / softmax of the model's scores; its evaluation's confusion matrix, accuracy
// and RMSE agree with each other and with the loss head's formula.
#include "descent/run/trained_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/data/gaussian_clusters.hpp"
#include "descent/model/evaluate.hpp"
#include "descent/run/build.hpp"

namespace descent {
namespace {

template <class T>
ClustersSplit<T> clusters(std::size_t classes, std::uint64_t seed = 3) {
  return gaussian_clusters<T>({.samples = 120, .features = 6, .classes = classes, .seed = seed}, 50);
}

// Parameters with every entry drawn from N(0, 1): a model whose predictions vary.
template <class T>
Parameters<T> random_parameters(const Model<T>& model, std::uint64_t seed) {
  Parameters<T> p(model.layout());
  Random random(seed, Stream::user);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<T>(random.normal());
  return p;
}

ModelSpec spec_of(const std::string& kind) {
  ModelSpec spec;
  spec.kind = kind;
  spec.hidden = {7, 5};
  spec.activation = "tanh";
  return spec;
}

template <class T>
void relabel(Dataset<T>& data, T from, T to) {
  for (T& y : data.labels())
    if (y == from) y = to;
}

// A trained setup: raw data, the preprocessing fitted on it, the in-memory model over the
// preprocessed training split, and random parameters.
template <class T>
struct Trained {
  ClustersSplit<T> raw;
  Dataset<T> train, test;  // preprocessed
  FittedPreprocessing preprocessing;
  std::unique_ptr<Model<T>> model;
  Parameters<T> params;
};

template <class T>
Trained<T> setup(const std::string& kind, const std::string& preprocess, bool minus_one = false) {
  Trained<T> s;
  s.raw = clusters<T>(kind == "logistic" || kind == "least_squares" ? 2 : 4);
  if (minus_one) {
    relabel(s.raw.train, T(0), T(-1));
    relabel(s.raw.test, T(0), T(-1));
  }
  s.preprocessing = FittedPreprocessing::fit(preprocess, s.raw.train);
  s.train = s.raw.train;
  s.test = s.raw.test;
  s.preprocessing.apply(s.train);
  s.preprocessing.apply(s.test);
  s.model = build_model<T>(spec_of(kind), s.train);
  s.params = random_parameters(*s.model, 11);
  return s;
}

template <class T>
void expect_predictions_match_in_memory(const std::string& kind, const std::string& preprocess, bool minus_one) {
  SCOPED_TRACE(kind + ", " + preprocess + (minus_one ? ", labels -1/+1" : ""));
  Trained<T> s = setup<T>(kind, preprocess, minus_one);
  const TrainedModel<T> kept = TrainedModel<T>::keep(spec_of(kind), *s.model, s.preprocessing, std::nullopt, s.params);
  const std::vector<T> expected = predict(*s.model, s.params.flat(), s.test, 256);
  const std::vector<T> got = kept.predict(s.raw.test);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << "row " << i;
  const Evaluation in_memory = evaluate(*s.model, s.params.flat(), s.test, 256);
  const ModelEvaluation e = kept.evaluate(s.raw.test);
  EXPECT_EQ(e.mean_loss, in_memory.mean_loss);
  if (std::isnan(in_memory.accuracy))
    EXPECT_TRUE(std::isnan(e.accuracy));
  else
    EXPECT_EQ(e.accuracy, in_memory.accuracy);
}

TEST(TrainedModel, PredictsBitForBitWhatTheInMemoryModelPredicts) {
  for (const char* kind : {"least_squares", "logistic", "softmax", "mlp"})
    for (const char* preprocess : {"none", "scale", "standardize"}) {
      expect_predictions_match_in_memory<float>(kind, preprocess, false);
      expect_predictions_match_in_memory<double>(kind, preprocess, false);
    }
  expect_predictions_match_in_memory<float>("logistic", "scale", true);
}

TEST(TrainedModel, LogisticProbabilitiesAreTheSigmoidOfTheScore) {
  Trained<double> s = setup<double>("logistic", "standardize");
  const auto kept = TrainedModel<double>::keep(spec_of("logistic"), *s.model, s.preprocessing, std::nullopt, s.params);
  const std::vector<double> p = kept.predict_proba(s.raw.test);
  ASSERT_EQ(kept.num_classes(), 2u);
  ASSERT_EQ(p.size(), 2 * s.test.size());
  const auto w = s.params.block("weight").values;
  const double b = s.params.block("bias").values[0];
  const auto& x = s.test.dense();
  for (std::size_t i = 0; i < s.test.size(); ++i) {
    double z = b;
    for (std::size_t j = 0; j < x.cols; ++j) z += w[j] * x.values[i * x.cols + j];
    // The model's score sums in another order: agreement to a few ulps of |z| terms.
    EXPECT_NEAR(p[2 * i + 1], 1 / (1 + std::exp(-z)), 1e-12) << "row " << i;
    EXPECT_NEAR(p[2 * i] + p[2 * i + 1], 1.0, 1e-15);
  }
}

TEST(TrainedModel, SigmoidStaysFiniteForHugeScores) {
  // Features scaled by 1e6 drive |z| far beyond exp's range: probabilities must be 0 and 1, not NaN.
  Trained<double> s = setup<double>("logistic", "none");
  const auto kept = TrainedModel<double>::keep(spec_of("logistic"), *s.model, s.preprocessing, std::nullopt, s.params);
  Dataset<double> big = s.raw.test;
  for (double& v : big.dense().values) v *= 1e6;
  for (double q : kept.predict_proba(big)) {
    EXPECT_TRUE(std::isfinite(q));
    EXPECT_GE(q, 0.0);
    EXPECT_LE(q, 1.0);
  }
}

TEST(TrainedModel, SoftmaxProbabilitiesSumToOneAndArgmaxIsThePrediction) {
  Trained<float> s = setup<float>("mlp", "scale");
  const auto kept = TrainedModel<float>::keep(spec_of("mlp"), *s.model, s.preprocessing, std::nullopt, s.params);
  ASSERT_EQ(kept.num_classes(), 4u);
  EXPECT_EQ(kept.spec().num_classes, 4u);  // resolved from the trained model
  const std::vector<double> p = kept.predict_proba(s.raw.test);
  const std::vector<float> labels = kept.predict(s.raw.test);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double* row = p.data() + 4 * i;
    // Four quotients and three additions, each within half an ulp: |sum - 1| <= 7 * 2^-53.
    EXPECT_NEAR(std::accumulate(row, row + 4, 0.0), 1.0, 7 * 0x1p-53);
    EXPECT_EQ(static_cast<float>(std::max_element(row, row + 4) - row), labels[i]) << "row " << i;
  }
}

TEST(TrainedModel, ConfusionMatrixCountsEveryRowOnceAndItsDiagonalIsTheAccuracy) {
  Trained<double> s = setup<double>("softmax", "standardize");
  const auto kept = TrainedModel<double>::keep(spec_of("softmax"), *s.model, s.preprocessing, std::nullopt, s.params);
  const ModelEvaluation e = kept.evaluate(s.raw.test);
  const std::vector<double> predicted = kept.predict(s.raw.test);
  ASSERT_EQ(e.classes, 4u);
  std::vector<std::size_t> expected(16, 0);
  for (std::size_t i = 0; i < predicted.size(); ++i)
    ++expected[static_cast<std::size_t>(s.raw.test.labels()[i]) * 4 + static_cast<std::size_t>(predicted[i])];
  EXPECT_EQ(e.confusion, expected);
  std::size_t diagonal = 0;
  for (std::size_t c = 0; c < 4; ++c) {
    diagonal += e.confusion[c * 5];
    const std::size_t row =
        std::accumulate(e.confusion.begin() + 4 * c, e.confusion.begin() + 4 * c + 4, std::size_t{0});
    if (row > 0) EXPECT_DOUBLE_EQ(e.class_accuracy[c], static_cast<double>(e.confusion[c * 5]) / row);
  }
  EXPECT_DOUBLE_EQ(e.accuracy, static_cast<double>(diagonal) / static_cast<double>(e.samples));
}

TEST(TrainedModel, AClassWithNoRowsHasNoAccuracy) {
  Trained<double> s = setup<double>("softmax", "none");
  const auto kept = TrainedModel<double>::keep(spec_of("softmax"), *s.model, s.preprocessing, std::nullopt, s.params);
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < s.raw.test.size(); ++i)
    if (s.raw.test.labels()[i] != 3) rows.push_back(i);
  const ModelEvaluation e = kept.evaluate(s.raw.test.subset(rows));
  EXPECT_TRUE(std::isnan(e.class_accuracy[3]));
  EXPECT_EQ(e.confusion[12] + e.confusion[13] + e.confusion[14] + e.confusion[15], 0u);
}

TEST(TrainedModel, LeastSquaresLossIsHalfTheSquaredRmse) {
  // The squared-error head is 1/2 (z - y)^2, so the mean loss is rmse^2 / 2 exactly up to rounding.
  Trained<double> s = setup<double>("least_squares", "standardize");
  const auto kept =
      TrainedModel<double>::keep(spec_of("least_squares"), *s.model, s.preprocessing, std::nullopt, s.params);
  const ModelEvaluation e = kept.evaluate(s.raw.test);
  EXPECT_EQ(e.classes, 0u);
  EXPECT_TRUE(std::isnan(e.accuracy));
  EXPECT_NEAR(e.mean_loss, e.rmse * e.rmse / 2, 1e-13 * e.mean_loss);
  EXPECT_THROW(kept.predict_proba(s.raw.test), MismatchError);
}

TEST(TrainedModel, OneVersusRestEncodesRawLabelsAsInTraining) {
  // Class 2 of four against the rest: evaluating raw labels 0..3 equals evaluating the
  // encoded labels with the in-memory model.
  ClustersSplit<double> raw = clusters<double>(4);
  Dataset<double> train = raw.train, test = raw.test;
  one_vs_rest(train, 2.0, BinaryEncoding::zero_one);
  one_vs_rest(test, 2.0, BinaryEncoding::zero_one);
  const auto model = build_model<double>(spec_of("logistic"), train);
  const Parameters<double> params = random_parameters(*model, 5);
  const auto kept = TrainedModel<double>::keep(spec_of("logistic"), *model, FittedPreprocessing{}, 2, params);
  const ModelEvaluation e = kept.evaluate(raw.test);
  const Evaluation expected = evaluate(*model, params.flat(), test, 256);
  EXPECT_EQ(e.mean_loss, expected.mean_loss);
  EXPECT_EQ(e.accuracy, expected.accuracy);
  std::size_t positives = 0;
  for (double y : raw.test.labels()) positives += y == 2;
  EXPECT_EQ(e.confusion[2] + e.confusion[3], positives);  // row 1: the positive class
}

TEST(TrainedModel, RefusesDataOfAnotherWidthNamingIt) {
  Trained<float> s = setup<float>("softmax", "scale");
  const auto kept = TrainedModel<float>::keep(spec_of("softmax"), *s.model, s.preprocessing, std::nullopt, s.params);
  const Dataset<float> wide =
      gaussian_clusters<float>({.samples = 10, .features = 9, .classes = 2, .seed = 1}, 1).train;
  try {
    kept.predict(wide);
    FAIL() << "no exception";
  } catch (const MismatchError& e) {
    EXPECT_EQ(std::string(e.what()), wide.source() + ": 9 features, the model takes 6");
  }
}

TEST(TrainedModel, RefusesParametersOfAnotherLayoutOrNotFinite) {
  Trained<float> s = setup<float>("softmax", "none");
  ModelSpec spec = spec_of("softmax");
  spec.num_classes = 4;
  EXPECT_THROW(TrainedModel<float>(spec, 6, {}, {}, Parameters<float>(ParameterLayout::flat(3))), MismatchError);
  Parameters<float> bad = s.params;
  bad[4] = std::nanf("");
  EXPECT_THROW(TrainedModel<float>(spec, 6, {}, {}, bad), MismatchError);
  EXPECT_NO_THROW(TrainedModel<float>(spec, 6, {}, {}, s.params));
}

}  // namespace
}  // namespace descent
