// Linear least squares over a dataset (ridge regression when l2 > 0):
//   f_i(w, b) = 1/2 (a_i . w + b - y_i)^2 + lambda/2 |w|^2,
//   grad_w f_i = r_i a_i + lambda w,   grad_b f_i = r_i,   r_i = a_i . w + b - y_i.
// Parameters: "weight" {d}, then "bias" {} (a scalar) when options.bias.
// Dense or sparse features; labels are the real targets (every one must be finite).
// The dataset is kept by reference: see model/model.hpp for the lifetime and thread rules.
#pragma once

#include "descent/model/linear_model_options.hpp"
#include "descent/model/model.hpp"

namespace descent {

template <class T>
class LeastSquares final : public Model<T> {
 public:
  // Throws ConfigError for bad options, MismatchError for a dataset without features or
  // with a label that is not finite (naming the row).
  explicit LeastSquares(const Dataset<T>& data, LinearModelOptions options = {});

  std::string name() const override { return "least_squares_regression"; }
  const LinearModelOptions& options() const noexcept { return options_; }

 private:
  LinearModelOptions options_;
};

}  // namespace descent
