// Loss and accuracy of a model over a whole dataset (a test set, or the training set),
// and its predictions, computed batch by batch so that memory stays bounded.
//
//   descent::SoftmaxRegression<float> model(train);
//   ... train x ...
//   const auto e = descent::evaluate(model, x.flat(), test);  // e.mean_loss, e.accuracy
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "descent/model/model.hpp"

namespace descent {

struct Evaluation {
  // Mean per-sample data loss over the dataset, without the L2 term (the number usually
  // reported as "test loss"); 0 for an empty dataset.
  double mean_loss = 0;
  // Fraction of rows whose predicted class is the label; NaN for least squares (not a
  // classifier) and for an empty dataset.
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  std::size_t samples = 0;
};

// Throws ConfigError for batch_size = 0, MismatchError for parameters of the wrong length,
// a dataset of another width, or labels the model cannot score.
template <class T>
Evaluation evaluate(const Model<T>& model, std::type_identity_t<std::span<const T>> x, const Dataset<T>& data,
                    std::size_t batch_size = 256);

// One prediction per row of `data` (see Model::predict_rows; labels are not read): fitted values, predicted
// labels or class indices.
template <class T>
std::vector<T> predict(const Model<T>& model, std::type_identity_t<std::span<const T>> x, const Dataset<T>& data,
                       std::size_t batch_size = 256);

}  // namespace descent
