#include "descent/model/softmax_regression.hpp"

#include <cmath>

#include "descent/core/error.hpp"
#include "label_checks.hpp"
#include "layer_stack.hpp"

namespace descent {

namespace {

constexpr const char* kModel = "softmax_regression";

template <class T>
std::unique_ptr<detail::LayerStack<T>> make_stack(const Dataset<T>& data, const SoftmaxRegressionOptions& options) {
  options.validate();
  detail::require_features(data, kModel);
  detail::StackConfig<T> config;
  config.model = kModel;
  config.inputs = data.dimension();
  config.widths = {detail::resolve_num_classes(data, options.num_classes, kModel)};
  config.weight_names = {"weight"};
  config.bias_names = {"bias"};
  config.bias = options.bias;
  config.l2 = options.l2;
  config.head = detail::Head::softmax_cross_entropy;
  return std::make_unique<detail::LayerStack<T>>(std::move(config));
}

}  // namespace

void SoftmaxRegressionOptions::validate() const {
  require(num_classes == 0 || num_classes >= 2, kName, "num_classes", static_cast<double>(num_classes),
          "num_classes >= 2 (or 0: from the dataset)");
  require(std::isfinite(l2) && l2 >= 0, kName, "l2", l2, "0 <= l2 < inf");
}

template <class T>
SoftmaxRegression<T>::SoftmaxRegression(const Dataset<T>& data, SoftmaxRegressionOptions options)
    : Model<T>(data, make_stack(data, options)), options_(options) {
  options_.num_classes = this->stack().num_outputs();
}

template class SoftmaxRegression<float>;
template class SoftmaxRegression<double>;

}  // namespace descent
