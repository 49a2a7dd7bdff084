// Bad inputs give MismatchError / ConfigError messages that name the model and the problem.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/model/evaluate.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "model_test_support.hpp"

namespace descent::testing {
namespace {

// Runs `f`, expects exception E, and checks that its message contains every fragment.
template <class E, class F>
void expect_error(F f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const auto& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

Dataset<double> small(const std::vector<double>& labels, std::string source = "train.csv") {
  return dense_dataset<double>(random_features(labels.size(), 3, 70), 3, labels, std::move(source));
}

TEST(BadInput, LabelsOutOfRangeNameTheModelRowAndDataset) {
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  const auto ls_data = small({1.0, nan, 2.0});
  expect_error<MismatchError>([&] { LeastSquares<double> m(ls_data); },
                              {"least_squares_regression", "label nan of row 1", "train.csv", "not a finite target"});
  const auto binary = small({0, 1, 2, 1});
  expect_error<MismatchError>([&] { LogisticRegression<double> m(binary); },
                              {"logistic_regression", "label 2 of row 2", "not a binary label"});
  const auto mixed = small({0, 1, -1, 1});
  expect_error<MismatchError>([&] { LogisticRegression<double> m(mixed); },
                              {"logistic_regression", "mixes the 0/1 and -1/+1", "row 0 is 0", "row 2 is -1"});
  const auto classes = small({0, 1, 3, 2});
  expect_error<MismatchError>([&] { SoftmaxRegression<double> m(classes, {.num_classes = 3}); },
                              {"softmax_regression", "label 3 of row 2", "not a class index 0..2"});
  const auto fractional = small({0, 1.5, 1});
  expect_error<MismatchError>([&] { Mlp<double> m(fractional); }, {"mlp", "label 1.5 of row 1", "class index"});
  const auto negative = small({0, -1, 1});
  expect_error<MismatchError>([&] { SoftmaxRegression<double> m(negative); }, {"label -1 of row 1"});
  const auto one_class = small({0, 0, 0});
  expect_error<MismatchError>([&] { SoftmaxRegression<double> m(one_class); },
                              {"softmax_regression", "one class only", "num_classes >= 2"});
}

TEST(BadInput, OptionsOutOfRangeNameTheField) {
  const auto data = small({0, 1, 0});
  expect_error<ConfigError>([&] { LeastSquares<double> m(data, {.l2 = -1}); },
                            {"LinearModelOptions::l2 = -1 violates 0 <= l2 < inf"});
  expect_error<ConfigError>(
      [&] { LogisticRegression<double> m(data, {.l2 = std::numeric_limits<double>::infinity()}); },
      {"LinearModelOptions::l2 = inf"});
  expect_error<ConfigError>([&] { SoftmaxRegression<double> m(data, {.num_classes = 1}); },
                            {"SoftmaxRegressionOptions::num_classes = 1 violates num_classes >= 2"});
  expect_error<ConfigError>(
      [&] {
        Mlp<double> m(data, {.hidden = {4, 0}});
      },
      {"MlpOptions::hidden[1] = 0 violates hidden[i] >= 1"});
  expect_error<ConfigError>([&] { Mlp<double> m(data, {.l2 = std::nan("")}); }, {"MlpOptions::l2 = nan"});
  expect_error<ConfigError>([] { parse_activation("sigmoid"); },
                            {"unknown activation 'sigmoid'", "relu, tanh or gelu"});
  EXPECT_EQ(parse_activation("gelu"), Activation::gelu);
}

TEST(BadInput, SizesAndIndicesThatDoNotFit) {
  const auto data = small({0, 1, 2, 1});
  const Mlp<double> model(data, {.hidden = {4}});
  const std::size_t p = model.dimension();
  std::vector<double> x(p, 0.1), g(p);
  std::vector<double> short_x(p - 1);
  expect_error<MismatchError>([&] { model.value(short_x); }, {"mlp: parameters has " + std::to_string(p - 1) +
                                                              " elements, expected " + std::to_string(p)});
  std::vector<double> short_g(3);
  expect_error<MismatchError>([&] { model.value_and_gradient(x, short_g); }, {"mlp: gradient has 3 elements"});
  const std::vector<std::size_t> batch = {0, 4};
  expect_error<MismatchError>([&] { model.batch_value_and_gradient(x, batch, g); },
                              {"mlp: batch[1] = 4 is out of range for the 4 rows of 'train.csv'"});
  std::vector<double> rows(p);
  expect_error<MismatchError>([&] { model.per_sample_gradients(x, batch, rows); }, {"mlp: per-sample gradients"});
  std::vector<double> norms(1);
  expect_error<MismatchError>([&] { model.per_sample_gradient_norms(x, batch, norms); }, {"mlp: norms has 1"});
}

TEST(BadInput, EvaluationDataMustFitTheModel) {
  const auto data = small({0, 1, 2, 1});
  const SoftmaxRegression<double> model(data);
  const std::vector<double> x(model.dimension(), 0.0);
  const auto narrow = dense_dataset<double>(random_features(2, 2, 71), 2, {0, 1}, "test.csv");
  expect_error<MismatchError>([&] { evaluate(model, x, narrow); },
                              {"softmax_regression", "'test.csv' has 2 features, the model was built for 3"});
  const auto unseen = dense_dataset<double>(random_features(2, 3, 72), 3, {1, 5}, "test.csv");
  expect_error<MismatchError>([&] { evaluate(model, x, unseen); },
                              {"softmax_regression", "label 5 of row 1 of 'test.csv'", "0..2"});
  // Predictions do not read labels.
  EXPECT_EQ(predict(model, x, unseen).size(), 2u);
  expect_error<ConfigError>([&] { evaluate(model, x, data, 0); }, {"batch_size = 0 violates batch_size >= 1"});
}

TEST(BadInput, DatasetWithoutFeatures) {
  const Dataset<double> empty_width(DenseFeatures<double>{2, 0, AlignedBuffer<double>(0)}, {0, 1}, "blank.csv");
  expect_error<MismatchError>([&] { LogisticRegression<double> m(empty_width); },
                              {"logistic_regression", "'blank.csv' has no feature columns"});
}

}  // namespace
}  // namespace descent::testing
