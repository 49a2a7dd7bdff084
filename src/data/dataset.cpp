#include "descent/data/dataset.hpp"

#include <cmath>

#include "descent/core/error.hpp"

namespace descent {

template <class T>
Dataset<T>::Dataset(DenseFeatures<T> features, std::vector<T> labels, std::string source)
    : features_(std::move(features)), labels_(std::move(labels)), source_(std::move(source)) {
  const auto& f = std::get<DenseFeatures<T>>(features_);
  if (f.values.size() != f.rows * f.cols)
    throw MismatchError(source_ + ": dense features hold " + std::to_string(f.values.size()) + " values for " +
                        std::to_string(f.rows) + " x " + std::to_string(f.cols));
  if (labels_.size() != f.rows)
    throw MismatchError(source_ + ": " + std::to_string(labels_.size()) + " labels for " + std::to_string(f.rows) +
                        " rows");
}

template <class T>
Dataset<T>::Dataset(SparseFeatures<T> features, std::vector<T> labels, std::string source)
    : features_(std::move(features)), labels_(std::move(labels)), source_(std::move(source)) {
  const auto& f = std::get<SparseFeatures<T>>(features_);
  if (f.row_offsets.size() != f.rows + 1 || f.row_offsets.front() != 0 ||
      static_cast<std::size_t>(f.row_offsets.back()) != f.values.size() || f.columns.size() != f.values.size())
    throw MismatchError(source_ + ": inconsistent CSR arrays");
  for (std::size_t r = 0; r < f.rows; ++r) {
    if (f.row_offsets[r] > f.row_offsets[r + 1]) throw MismatchError(source_ + ": CSR row offsets decrease");
    for (auto k = f.row_offsets[r]; k < f.row_offsets[r + 1]; ++k) {
      if (f.columns[k] < 0 || static_cast<std::size_t>(f.columns[k]) >= f.cols)
        throw MismatchError(source_ + ": column index out of range in row " + std::to_string(r));
      if (k > f.row_offsets[r] && f.columns[k] <= f.columns[k - 1])
        throw MismatchError(source_ + ": column indices not increasing in row " + std::to_string(r));
    }
  }
  if (labels_.size() != f.rows)
    throw MismatchError(source_ + ": " + std::to_string(labels_.size()) + " labels for " + std::to_string(f.rows) +
                        " rows");
}

template <class T>
std::size_t Dataset<T>::dimension() const noexcept {
  return std::visit([](const auto& f) { return f.cols; }, features_);
}

template <class T>
const DenseFeatures<T>& Dataset<T>::dense() const {
  if (is_sparse()) throw MismatchError(source_ + ": dense features requested from a sparse dataset");
  return std::get<DenseFeatures<T>>(features_);
}

template <class T>
DenseFeatures<T>& Dataset<T>::dense() {
  if (is_sparse()) throw MismatchError(source_ + ": dense features requested from a sparse dataset");
  return std::get<DenseFeatures<T>>(features_);
}

template <class T>
const SparseFeatures<T>& Dataset<T>::sparse() const {
  if (!is_sparse()) throw MismatchError(source_ + ": sparse features requested from a dense dataset");
  return std::get<SparseFeatures<T>>(features_);
}

template <class T>
DenseMap<T> Dataset<T>::dense_map() const {
  const auto& f = dense();
  return DenseMap<T>(f.values.data(), static_cast<Eigen::Index>(f.rows), static_cast<Eigen::Index>(f.cols));
}

template <class T>
SparseMap<T> Dataset<T>::sparse_map() const {
  const auto& f = sparse();
  return SparseMap<T>(static_cast<std::int64_t>(f.rows), static_cast<std::int64_t>(f.cols),
                      static_cast<std::int64_t>(f.values.size()), f.row_offsets.data(), f.columns.data(),
                      f.values.data());
}

template <class T>
std::size_t Dataset<T>::num_classes() const {
  std::size_t k = 0;
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    const T y = labels_[i];
    if (!(y >= 0) || y != std::floor(y) || y > T(1 << 20))
      throw MismatchError(source_ + ": label " + format_number(static_cast<double>(y)) + " of row " +
                          std::to_string(i) + " is not a class index 0..K-1");
    k = std::max(k, static_cast<std::size_t>(y) + 1);
  }
  return k;
}

template <class T>
Dataset<T> Dataset<T>::subset(std::span<const std::size_t> indices) const {
  std::vector<T> labels(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= size())
      throw MismatchError(source_ + ": subset index " + std::to_string(indices[k]) + " >= " + std::to_string(size()));
    labels[k] = labels_[indices[k]];
  }
  if (!is_sparse()) {
    const auto& f = dense();
    DenseFeatures<T> out{indices.size(), f.cols, AlignedBuffer<T>(indices.size() * f.cols)};
    for (std::size_t k = 0; k < indices.size(); ++k)
      std::copy_n(f.values.data() + indices[k] * f.cols, f.cols, out.values.data() + k * f.cols);
    return Dataset(std::move(out), std::move(labels), source_);
  }
  const auto& f = sparse();
  SparseFeatures<T> out;
  out.rows = indices.size();
  out.cols = f.cols;
  out.row_offsets.push_back(0);
  for (std::size_t r : indices) {
    out.columns.insert(out.columns.end(), f.columns.begin() + f.row_offsets[r],
                       f.columns.begin() + f.row_offsets[r + 1]);
    out.values.insert(out.values.end(), f.values.begin() + f.row_offsets[r], f.values.begin() + f.row_offsets[r + 1]);
    out.row_offsets.push_back(static_cast<std::int64_t>(out.values.size()));
  }
  return Dataset(std::move(out), std::move(labels), source_);
}

template class Dataset<float>;
template class Dataset<double>;

}  // namespace descent
