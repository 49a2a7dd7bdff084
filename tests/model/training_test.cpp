// Short training runs on separable synthetic problems: each classifier, driven by the
// library's own loop (descent::minimize), must fit them to >= 95 % accuracy.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "descent/estimator/minibatch.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/model/evaluate.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/sgd.hpp"
#include "model_test_support.hpp"

namespace descent::testing {
namespace {

// n points in the plane (U[-2, 2]^2) labelled by `label`, keeping only points at distance
// >= margin from the decision boundary (rejection), so the classes are separable.
template <class Label, class Distance>
Dataset<double> planar_problem(std::size_t n, std::uint64_t seed, Label label, Distance distance, double margin) {
  Random rng(seed, Stream::data, 3);
  std::vector<double> values, labels;
  while (labels.size() < n) {
    const double a = 4 * rng.uniform() - 2, b = 4 * rng.uniform() - 2;
    if (distance(a, b) < margin) continue;
    values.push_back(a);
    values.push_back(b);
    labels.push_back(label(a, b));
  }
  return dense_dataset<double>(values, 2, labels, "planar");
}

TEST(Training, LogisticRegressionSeparatesAHalfPlaneWithGradientDescent) {
  // Boundary a - 2b + 0.5 = 0; distance to it is |a - 2b + 0.5| / sqrt(5).
  const auto data = planar_problem(
      200, 1, [](double a, double b) { return a - 2 * b + 0.5 > 0 ? 1.0 : -1.0; },
      [](double a, double b) { return std::abs(a - 2 * b + 0.5) / std::sqrt(5.0); }, 0.1);
  const LogisticRegression<double> model(data);
  Parameters<double> x(model.layout());
  // The logistic loss has curvature <= 1/4 |(a, 1)|^2 <= 1/4 (2^2 + 2^2 + 1): step 1/L with
  // L = 9/4 is safe.
  auto gd = sgd({.lr = constant(4.0 / 9.0)});
  const auto summary = minimize<double>(model, x, *gd, MinimizeOptions<double>{.max_steps = 300});
  EXPECT_LT(summary.final_value, std::log(2.0));
  EXPECT_GE(evaluate(model, x.flat(), data).accuracy, 0.95);
}

TEST(Training, LogisticRegressionOnSparseDataWithMinibatchSgd) {
  const auto dense = planar_problem(
      200, 2, [](double a, double b) { return a + b > 0 ? 1.0 : 0.0; },
      [](double a, double b) { return std::abs(a + b) / std::sqrt(2.0); }, 0.1);
  std::vector<double> values(dense.dense().values.begin(), dense.dense().values.end());
  std::vector<double> labels(dense.labels().begin(), dense.labels().end());
  const auto data = sparse_dataset<double>(values, 2, labels);
  const LogisticRegression<double> model(data, {.l2 = 1e-3});
  Parameters<double> x(model.layout());
  auto opt = sgd({.lr = constant(0.3)});
  MinimizeOptions<double> options{.max_steps = 400};
  options.estimator = std::make_shared<Minibatch<double>>(MinibatchOptions{.batch_size = 16, .seed = 3});
  minimize<double>(model, x, *opt, options);
  EXPECT_GE(evaluate(model, x.flat(), data).accuracy, 0.95);
}

TEST(Training, SoftmaxRegressionSeparatesThreeSectors) {
  // Three classes by the angle of (a, b): sectors of 120 degrees, with margin from the
  // three boundary rays (a linear classifier with a bias-free argmax can represent them).
  auto angle_class = [](double a, double b) {
    const double t = std::atan2(b, a) + std::numbers::pi;  // (0, 2 pi]
    return std::floor(t / (2 * std::numbers::pi / 3));
  };
  auto boundary_distance = [](double a, double b) {
    const double r = std::hypot(a, b), t = std::atan2(b, a) + std::numbers::pi;
    const double sector = 2 * std::numbers::pi / 3;
    const double to_ray = std::min(std::fmod(t, sector), sector - std::fmod(t, sector));
    return r * std::sin(std::min(to_ray, std::numbers::pi / 2));
  };
  const auto data = planar_problem(300, 4, angle_class, boundary_distance, 0.15);
  const SoftmaxRegression<double> model(data, {.num_classes = 3});
  Parameters<double> x(model.layout());
  auto opt = adam({.lr = constant(0.1)});
  minimize<double>(model, x, *opt, MinimizeOptions<double>{.max_steps = 300});
  EXPECT_GE(evaluate(model, x.flat(), data).accuracy, 0.95);
}

// Label: same sign of a and b (XOR of the signs), margin from both axes.
Dataset<double> xor_problem() {
  return planar_problem(
      200, 5, [](double a, double b) { return a * b > 0 ? 1.0 : 0.0; },
      [](double a, double b) { return std::min(std::abs(a), std::abs(b)); }, 0.15);
}

class MlpTraining : public ::testing::TestWithParam<Activation> {};

TEST_P(MlpTraining, LearnsXor) {
  const auto data = xor_problem();
  const Mlp<double> model(data, {.hidden = {16}, .activation = GetParam()});
  auto x = model.initial_parameters(6);
  auto opt = adam({.lr = constant(0.05)});
  minimize<double>(model, x, *opt, MinimizeOptions<double>{.max_steps = 400});
  EXPECT_GE(evaluate(model, x.flat(), data).accuracy, 0.95);
}

INSTANTIATE_TEST_SUITE_P(Activations, MlpTraining,
                         ::testing::Values(Activation::relu, Activation::tanh, Activation::gelu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Training, NoLinearModelFitsXor) {
  // The control for MlpTraining.LearnsXor: the hidden layer is what makes XOR learnable; the
  // best linear rule gets about half of it right.
  const auto data = xor_problem();
  const SoftmaxRegression<double> linear(data);
  Parameters<double> w(linear.layout());
  auto opt = adam({.lr = constant(0.05)});
  minimize<double>(linear, w, *opt, MinimizeOptions<double>{.max_steps = 400});
  EXPECT_LT(evaluate(linear, w.flat(), data).accuracy, 0.8);
}

}  // namespace
}  // namespace descent::testing
