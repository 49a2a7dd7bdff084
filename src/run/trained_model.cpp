#include "descent/run/trained_model.hpp"

#include <algorithm>
#include <cmath>

#include "descent/core/error.hpp"
#include "descent/model/evaluate.hpp"
#include "descent/run/build.hpp"

namespace descent {
namespace {

// The model's batch size for predictions and evaluations: the one model/evaluate.hpp's
// callers use, so that a kept model and the in-memory one cut the rows alike.
constexpr std::size_t kBatch = 256;

template <class T>
std::unique_ptr<Dataset<T>> placeholder_dataset(const ModelSpec& spec, std::size_t features, double negative_label) {
  DenseFeatures<T> x{1, features, AlignedBuffer<T>(features, T(0))};
  // A label every kind accepts: the negative class of a logistic model (which the model
  // reads as its label convention), class 0 or a target 0 otherwise.
  const T label = spec.kind == "logistic" ? static_cast<T>(negative_label) : T(0);
  return std::make_unique<Dataset<T>>(std::move(x), std::vector<T>{label}, "model placeholder");
}

std::vector<std::size_t> all_rows(std::size_t n) {
  std::vector<std::size_t> rows(n);
  for (std::size_t i = 0; i < n; ++i) rows[i] = i;
  return rows;
}

}  // namespace

template <class T>
TrainedModel<T>::TrainedModel(ModelSpec spec, std::size_t features, FittedPreprocessing preprocessing,
                              LabelEncoding labels, Parameters<T> params)
    : spec_(std::move(spec)),
      features_(features),
      preprocessing_(std::move(preprocessing)),
      labels_(labels),
      params_(std::move(params)) {
  if (features_ == 0) throw MismatchError("trained model: 0 input features");
  if (labels_.negative_label != 0 && labels_.negative_label != -1)
    throw MismatchError("trained model: negative label " + format_number(labels_.negative_label) +
                        " (must be 0 or -1)");
  if (preprocessing_.kind != "none" &&
      (preprocessing_.first.size() != features_ || preprocessing_.second.size() != features_))
    throw MismatchError("trained model: preprocessing statistics for " + std::to_string(preprocessing_.first.size()) +
                        " columns, the model has " + std::to_string(features_) + " features");
  placeholder_ = placeholder_dataset<T>(spec_, features_, labels_.negative_label);
  model_ = build_model<T>(spec_, *placeholder_);
  if (!(params_.layout() == model_->layout())) {
    std::string expected;
    for (const auto& b : model_->layout().blocks()) expected += (expected.empty() ? "" : ", ") + b.name;
    throw MismatchError("trained model: the parameters' blocks are not those of " + model_->name() + " (" + expected +
                        ")");
  }
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (!std::isfinite(static_cast<double>(params_[i])))
      throw MismatchError("trained model: parameter " + std::to_string(i) + " is not finite");
}

template <class T>
TrainedModel<T> TrainedModel<T>::keep(const ModelSpec& spec, const Model<T>& trained, FittedPreprocessing preprocessing,
                                      std::optional<std::int64_t> positive_class, Parameters<T> params) {
  ModelSpec resolved = spec;
  if (trained.num_outputs() > 1) resolved.num_classes = trained.num_outputs();
  LabelEncoding labels;
  labels.positive_class = positive_class;
  if (trained.is_classifier() && trained.num_outputs() == 1)
    labels.negative_label = trained.label_space().negative_label;
  return TrainedModel(std::move(resolved), trained.dataset().dimension(), std::move(preprocessing), labels,
                      std::move(params));
}

template <class T>
ParameterLayout TrainedModel<T>::layout_of(const ModelSpec& spec, std::size_t features, const LabelEncoding& labels) {
  const auto placeholder = placeholder_dataset<T>(spec, features, labels.negative_label);
  return build_model<T>(spec, *placeholder)->layout();
}

template <class T>
TrainedModel<T>::TrainedModel(TrainedModel&&) noexcept = default;
template <class T>
TrainedModel<T>& TrainedModel<T>::operator=(TrainedModel&&) noexcept = default;
template <class T>
TrainedModel<T>::~TrainedModel() = default;

template <class T>
std::size_t TrainedModel<T>::num_classes() const {
  if (!model_->is_classifier()) return 0;
  return model_->num_outputs() == 1 ? 2 : model_->num_outputs();
}

template <class T>
Dataset<T> TrainedModel<T>::prepare(Dataset<T> data, bool encode_labels) const {
  if (data.dimension() != features_)
    throw MismatchError(data.source() + ": " + std::to_string(data.dimension()) + " features, the model takes " +
                        std::to_string(features_));
  preprocessing_.apply(data);
  if (encode_labels && labels_.positive_class) {
    const T positive = static_cast<T>(*labels_.positive_class);
    for (T& y : data.labels()) y = y == positive ? T(1) : static_cast<T>(labels_.negative_label);
  }
  return data;
}

template <class T>
std::vector<T> TrainedModel<T>::predict(Dataset<T> data) const {
  const Dataset<T> prepared = prepare(std::move(data), false);
  return descent::predict(*model_, params_.flat(), prepared, kBatch);
}

template <class T>
std::vector<double> TrainedModel<T>::predict_proba(Dataset<T> data) const {
  if (!model_->is_classifier())
    throw MismatchError(model_->name() + " is a regression model: it has no class probabilities");
  const Dataset<T> prepared = prepare(std::move(data), false);
  const std::size_t n = prepared.size(), outputs = model_->num_outputs(), classes = num_classes();
  std::vector<T> scores(n * outputs);
  const std::vector<std::size_t> rows = all_rows(n);
  model_->score_rows(params_.flat(), prepared, rows, scores);
  std::vector<double> proba(n * classes);
  for (std::size_t i = 0; i < n; ++i) {
    double* p = proba.data() + i * classes;
    const T* z = scores.data() + i * outputs;
    if (outputs == 1) {
      // sigmoid without overflow: exp of a non-positive number only.
      const double s = z[0];
      const double e = std::exp(-std::abs(s));
      const double positive = s >= 0 ? 1 / (1 + e) : e / (1 + e);
      p[0] = s >= 0 ? e / (1 + e) : 1 / (1 + e);
      p[1] = positive;
    } else {
      const double top = *std::max_element(z, z + outputs);
      double sum = 0;
      for (std::size_t c = 0; c < outputs; ++c) sum += p[c] = std::exp(static_cast<double>(z[c]) - top);
      for (std::size_t c = 0; c < outputs; ++c) p[c] /= sum;
    }
  }
  return proba;
}

template <class T>
ModelEvaluation TrainedModel<T>::evaluate(Dataset<T> data) const {
  const Dataset<T> prepared = prepare(std::move(data), true);
  const Evaluation e = descent::evaluate(*model_, params_.flat(), prepared, kBatch);
  ModelEvaluation result;
  result.samples = e.samples;
  result.mean_loss = e.mean_loss;
  result.accuracy = e.accuracy;
  const std::vector<T> predictions = descent::predict(*model_, params_.flat(), prepared, kBatch);
  const auto labels = prepared.labels();
  if (!model_->is_classifier()) {
    if (!predictions.empty()) {
      double squares = 0;
      for (std::size_t i = 0; i < predictions.size(); ++i) {
        const double r = static_cast<double>(predictions[i]) - static_cast<double>(labels[i]);
        squares += r * r;
      }
      result.rmse = std::sqrt(squares / static_cast<double>(predictions.size()));
    }
    return result;
  }
  const std::size_t k = num_classes();
  const bool binary = model_->num_outputs() == 1;
  // evaluate() above has checked every label: a class index below k, or 1 / the negative label.
  const auto index = [&](T v) { return binary ? std::size_t(v == T(1)) : static_cast<std::size_t>(v); };
  result.classes = k;
  result.confusion.assign(k * k, 0);
  for (std::size_t i = 0; i < predictions.size(); ++i) ++result.confusion[index(labels[i]) * k + index(predictions[i])];
  result.class_accuracy.assign(k, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t c = 0; c < k; ++c) {
    std::size_t total = 0;
    for (std::size_t j = 0; j < k; ++j) total += result.confusion[c * k + j];
    if (total > 0)
      result.class_accuracy[c] = static_cast<double>(result.confusion[c * k + c]) / static_cast<double>(total);
  }
  return result;
}

template class TrainedModel<float>;
template class TrainedModel<double>;

}  // namespace descent
