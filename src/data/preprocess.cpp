#include "descent/data/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"

namespace descent {
namespace {

// Per-column first and second moments and extremes, in double. Sparse data counts its
// implicit zeros: a column stored in k of n rows has n - k zeros.
struct ColumnStats {
  std::vector<double> min, max, mean, variance;
};

template <class T>
ColumnStats column_stats(const Dataset<T>& data, bool with_variance) {
  const std::size_t n = data.size(), d = data.dimension();
  if (n == 0) throw MismatchError(data.source() + ": cannot fit a scaler on an empty dataset");
  ColumnStats s{std::vector<double>(d, INFINITY), std::vector<double>(d, -INFINITY), std::vector<double>(d, 0.0),
                std::vector<double>(d, 0.0)};
  if (!data.is_sparse()) {
    const T* x = data.dense().values.data();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < d; ++j) {
        const double v = x[i * d + j];
        s.min[j] = std::min(s.min[j], v);
        s.max[j] = std::max(s.max[j], v);
        s.mean[j] += v;
      }
    for (double& m : s.mean) m /= static_cast<double>(n);
    // Two passes (mean, then squared deviations) rather than E[x^2] - E[x]^2, which
    // cancels catastrophically when |mean| >> std.
    if (with_variance)
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j) {
          const double deviation = x[i * d + j] - s.mean[j];
          s.variance[j] += deviation * deviation;
        }
  } else {
    const auto& f = data.sparse();
    std::vector<std::size_t> stored(d, 0);
    for (std::size_t k = 0; k < f.values.size(); ++k) {
      const auto j = static_cast<std::size_t>(f.columns[k]);
      const double v = f.values[k];
      s.min[j] = std::min(s.min[j], v);
      s.max[j] = std::max(s.max[j], v);
      s.mean[j] += v;
      ++stored[j];
    }
    for (std::size_t j = 0; j < d; ++j) {
      if (stored[j] < n) {
        s.min[j] = std::min(s.min[j], 0.0);
        s.max[j] = std::max(s.max[j], 0.0);
      }
      s.mean[j] /= static_cast<double>(n);
    }
    if (with_variance) {
      for (std::size_t k = 0; k < f.values.size(); ++k) {
        const auto j = static_cast<std::size_t>(f.columns[k]);
        const double deviation = f.values[k] - s.mean[j];
        s.variance[j] += deviation * deviation;
      }
      for (std::size_t j = 0; j < d; ++j) s.variance[j] += static_cast<double>(n - stored[j]) * s.mean[j] * s.mean[j];
    }
  }
  for (double& v : s.variance) v /= static_cast<double>(n);
  return s;
}

template <class T>
void check_dimension(const Dataset<T>& data, std::size_t fitted, const char* what) {
  if (data.dimension() != fitted)
    throw MismatchError(data.source() + ": " + std::to_string(data.dimension()) + " columns, but the " + what +
                        " was fitted on " + std::to_string(fitted));
}

// x -> (x - shift[j]) / scale[j], computed in double and rounded once to T. Sparse data
// must have shift 0 (checked by the caller); its stored values are rescaled in a copy
// because Dataset exposes sparse features read-only.
template <class T>
void affine_columns(Dataset<T>& data, const std::vector<double>& shift, const std::vector<double>& scale) {
  const std::size_t d = data.dimension();
  if (!data.is_sparse()) {
    T* x = data.dense().values.data();
    for (std::size_t i = 0; i < data.size(); ++i)
      for (std::size_t j = 0; j < d; ++j) x[i * d + j] = static_cast<T>((x[i * d + j] - shift[j]) / scale[j]);
    return;
  }
  SparseFeatures<T> f = data.sparse();
  for (std::size_t k = 0; k < f.values.size(); ++k)
    f.values[k] = static_cast<T>(f.values[k] / scale[static_cast<std::size_t>(f.columns[k])]);
  std::vector<T> labels(data.labels().begin(), data.labels().end());
  data = Dataset<T>(std::move(f), std::move(labels), data.source());
}

template <class T>
T encoded(bool positive, BinaryEncoding encoding) {
  if (positive) return T(1);
  return encoding == BinaryEncoding::minus_one_plus_one ? T(-1) : T(0);
}

}  // namespace

template <class T>
MinMaxScaler<T> MinMaxScaler<T>::fit(const Dataset<T>& data) {
  ColumnStats s = column_stats(data, false);
  MinMaxScaler scaler;
  scaler.min_ = std::move(s.min);
  scaler.max_ = std::move(s.max);
  return scaler;
}

namespace {
void check_statistics(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  if (a.size() != b.size())
    throw MismatchError(std::string(what) + ": " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
                        " statistics (one of each per column)");
  for (std::size_t j = 0; j < a.size(); ++j)
    if (!std::isfinite(a[j]) || !std::isfinite(b[j]))
      throw MismatchError(std::string(what) + ": column " + std::to_string(j) + " has a statistic that is not finite");
}
}  // namespace

template <class T>
MinMaxScaler<T> MinMaxScaler<T>::from_statistics(std::vector<double> min, std::vector<double> max) {
  check_statistics(min, max, "min-max scaler");
  for (std::size_t j = 0; j < min.size(); ++j)
    if (min[j] > max[j])
      throw MismatchError("min-max scaler: column " + std::to_string(j) + " has min " + format_number(min[j]) +
                          " > max " + format_number(max[j]));
  MinMaxScaler scaler;
  scaler.min_ = std::move(min);
  scaler.max_ = std::move(max);
  return scaler;
}

template <class T>
void MinMaxScaler<T>::apply(Dataset<T>& data) const {
  check_dimension(data, min_.size(), "min-max scaler");
  if (data.is_sparse())
    for (std::size_t j = 0; j < min_.size(); ++j)
      if (min_[j] != 0)
        throw MismatchError(data.source() + ": column " + std::to_string(j) + " has fitted min " +
                            format_number(min_[j]) +
                            ": min-max scaling of sparse data needs min 0 in every column (implicit zeros would "
                            "become nonzero); use preprocess standardize (which keeps sparse data uncentered) or none");
  std::vector<double> range(min_.size());
  for (std::size_t j = 0; j < range.size(); ++j) range[j] = max_[j] > min_[j] ? max_[j] - min_[j] : 1.0;
  affine_columns(data, min_, range);
}

template <class T>
Standardizer<T> Standardizer<T>::fit(const Dataset<T>& train, StandardizeOptions options) {
  if (train.is_sparse() && options.center)
    throw MismatchError(train.source() +
                        ": centering sparse data would make it dense; use StandardizeOptions{.center = false}");
  ColumnStats s = column_stats(train, true);
  Standardizer standardizer;
  standardizer.options_ = options;
  standardizer.mean_ = std::move(s.mean);
  standardizer.std_.resize(standardizer.mean_.size());
  // A column is constant when its extremes are equal: an exact test, unlike a variance
  // threshold, which rounding in the mean would defeat.
  for (std::size_t j = 0; j < s.variance.size(); ++j)
    standardizer.std_[j] = s.max[j] > s.min[j] ? std::sqrt(s.variance[j]) : 1.0;
  return standardizer;
}

template <class T>
Standardizer<T> Standardizer<T>::from_statistics(std::vector<double> mean, std::vector<double> std_dev,
                                                 StandardizeOptions options) {
  check_statistics(mean, std_dev, "standardizer");
  for (std::size_t j = 0; j < std_dev.size(); ++j)
    if (!(std_dev[j] > 0))
      throw MismatchError("standardizer: column " + std::to_string(j) + " has standard deviation " +
                          format_number(std_dev[j]) + " (must be > 0)");
  Standardizer standardizer;
  standardizer.options_ = options;
  standardizer.mean_ = std::move(mean);
  standardizer.std_ = std::move(std_dev);
  return standardizer;
}

template <class T>
void Standardizer<T>::apply(Dataset<T>& data) const {
  check_dimension(data, mean_.size(), "standardizer");
  if (data.is_sparse() && options_.center)
    throw MismatchError(data.source() +
                        ": centering sparse data would make it dense; use StandardizeOptions{.center = false}");
  affine_columns(data, options_.center ? mean_ : std::vector<double>(mean_.size(), 0.0), std_);
}

template <class T>
TrainValidationSplit<T> train_validation_split(const Dataset<T>& data, double validation_fraction, std::uint64_t seed) {
  require(validation_fraction > 0 && validation_fraction < 1, "train_validation_split", "validation_fraction",
          validation_fraction, "0 < validation_fraction < 1");
  const std::size_t n = data.size();
  const auto validation_rows = static_cast<std::size_t>(std::llround(validation_fraction * static_cast<double>(n)));
  if (validation_rows == 0 || validation_rows == n)
    throw ConfigError("train_validation_split: validation_fraction = " + format_number(validation_fraction) + " of " +
                      std::to_string(n) + " rows leaves " + (validation_rows == 0 ? "validation" : "train") + " empty");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  Random random(seed, Stream::data);
  for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[random.below(i + 1)]);
  const std::span<const std::size_t> all(order);
  return {data.subset(all.subspan(validation_rows)), data.subset(all.first(validation_rows))};
}

template <class T>
void remap_binary_labels(Dataset<T>& data, BinaryEncoding encoding, std::type_identity_t<std::optional<T>> positive) {
  std::vector<T> distinct;
  for (T y : data.labels())
    if (std::find(distinct.begin(), distinct.end(), y) == distinct.end()) {
      distinct.push_back(y);
      if (distinct.size() > 2) break;
    }
  if (distinct.size() != 2) {
    std::string found;
    for (T y : distinct) found += (found.empty() ? "" : ", ") + format_number(static_cast<double>(y));
    throw MismatchError(data.source() + ": binary labels need exactly two distinct values, found " +
                        (distinct.size() > 2 ? "more than two (" + found + ", ...)"
                         : found.empty()     ? "none"
                                             : found));
  }
  const T chosen = positive.value_or(std::max(distinct[0], distinct[1]));
  if (chosen != distinct[0] && chosen != distinct[1])
    throw MismatchError(data.source() + ": positive label " + format_number(static_cast<double>(chosen)) +
                        " is not one of the two labels " + format_number(static_cast<double>(distinct[0])) + ", " +
                        format_number(static_cast<double>(distinct[1])));
  for (T& y : data.labels()) y = encoded<T>(y == chosen, encoding);
}

template <class T>
void one_vs_rest(Dataset<T>& data, std::type_identity_t<T> positive_class, BinaryEncoding encoding) {
  const auto labels = data.labels();
  if (std::find(labels.begin(), labels.end(), positive_class) == labels.end())
    throw MismatchError(data.source() + ": no row has label " + format_number(static_cast<double>(positive_class)) +
                        " (the positive class of one_vs_rest)");
  for (T& y : labels) y = encoded<T>(y == positive_class, encoding);
}

template <class T>
FittedPreprocessing FittedPreprocessing::fit(const std::string& kind, const Dataset<T>& train) {
  FittedPreprocessing result;
  result.kind = kind;
  if (kind == "scale") {
    const auto scaler = MinMaxScaler<T>::fit(train);
    result.first = scaler.min();
    result.second = scaler.max();
  } else if (kind == "standardize") {
    result.center = !train.is_sparse();
    const auto standardizer = Standardizer<T>::fit(train, {.center = result.center});
    result.first = standardizer.mean();
    result.second = standardizer.std_dev();
  } else if (kind != "none") {
    throw ConfigError("preprocess: unknown kind '" + kind + "' (scale, standardize, none)");
  }
  return result;
}

template <class T>
void FittedPreprocessing::apply(Dataset<T>& data) const {
  if (kind == "scale")
    MinMaxScaler<T>::from_statistics(first, second).apply(data);
  else if (kind == "standardize")
    Standardizer<T>::from_statistics(first, second, {.center = center}).apply(data);
  else if (kind != "none")
    throw ConfigError("preprocess: unknown kind '" + kind + "' (scale, standardize, none)");
}

template FittedPreprocessing FittedPreprocessing::fit<float>(const std::string&, const Dataset<float>&);
template FittedPreprocessing FittedPreprocessing::fit<double>(const std::string&, const Dataset<double>&);
template void FittedPreprocessing::apply<float>(Dataset<float>&) const;
template void FittedPreprocessing::apply<double>(Dataset<double>&) const;
template class MinMaxScaler<float>;
template class MinMaxScaler<double>;
template class Standardizer<float>;
template class Standardizer<double>;
template TrainValidationSplit<float> train_validation_split(const Dataset<float>&, double, std::uint64_t);
template TrainValidationSplit<double> train_validation_split(const Dataset<double>&, double, std::uint64_t);
template void remap_binary_labels<float>(Dataset<float>&, BinaryEncoding, std::optional<float>);
template void remap_binary_labels<double>(Dataset<double>&, BinaryEncoding, std::optional<double>);
template void one_vs_rest<float>(Dataset<float>&, float, BinaryEncoding);
template void one_vs_rest<double>(Dataset<double>&, double, BinaryEncoding);

}  // namespace descent
