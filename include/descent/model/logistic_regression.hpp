// Binary logistic regression:
//   f_i(w, b) = log(1 + exp(-s_i z_i)) + lambda/2 |w|^2,   z_i = a_i . w + b,
//   grad_w f_i = -s_i sigma(-s_i z_i) a_i + lambda w,   grad_b f_i = -s_i sigma(-s_i z_i),
// with s_i = +1 for a positive label and -1 for a negative one. Labels may follow either
// convention, {0, 1} (as in CSV files) or {-1, +1} (as in libsvm files): 1 is positive,
// 0 or -1 negative. One dataset must not mix 0 and -1. The loss is evaluated as
// max(t, 0) + log1p(exp(-|t|)) and sigma(t) through exp of -|t| only, so nothing
// overflows for any z.
// Parameters: "weight" {d}, then "bias" {} (a scalar) when options.bias.
// The dataset is kept by reference: see model/model.hpp for the lifetime and thread rules.
#pragma once

#include "descent/model/linear_model_options.hpp"
#include "descent/model/model.hpp"

namespace descent {

template <class T>
class LogisticRegression final : public Model<T> {
 public:
  // Throws ConfigError for bad options, MismatchError for a dataset without features, a
  // label outside {-1, 0, 1}, or labels that mix 0 and -1 (naming the rows).
  explicit LogisticRegression(const Dataset<T>& data, LinearModelOptions options = {});

  std::string name() const override { return "logistic_regression"; }
  const LinearModelOptions& options() const noexcept { return options_; }
  // The label predicted for z <= 0: 0 or -1, as in the training data (0 when no label is
  // negative).
  T negative_label() const noexcept { return negative_label_; }

 private:
  LinearModelOptions options_;
  T negative_label_ = 0;
};

}  // namespace descent
