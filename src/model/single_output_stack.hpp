// The layer stack of a single-output linear model (least squares, logistic regression):
// one affine layer d -> 1 stored as a "weight" vector {d} and a scalar "bias" {}, with
// the given loss head. The two models differ only in their head and label checks.
#pragma once

#include <memory>

#include "descent/model/linear_model_options.hpp"
#include "label_checks.hpp"
#include "layer_stack.hpp"

namespace descent::detail {

template <class T>
StackConfig<T> single_output_config(const Dataset<T>& data, const LinearModelOptions& options, const char* model,
                                    Head head) {
  options.validate();
  require_features(data, model);
  StackConfig<T> config;
  config.model = model;
  config.inputs = data.dimension();
  config.widths = {1};
  config.weight_names = {"weight"};
  config.bias_names = {"bias"};
  config.vector_shapes = true;
  config.bias = options.bias;
  config.l2 = options.l2;
  config.head = head;
  return config;
}

}  // namespace descent::detail
