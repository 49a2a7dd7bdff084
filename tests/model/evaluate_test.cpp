// evaluate() and predict() over whole datasets, and the models' predictions.
#include "descent/model/evaluate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "model_test_support.hpp"

namespace descent::testing {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

TEST(Evaluate, MeanLossIsTheUnpenalizedObjectiveAndAccuracyCountsArgmaxHits) {
  const std::size_t n = 700, d = 6;  // several evaluation batches and chunks
  const auto values = random_features(n, d, 60);
  const auto labels = class_labels(n, 4, 60);
  const auto data = dense_dataset<double>(values, d, labels);
  const Mlp<double> model(data, {.hidden = {10}, .num_classes = 4});
  const auto params = model.initial_parameters(61);
  const auto x = params.flat();
  const auto predictions = predict(model, x, data);
  ASSERT_EQ(predictions.size(), n);
  std::size_t hits = 0;
  for (std::size_t i = 0; i < n; ++i) hits += predictions[i] == labels[i] ? 1 : 0;
  for (std::size_t batch_size : {1, 7, 256, 5000}) {
    const Evaluation e = evaluate(model, x, data, batch_size);
    EXPECT_EQ(e.samples, n);
    EXPECT_EQ(e.accuracy, static_cast<double>(hits) / n) << "batch size " << batch_size;
    // value() is the same mean (l2 = 0) of the same per-row losses, but computed in chunks
    // of another size, which may round each row's scores differently: sums of <= 10 terms
    // of size <= ~10 over two layers, so ~ 2 * 10 * 10 eps per score and per loss (the loss
    // is sqrt(2)-Lipschitz in the scores), plus n eps f for regrouping the sum: 1e-12 (1 + f)
    // has a margin of ten.
    const double f = model.value(x);
    EXPECT_NEAR(e.mean_loss, f, 1e-12 * (1 + f)) << "batch size " << batch_size;
  }
}

TEST(Evaluate, ExcludesTheL2TermAndWorksOnAnotherDatasetOfTheSameWidth) {
  const auto train_values = random_features(50, 3, 62);
  const auto train = dense_dataset<double>(train_values, 3, class_labels(50, 2, 62));
  const auto test_values = random_features(9, 3, 63);
  const auto test = sparse_dataset<double>(test_values, 3, class_labels(9, 2, 63), "test.svm");
  const LogisticRegression<double> penalized(train, {.l2 = 5.0});
  const LogisticRegression<double> plain(train, {.l2 = 0.0});
  const auto x = random_parameters<double>(penalized.dimension(), 64);
  const Evaluation a = evaluate(penalized, x, test);
  const Evaluation b = evaluate(plain, x, test);
  EXPECT_EQ(a.mean_loss, b.mean_loss);
  EXPECT_EQ(a.accuracy, b.accuracy);
  EXPECT_EQ(a.samples, 9u);
}

TEST(Predict, LogisticFollowsTheTrainingLabelConvention) {
  const auto values = random_features(8, 2, 65, 0.0);
  for (double negative : {0.0, -1.0}) {
    const auto data = dense_dataset<double>(values, 2, {1, negative, 1, negative, 1, 1, negative, negative});
    const LogisticRegression<double> model(data);
    const std::vector<double> x = {1.0, -0.5, 0.25};  // w = (1, -0.5), b = 0.25
    const auto p = predict(model, x, data);
    for (std::size_t i = 0; i < 8; ++i) {
      const double z = values[i * 2] - 0.5 * values[i * 2 + 1] + 0.25;
      EXPECT_EQ(p[i], z > 0 ? 1.0 : negative) << "row " << i;
    }
  }
}

TEST(Predict, LeastSquaresGivesTheFittedValuesAndNoAccuracy) {
  const auto values = random_features(5, 3, 66, 0.0);
  const auto data = dense_dataset<double>(values, 3, {1, 2, 3, 4, 5});
  const LeastSquares<double> model(data);
  const std::vector<double> x = {0.5, -1.0, 2.0, 0.125};
  const auto p = predict(model, x, data, 2);
  for (std::size_t i = 0; i < 5; ++i) {
    const double z = 0.125 + 0.5 * values[i * 3] - values[i * 3 + 1] + 2 * values[i * 3 + 2];
    // Four terms of size <= sum |terms|: within 4 eps of it.
    EXPECT_NEAR(
        p[i], z,
        4 * kEps *
            (0.125 + std::abs(0.5 * values[i * 3]) + std::abs(values[i * 3 + 1]) + std::abs(2 * values[i * 3 + 2])));
  }
  const Evaluation e = evaluate(model, x, data);
  EXPECT_TRUE(std::isnan(e.accuracy));
  EXPECT_FALSE(model.is_classifier());
}

TEST(Predict, SoftmaxPicksTheHighestScore) {
  // One feature a, no bias: scores (a, -a, 0): class 0 for a > 0, class 1 for a < 0,
  // and class 0 (the first of three equal scores) for a = 0.
  const auto data = dense_dataset<double>({2.0, -3.0, 0.0}, 1, {0, 1, 2});
  const SoftmaxRegression<double> model(data, {.bias = false});
  const std::vector<double> x = {1.0, -1.0, 0.0};
  EXPECT_EQ(predict(model, x, data), (std::vector<double>{0, 1, 0}));
}

TEST(Evaluate, EmptyDatasetHasNoLossAndNoAccuracy) {
  const auto train = dense_dataset<double>({1.0, 2.0}, 1, {0, 1});
  const auto empty = dense_dataset<double>({}, 1, {});
  const SoftmaxRegression<double> model(train);
  const std::vector<double> x(model.dimension(), 0.0);
  const Evaluation e = evaluate(model, x, empty);
  EXPECT_EQ(e.samples, 0u);
  EXPECT_EQ(e.mean_loss, 0.0);
  EXPECT_TRUE(std::isnan(e.accuracy));
  EXPECT_TRUE(predict(model, x, empty).empty());
}

}  // namespace
}  // namespace descent::testing
