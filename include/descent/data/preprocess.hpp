// Preparing a dataset for training: feature scaling fitted on one dataset and applied to
// others (so test data is scaled with the training statistics), a deterministic
// train/validation split, and binary label encodings.
//
// Statistics are computed in double whatever T is, and each scaled value is computed in
// double and rounded once to T.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "descent/data/dataset.hpp"

namespace descent {

// x -> (x - min) / (max - min) per column, so that the fitted data lands in [0, 1].
// Other data may land outside [0, 1]: values are not clipped. A constant column
// (max == min) is only shifted, x -> x - min (its range is taken as 1), so it becomes 0
// instead of a division by zero. On sparse data a column's min counts its implicit
// zeros; applying to sparse data requires every min to be 0 (else zeros would turn into
// nonzeros), which holds for nonnegative sparse features such as counts or tf-idf.
template <class T>
class MinMaxScaler {
 public:
  static MinMaxScaler fit(const Dataset<T>& data);
  // A scaler with statistics fitted before (read from a model file); MismatchError unless
  // both have the same length and every value is finite with min <= max.
  static MinMaxScaler from_statistics(std::vector<double> min, std::vector<double> max);
  // Scales `data` in place; throws MismatchError if its dimension differs from the
  // fitted one, or if it is sparse and a fitted min is not 0.
  void apply(Dataset<T>& data) const;

  const std::vector<double>& min() const noexcept { return min_; }
  const std::vector<double>& max() const noexcept { return max_; }

 private:
  std::vector<double> min_, max_;
};

struct StandardizeOptions {
  // Subtract the mean. Centering sparse data would make it dense, so sparse data needs
  // center = false (then it is only divided by the standard deviation).
  bool center = true;
};

// x -> (x - mean) / std per column with the population standard deviation (divide by
// n) of the data it was fitted on: fit it on the training split only, and apply it to
// both splits. A constant column gets std 1, so it is only centered (to 0 on the
// fitted data). On sparse data, mean and std count the implicit zeros.
template <class T>
class Standardizer {
 public:
  static Standardizer fit(const Dataset<T>& train, StandardizeOptions options = {});
  // A standardizer with statistics fitted before; MismatchError unless both have the same
  // length, every mean is finite and every std finite and > 0.
  static Standardizer from_statistics(std::vector<double> mean, std::vector<double> std_dev,
                                      StandardizeOptions options = {});
  // Transforms `data` in place; throws MismatchError on a dimension mismatch, or for
  // sparse data when centering.
  void apply(Dataset<T>& data) const;

  const std::vector<double>& mean() const noexcept { return mean_; }
  const std::vector<double>& std_dev() const noexcept { return std_; }  // 1 for constant columns
  const StandardizeOptions& options() const noexcept { return options_; }

 private:
  std::vector<double> mean_, std_;
  StandardizeOptions options_;
};

// The feature preprocessing of a training job as one value: which transform, and the
// statistics it was fitted with, so that a saved model applies to new data exactly what
// its training data went through.
struct FittedPreprocessing {
  std::string kind = "none";  // "none", "scale" (MinMaxScaler), "standardize" (Standardizer)
  bool center = true;         // standardize: subtract the mean (false for sparse data)
  std::vector<double> first;  // scale: the column minima; standardize: the means
  std::vector<double> second;  // scale: the column maxima; standardize: the standard deviations

  // Fits `kind` on `train` (standardize centers only dense data); ConfigError for an
  // unknown kind.
  template <class T>
  static FittedPreprocessing fit(const std::string& kind, const Dataset<T>& train);
  // Applies the fitted transform in place (nothing for "none"); MismatchError as the
  // scalers throw it (a dimension mismatch, sparse data that would turn dense).
  template <class T>
  void apply(Dataset<T>& data) const;
};

template <class T>
struct TrainValidationSplit {
  Dataset<T> train, validation;
};

// Shuffles the rows with a Fisher-Yates shuffle driven by Random(seed, Stream::data)
// and puts the first round(validation_fraction * n) of them in `validation`, the rest,
// in shuffled order, in `train`. The same seed gives the same split on every machine.
// Throws ConfigError unless 0 < validation_fraction < 1 and both parts get a row.
template <class T>
TrainValidationSplit<T> train_validation_split(const Dataset<T>& data, double validation_fraction, std::uint64_t seed);

enum class BinaryEncoding {
  minus_one_plus_one,  // negative class -1, positive class +1 (hinge, logistic in margin form)
  zero_one,            // negative class 0, positive class 1 (cross-entropy on probabilities)
};

// Maps labels that take exactly two distinct values to the encoding: `positive` (by
// default the larger value) becomes +1 or 1, the other value -1 or 0. Throws
// MismatchError naming the values found when there are not exactly two, or when
// `positive` is not one of them.
// (type_identity: T comes from the dataset, so a plain T converts to the optional.)
template <class T>
void remap_binary_labels(Dataset<T>& data, BinaryEncoding encoding,
                         std::type_identity_t<std::optional<T>> positive = std::nullopt);

// One class against the rest: label == positive_class becomes +1 or 1, any other label
// -1 or 0. Throws MismatchError if no row has label positive_class (a likely typo).
template <class T>
void one_vs_rest(Dataset<T>& data, std::type_identity_t<T> positive_class, BinaryEncoding encoding);

}  // namespace descent
