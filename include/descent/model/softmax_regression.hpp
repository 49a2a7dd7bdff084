// Multinomial logistic (softmax) regression over K classes:
//   z_i = W a_i + b (W: K x d),   p_i = softmax(z_i),
//   f_i(W, b) = -log p_i[y_i] + lambda/2 |W|_F^2 = logsumexp(z_i) - z_i[y_i] + lambda/2 |W|_F^2,
//   grad_W f_i = (p_i - e_{y_i}) a_i^T + lambda W,   grad_b f_i = p_i - e_{y_i}.
// logsumexp is taken after subtracting max_c z_i[c], so no exponential overflows.
// Labels are class indices 0..K-1. Parameters: "weight" {K, d} (row c scores class c, as
// PyTorch's nn.Linear), then "bias" {K} when options.bias.
// The dataset is kept by reference: see model/model.hpp for the lifetime and thread rules.
#pragma once

#include <cstddef>

#include "descent/model/model.hpp"

namespace descent {

struct SoftmaxRegressionOptions {
  static constexpr const char* kName = "SoftmaxRegressionOptions";
  // K >= 2, or 0 to take K = dataset.num_classes() (the largest label + 1). Give K when
  // the training data may miss the last classes.
  std::size_t num_classes = 0;
  double l2 = 0;     // lambda, 0 <= lambda < inf; the bias is not penalized
  bool bias = true;  // fit an intercept per class

  // Throws ConfigError "SoftmaxRegressionOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
class SoftmaxRegression final : public Model<T> {
 public:
  // Throws ConfigError for bad options, MismatchError for a dataset without features, a
  // label that is not a class index below K, or fewer than 2 classes in the data when K is
  // taken from it.
  explicit SoftmaxRegression(const Dataset<T>& data, SoftmaxRegressionOptions options = {});

  std::string name() const override { return "softmax_regression"; }
  std::size_t num_classes() const noexcept { return options_.num_classes; }
  // The options, with num_classes resolved.
  const SoftmaxRegressionOptions& options() const noexcept { return options_; }

 private:
  SoftmaxRegressionOptions options_;
};

}  // namespace descent
