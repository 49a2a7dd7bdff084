#include "descent/model/least_squares.hpp"

#include "single_output_stack.hpp"

namespace descent {

namespace {

constexpr const char* kModel = "least_squares_regression";

template <class T>
std::unique_ptr<detail::LayerStack<T>> make_stack(const Dataset<T>& data, const LinearModelOptions& options) {
  auto config = detail::single_output_config(data, options, kModel, detail::Head::squared_error);
  detail::require_finite_labels(data, kModel);
  return std::make_unique<detail::LayerStack<T>>(std::move(config));
}

}  // namespace

template <class T>
LeastSquares<T>::LeastSquares(const Dataset<T>& data, LinearModelOptions options)
    : Model<T>(data, make_stack(data, options)), options_(options) {}

template class LeastSquares<float>;
template class LeastSquares<double>;

}  // namespace descent
