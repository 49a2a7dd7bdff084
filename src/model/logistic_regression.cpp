#include "descent/model/logistic_regression.hpp"

#include "label_checks.hpp"
#include "layer_stack.hpp"

namespace descent {

namespace {

constexpr const char* kModel = "logistic_regression";

template <class T>
std::unique_ptr<detail::LayerStack<T>> make_stack(const Dataset<T>& data, const LinearModelOptions& options) {
  options.validate();
  detail::require_features(data, kModel);
  detail::StackConfig<T> config;
  config.negative_label = detail::binary_negative_label(data, kModel);
  config.model = kModel;
  config.inputs = data.dimension();
  config.widths = {1};
  config.weight_names = {"weight"};
  config.bias_names = {"bias"};
  config.vector_shapes = true;
  config.bias = options.bias;
  config.l2 = options.l2;
  config.head = detail::Head::logistic;
  return std::make_unique<detail::LayerStack<T>>(std::move(config));
}

}  // namespace

template <class T>
LogisticRegression<T>::LogisticRegression(const Dataset<T>& data, LinearModelOptions options)
    : Model<T>(data, make_stack(data, options)),
      options_(options),
      negative_label_(this->stack().config().negative_label) {}

template class LogisticRegression<float>;
template class LogisticRegression<double>;

}  // namespace descent
