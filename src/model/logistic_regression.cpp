#include "descent/model/logistic_regression.hpp"

#include "single_output_stack.hpp"

namespace descent {

namespace {

constexpr const char* kModel = "logistic_regression";

template <class T>
std::unique_ptr<detail::LayerStack<T>> make_stack(const Dataset<T>& data, const LinearModelOptions& options) {
  auto config = detail::single_output_config(data, options, kModel, detail::Head::logistic);
  config.negative_label = detail::binary_negative_label(data, kModel);
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
