// Checks of a dataset against a model, with messages that name the model, the dataset
// and the offending row: "logistic_regression: label 2 of row 7 of 'train.svm' is not a
// binary label (0/1 or -1/+1)".
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include "descent/data/dataset.hpp"

namespace descent::detail {

inline bool is_binary_label(double y) { return y == 0 || y == 1 || y == -1; }
inline bool is_class_index(double y, std::size_t classes) {
  return y >= 0 && y < static_cast<double>(classes) && y == std::floor(y);
}

// Throws MismatchError "<model>: label <y> of row <row> of '<source>' <problem>".
[[noreturn]] void throw_bad_label(std::string_view model, std::string_view source, std::size_t row, double label,
                                  std::string_view problem);

// Throws MismatchError unless the dataset has at least one feature column.
template <class T>
void require_features(const Dataset<T>& data, std::string_view model);

// Throws MismatchError unless data.dimension() == inputs (a test set for a trained model).
template <class T>
void require_width(const Dataset<T>& data, std::size_t inputs, std::string_view model);

// Every label finite (least squares targets).
template <class T>
void require_finite_labels(const Dataset<T>& data, std::string_view model);

// Every label in {0, 1} or every label in {-1, 1}; returns the negative label (0 when no
// label is negative, so that a one-class dataset of 1s follows the 0/1 convention).
template <class T>
T binary_negative_label(const Dataset<T>& data, std::string_view model);

// The number of classes: `requested` if > 0 (every label must be an index below it), else
// the largest label + 1, which must be >= 2.
template <class T>
std::size_t resolve_num_classes(const Dataset<T>& data, std::size_t requested, std::string_view model);

}  // namespace descent::detail
