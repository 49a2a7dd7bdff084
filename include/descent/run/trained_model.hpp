// A trained model as a user keeps it: the model spec, the fitted feature preprocessing, how
// the training labels were encoded, and the parameters, independent of the data it was
// trained on. It predicts, gives class probabilities and evaluates on raw data (as read
// from a file: the preprocessing is applied here), and run/model_file.hpp saves and loads
// it.
//
//   descent::TrainedModel<float> kept(spec, train.dimension(), preprocessing, labels, params);
//   std::vector<float> labels = kept.predict(read_dataset<float>(spec_of_new_data));
//
// Predictions equal, bit for bit, those of the Model the parameters were trained with on
// the same preprocessed rows: the same kind is rebuilt with the same options over a
// one-row placeholder dataset, and its forward pass reads only the rows it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/data/dataset.hpp"
#include "descent/data/preprocess.hpp"
#include "descent/model/model.hpp"
#include "descent/model/model_spec.hpp"

namespace descent {

// How the labels of the training data were turned into the labels the model was trained on.
struct LabelEncoding {
  // Logistic regression trained one class against the rest: a raw label equal to this
  // class is the positive class 1, any other the negative label. Unset: the raw labels
  // were used as they are.
  std::optional<std::int64_t> positive_class;
  // Logistic regression: the negative class, 0 or -1 (the positive class is always 1).
  double negative_label = 0;
};

struct ModelEvaluation {
  std::size_t samples = 0;
  double mean_loss = 0;  // mean per-sample data loss (no L2 term)
  // Classifiers: the fraction predicted right; NaN for least squares or no rows.
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  // Least squares: sqrt(mean squared error); NaN for classifiers.
  double rmse = std::numeric_limits<double>::quiet_NaN();
  // Classifiers: classes x classes counts, row = true class, column = predicted class;
  // class c is the class index (softmax, MLP) or, for logistic regression, 0 = the
  // negative label and 1 = the positive class.
  std::size_t classes = 0;
  std::vector<std::size_t> confusion;
  // Per class: the fraction of its rows predicted as it (recall); NaN for a class no row has.
  std::vector<double> class_accuracy;
};

template <class T>
class TrainedModel {
 public:
  // `spec` as trained (num_classes resolved: K >= 2 for softmax and MLP), `features` the
  // input width, `params` laid out as that model's layout(). ConfigError for a spec the
  // registry cannot build, MismatchError for parameters of another layout or non-finite
  // parameters, preprocessing statistics of another width, or a negative label other than
  // 0 and -1.
  TrainedModel(ModelSpec spec, std::size_t features, FittedPreprocessing preprocessing, LabelEncoding labels,
               Parameters<T> params);
  // The kept form of `trained` (a model `spec` built over its training data) at `params`:
  // the spec with num_classes resolved and the training data's negative label.
  static TrainedModel keep(const ModelSpec& spec, const Model<T>& trained, FittedPreprocessing preprocessing,
                           std::optional<std::int64_t> positive_class, Parameters<T> params);
  // The parameter layout such a model has (ConfigError for a spec the registry refuses).
  static ParameterLayout layout_of(const ModelSpec& spec, std::size_t features, const LabelEncoding& labels);
  TrainedModel(TrainedModel&&) noexcept;
  TrainedModel& operator=(TrainedModel&&) noexcept;
  ~TrainedModel();

  const ModelSpec& spec() const noexcept { return spec_; }
  std::size_t features() const noexcept { return features_; }
  const FittedPreprocessing& preprocessing() const noexcept { return preprocessing_; }
  const LabelEncoding& label_encoding() const noexcept { return labels_; }
  const Parameters<T>& parameters() const noexcept { return params_; }
  // The model over the placeholder dataset (for its layout, name, outputs).
  const Model<T>& model() const noexcept { return *model_; }
  bool is_classifier() const { return model_->is_classifier(); }
  // Classes of predict_proba: 2 for logistic regression, K for softmax and MLP, 0 for least squares.
  std::size_t num_classes() const;
  // Free-form JSON text saved with the model (what trained it); "{}" by default.
  const std::string& training_info() const noexcept { return training_info_; }
  void set_training_info(std::string json) { training_info_ = std::move(json); }

  // `data` with the preprocessing applied and, when `encode_labels`, its labels encoded as
  // in training (one class against the rest). MismatchError for another width.
  Dataset<T> prepare(Dataset<T> data, bool encode_labels) const;
  // One prediction per row of raw data (labels not read): fitted values, the predicted
  // label in the training convention (logistic: 1 or the negative label) or class index.
  std::vector<T> predict(Dataset<T> data) const;
  // Classifiers: rows x num_classes() probabilities, row-major, computed in double from
  // the model's scores (logistic: [1 - sigmoid(z), sigmoid(z)]; softmax of the logits).
  // MismatchError for least squares.
  std::vector<double> predict_proba(Dataset<T> data) const;
  // Loss, accuracy, RMSE, confusion matrix on raw data with raw labels.
  ModelEvaluation evaluate(Dataset<T> data) const;

 private:
  ModelSpec spec_;
  std::size_t features_ = 0;
  FittedPreprocessing preprocessing_;
  LabelEncoding labels_;
  Parameters<T> params_;
  std::string training_info_ = "{}";
  std::unique_ptr<Dataset<T>> placeholder_;  // the model's dataset: one row of zeros
  std::unique_ptr<Model<T>> model_;
};

}  // namespace descent
