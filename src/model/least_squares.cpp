#include "descent/model/least_squares.hpp"

#include "label_checks.hpp"
#include "layer_stack.hpp"

namespace descent {

namespace {

constexpr const char* kModel = "least_squares_regression";

template <class T>
std::unique_ptr<detail::LayerStack<T>> make_stack(const Dataset<T>& data, const LinearModelOptions& options) {
  options.validate();
  detail::require_features(data, kModel);
  detail::require_finite_labels(data, kModel);
  detail::StackConfig<T> config;
  config.model = kModel;
  config.inputs = data.dimension();
  config.widths = {1};
  config.weight_names = {"weight"};
  config.bias_names = {"bias"};
  config.vector_shapes = true;
  config.bias = options.bias;
  config.l2 = options.l2;
  config.head = detail::Head::squared_error;
  return std::make_unique<detail::LayerStack<T>>(std::move(config));
}

}  // namespace

template <class T>
LeastSquares<T>::LeastSquares(const Dataset<T>& data, LinearModelOptions options)
    : Model<T>(data, make_stack(data, options)), options_(options) {}

template class LeastSquares<float>;
template class LeastSquares<double>;

}  // namespace descent
