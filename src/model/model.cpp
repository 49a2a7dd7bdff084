#include "descent/model/model.hpp"

#include <algorithm>
#include <string>

#include "descent/core/error.hpp"
#include "descent/core/size_check.hpp"
#include "label_checks.hpp"
#include "layer_stack.hpp"
#include "model_hessian.hpp"

namespace descent {

template <class T>
Model<T>::Model(const Dataset<T>& data, std::unique_ptr<detail::LayerStack<T>> stack)
    : data_(data), stack_(std::move(stack)) {}

template <class T>
Model<T>::~Model() = default;

template <class T>
std::size_t Model<T>::dimension() const {
  return stack_->layout().size();
}

template <class T>
std::size_t Model<T>::num_samples() const {
  return data_.size();
}

template <class T>
const ParameterLayout& Model<T>::layout() const {
  return stack_->layout();
}

template <class T>
std::size_t Model<T>::num_outputs() const {
  return stack_->num_outputs();
}

template <class T>
bool Model<T>::is_classifier() const {
  return stack_->config().head != detail::Head::squared_error;
}

template <class T>
void Model<T>::check_parameters(std::span<const T> x) const {
  detail::require_size(*this, "parameters", x.size(), dimension());
}

template <class T>
void Model<T>::check_batch(std::span<const std::size_t> batch, std::size_t rows, const Dataset<T>& data) const {
  for (std::size_t k = 0; k < batch.size(); ++k)
    if (batch[k] >= rows)
      throw MismatchError(this->name() + ": batch[" + std::to_string(k) + "] = " + std::to_string(batch[k]) +
                          " is out of range for the " + std::to_string(rows) + " rows of '" + data.source() + "'");
}

template <class T>
T Model<T>::value(std::span<const T> x) const {
  check_parameters(x);
  const std::size_t n = data_.size();
  if (n == 0) return T(0);
  const double sum = stack_->loss(x.data(), data_, detail::RowSet::range(0, n), T(0), nullptr);
  return static_cast<T>(sum / static_cast<double>(n) + stack_->penalty(x.data()));
}

template <class T>
T Model<T>::value_and_gradient(std::span<const T> x, std::span<T> gradient) const {
  check_parameters(x);
  detail::require_size(*this, "gradient", gradient.size(), dimension());
  const std::size_t n = data_.size();
  if (n == 0) {
    std::fill(gradient.begin(), gradient.end(), T(0));
    return T(0);
  }
  const double sum =
      stack_->loss(x.data(), data_, detail::RowSet::range(0, n), T(1) / static_cast<T>(n), gradient.data());
  stack_->add_penalty_gradient(x.data(), gradient.data());
  return static_cast<T>(sum / static_cast<double>(n) + stack_->penalty(x.data()));
}

template <class T>
T Model<T>::batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                                     std::span<T> gradient) const {
  check_parameters(x);
  detail::require_size(*this, "gradient", gradient.size(), dimension());
  check_batch(batch, data_.size(), data_);
  if (batch.empty()) {
    std::fill(gradient.begin(), gradient.end(), T(0));
    return T(0);
  }
  const double sum =
      stack_->loss(x.data(), data_, detail::RowSet::of(batch), T(1) / static_cast<T>(batch.size()), gradient.data());
  stack_->add_penalty_gradient(x.data(), gradient.data());
  return static_cast<T>(sum / static_cast<double>(batch.size()) + stack_->penalty(x.data()));
}

template <class T>
T Model<T>::batch_value_and_gradient_with_labels(std::span<const T> x, std::span<const std::size_t> batch,
                                                 std::span<const T> labels, std::span<T> gradient) const {
  check_parameters(x);
  detail::require_size(*this, "gradient", gradient.size(), dimension());
  detail::require_size(*this, "substitute labels (one per batch entry)", labels.size(), batch.size());
  check_batch(batch, data_.size(), data_);
  if (batch.empty()) {
    std::fill(gradient.begin(), gradient.end(), T(0));
    return T(0);
  }
  // The same arithmetic as batch_value_and_gradient, term for term, so that the result is
  // bitwise that of the dataset with these labels written in.
  const double sum = stack_->loss_with_labels(x.data(), data_, detail::RowSet::of(batch), labels.data(),
                                              T(1) / static_cast<T>(batch.size()), gradient.data());
  stack_->add_penalty_gradient(x.data(), gradient.data());
  return static_cast<T>(sum / static_cast<double>(batch.size()) + stack_->penalty(x.data()));
}

template <class T>
LabelSpace<T> Model<T>::label_space() const {
  LabelSpace<T> space;
  space.labels = data_.labels();
  if (is_classifier()) {
    const std::size_t outputs = num_outputs();
    // One output: logistic regression, labels {negative_label, 1}; K outputs: class indices.
    space.classes = outputs == 1 ? 2 : outputs;
    space.negative_label = outputs == 1 ? stack_->config().negative_label : T(0);
  }
  return space;
}

template <class T>
void Model<T>::per_sample_gradients(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> out) const {
  check_parameters(x);
  detail::require_size(*this, "per-sample gradients (batch size x dimension)", out.size(), batch.size() * dimension());
  check_batch(batch, data_.size(), data_);
  stack_->per_sample_gradients(x.data(), data_, detail::RowSet::of(batch), out.data());
}

template <class T>
void Model<T>::per_sample_gradient_norms(std::span<const T> x, std::span<const std::size_t> batch,
                                         std::span<T> norms) const {
  check_parameters(x);
  detail::require_size(*this, "norms", norms.size(), batch.size());
  check_batch(batch, data_.size(), data_);
  stack_->per_sample_gradient_norms(x.data(), data_, detail::RowSet::of(batch), norms.data());
}

template <class T>
T Model<T>::clipped_gradient_sum(std::span<const T> x, std::span<const std::size_t> batch,
                                 const GradientClipping& clipping, std::span<T> out) const {
  validate(clipping);
  check_parameters(x);
  detail::require_size(*this, "clipped gradient sum", out.size(), dimension());
  check_batch(batch, data_.size(), data_);
  if (batch.empty()) {
    std::fill(out.begin(), out.end(), T(0));
    return T(0);
  }
  const double sum = stack_->clipped_loss_gradient(x.data(), data_, detail::RowSet::of(batch), clipping.norm,
                                                   clipping.per_group, out.data());
  return static_cast<T>(sum / static_cast<double>(batch.size()) + stack_->penalty(x.data()));
}

template <class T>
void Model<T>::add_unclipped_gradient(std::span<const T> x, std::span<T> out) const {
  check_parameters(x);
  detail::require_size(*this, "out", out.size(), dimension());
  stack_->add_penalty_gradient(x.data(), out.data());
}

template <class T>
std::vector<std::size_t> Model<T>::parameter_groups() const {
  return stack_->layer_bounds();
}

template <class T>
bool Model<T>::has_hessian_vector() const {
  return stack_->is_single_layer();
}

template <class T>
void Model<T>::require_hessian(const char* what) const {
  if (!has_hessian_vector())
    throw MismatchError(this->name() + ": " + what +
                        ": exact Hessian-vector products exist only for the single-layer models (least squares, "
                        "logistic and softmax regression), not yet for an MLP with hidden layers");
}

template <class T>
void Model<T>::hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const {
  require_hessian("hessian_vector");
  check_parameters(x);
  detail::require_size(*this, "hessian_vector: v", v.size(), dimension());
  detail::require_size(*this, "hessian_vector: out", out.size(), dimension());
  if (detail::overlap<T>(out, v) || detail::overlap<T>(out, x))
    throw MismatchError(this->name() + ": hessian_vector: out overlaps " + (detail::overlap<T>(out, v) ? "v" : "x"));
  const std::size_t n = data_.size();
  const T scale = n > 0 ? T(1) / static_cast<T>(n) : T(0);
  stack_->hessian_product(x.data(), nullptr, data_, detail::RowSet::range(0, n), scale, v.data(), out.data());
}

template <class T>
LinearOperatorPtr<T> Model<T>::hessian_at(std::span<const T> x) const {
  require_hessian("hessian_at");
  check_parameters(x);
  return std::make_unique<detail::ModelHessian<T>>(*this, *stack_, data_, x);
}

template <class T>
bool Model<T>::is_generalized_linear() const {
  return stack_->is_single_linear_output();
}

template <class T>
T Model<T>::score_derivatives(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> slopes) const {
  if (!is_generalized_linear()) return FiniteSum<T>::score_derivatives(x, batch, slopes);
  check_parameters(x);
  detail::require_size(*this, "slopes", slopes.size(), batch.size());
  check_batch(batch, data_.size(), data_);
  if (batch.empty()) return T(0);
  const double sum = stack_->score_derivatives(x.data(), data_, detail::RowSet::of(batch), slopes.data());
  return static_cast<T>(sum / static_cast<double>(batch.size()) + stack_->penalty(x.data()));
}

template <class T>
void Model<T>::add_sample_vectors(std::span<const std::size_t> batch, std::span<const T> coefficients,
                                  std::span<T> out) const {
  if (!is_generalized_linear()) FiniteSum<T>::add_sample_vectors(batch, coefficients, out);
  detail::require_size(*this, "coefficients", coefficients.size(), batch.size());
  detail::require_size(*this, "out", out.size(), dimension());
  check_batch(batch, data_.size(), data_);
  stack_->add_weighted_rows(data_, detail::RowSet::of(batch), coefficients.data(), out.data());
}

template <class T>
void Model<T>::add_regularizer_gradient(std::span<const T> x, std::span<T> out) const {
  if (!is_generalized_linear()) FiniteSum<T>::add_regularizer_gradient(x, out);
  check_parameters(x);
  detail::require_size(*this, "out", out.size(), dimension());
  stack_->add_penalty_gradient(x.data(), out.data());
}

template <class T>
RowsEvaluation Model<T>::evaluate_rows(std::span<const T> x, const Dataset<T>& data,
                                       std::span<const std::size_t> rows) const {
  check_parameters(x);
  detail::require_width(data, stack_->config().inputs, this->name());
  check_batch(rows, data.size(), data);
  return stack_->evaluate(x.data(), data, detail::RowSet::of(rows));
}

template <class T>
void Model<T>::predict_rows(std::span<const T> x, const Dataset<T>& data, std::span<const std::size_t> rows,
                            std::span<T> predictions) const {
  check_parameters(x);
  detail::require_width(data, stack_->config().inputs, this->name());
  detail::require_size(*this, "predictions", predictions.size(), rows.size());
  check_batch(rows, data.size(), data);
  stack_->predict(x.data(), data, detail::RowSet::of(rows), predictions.data());
}

template <class T>
void Model<T>::score_rows(std::span<const T> x, const Dataset<T>& data, std::span<const std::size_t> rows,
                          std::span<T> scores) const {
  check_parameters(x);
  detail::require_width(data, stack_->config().inputs, this->name());
  detail::require_size(*this, "scores", scores.size(), rows.size() * num_outputs());
  check_batch(rows, data.size(), data);
  stack_->scores(x.data(), data, detail::RowSet::of(rows), scores.data());
}

template class Model<float>;
template class Model<double>;

}  // namespace descent
