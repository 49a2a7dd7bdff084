// The model configurations every generic test runs over: each model with and without a
// bias and an L2 term, on dense and sparse data, covering both ways the first layer reads
// its input (row by row for sparse data or fewer than 8 outputs, a GEMM otherwise).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "model_test_support.hpp"

namespace descent::testing {

enum class Labels { real, zero_one, plus_minus_one, classes };

struct ModelCase {
  std::string name;
  Labels labels;
  std::size_t classes;  // for Labels::classes
  bool sparse;
  double l2;  // the model's lambda
  std::function<std::unique_ptr<Model<double>>(const Dataset<double>&)> make;
};

inline std::vector<double> make_labels(Labels kind, std::size_t n, std::size_t classes, std::uint64_t seed) {
  switch (kind) {
    case Labels::real:
      return regression_targets(n, seed);
    case Labels::zero_one:
      return class_labels(n, 2, seed);
    case Labels::plus_minus_one: {
      auto y = class_labels(n, 2, seed);
      for (double& v : y) v = 2 * v - 1;
      return y;
    }
    case Labels::classes:
      return class_labels(n, classes, seed);
  }
  return {};
}

inline std::vector<ModelCase> model_cases() {
  std::vector<ModelCase> cases;
  for (bool sparse : {false, true}) {
    const std::string data = sparse ? "Sparse" : "Dense";
    for (bool bias : {true, false})
      for (double l2 : {0.0, 0.3}) {
        const std::string suffix = data + (bias ? "Bias" : "NoBias") + (l2 > 0 ? "L2" : "");
        const LinearModelOptions linear{.l2 = l2, .bias = bias};
        cases.push_back({"LeastSquares" + suffix, Labels::real, 0, sparse, l2, [linear](const Dataset<double>& d) {
                           return std::make_unique<LeastSquares<double>>(d, linear);
                         }});
        cases.push_back({"Logistic01" + suffix, Labels::zero_one, 0, sparse, l2, [linear](const Dataset<double>& d) {
                           return std::make_unique<LogisticRegression<double>>(d, linear);
                         }});
        cases.push_back(
            {"LogisticPm1" + suffix, Labels::plus_minus_one, 0, sparse, l2,
             [linear](const Dataset<double>& d) { return std::make_unique<LogisticRegression<double>>(d, linear); }});
        for (std::size_t k : {3, 9}) {
          const SoftmaxRegressionOptions softmax{.num_classes = 0, .l2 = l2, .bias = bias};
          cases.push_back({"Softmax" + std::to_string(k) + suffix, Labels::classes, k, sparse, l2,
                           [softmax](const Dataset<double>& d) {
                             return std::make_unique<SoftmaxRegression<double>>(d, softmax);
                           }});
        }
      }
    for (Activation act : {Activation::relu, Activation::tanh, Activation::gelu})
      for (const auto& hidden : {std::vector<std::size_t>{6, 4}, std::vector<std::size_t>{9, 5}})
        for (double l2 : {0.0, 0.2}) {
          const MlpOptions options{.hidden = hidden, .activation = act, .num_classes = 3, .l2 = l2};
          const std::string name = "Mlp" + data + std::string(to_string(act)) + std::to_string(hidden[0]) + "x" +
                                   std::to_string(hidden[1]) + (l2 > 0 ? "L2" : "");
          cases.push_back({name, Labels::classes, 3, sparse, l2,
                           [options](const Dataset<double>& d) { return std::make_unique<Mlp<double>>(d, options); }});
        }
  }
  return cases;
}

// The case's dataset: n rows, d features, labels of the case's kind.
inline Dataset<double> case_dataset(const ModelCase& c, std::size_t n, std::size_t d, std::uint64_t seed) {
  const auto values = random_features(n, d, seed);
  const auto labels = make_labels(c.labels, n, c.classes, seed);
  return c.sparse ? sparse_dataset<double>(values, d, labels) : dense_dataset<double>(values, d, labels);
}

inline std::string case_name(const ::testing::TestParamInfo<ModelCase>& info) { return info.param.name; }

}  // namespace descent::testing
