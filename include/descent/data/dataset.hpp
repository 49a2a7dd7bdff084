// A supervised dataset: n rows of features (dense row-major, or sparse CSR) and one label
// per row. Labels are stored as T: a real target for regression, a class index
// 0..K-1 (exactly representable) for classification, or +-1 for binary problems as
// read from libsvm files (see data/preprocess.hpp to remap them).
//
// Models read features through Eigen maps, so a dense dataset is one GEMM operand with
// no copy, and a sparse one is a row-major sparse matrix Eigen multiplies without
// densifying.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "descent/core/aligned_buffer.hpp"

namespace descent {

template <class T>
struct DenseFeatures {
  std::size_t rows = 0, cols = 0;
  AlignedBuffer<T> values;  // rows * cols, row-major
};

template <class T>
struct SparseFeatures {
  std::size_t rows = 0, cols = 0;
  std::vector<std::int64_t> row_offsets;  // rows + 1 entries, row_offsets[0] = 0
  std::vector<std::int64_t> columns;      // 0-based, strictly increasing within a row
  std::vector<T> values;
};

template <class T>
using DenseMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class T>
using SparseMap = Eigen::Map<const Eigen::SparseMatrix<T, Eigen::RowMajor, std::int64_t>>;

template <class T>
class Dataset {
 public:
  Dataset() = default;
  Dataset(DenseFeatures<T> features, std::vector<T> labels, std::string source = "memory");
  Dataset(SparseFeatures<T> features, std::vector<T> labels, std::string source = "memory");

  std::size_t size() const noexcept { return labels_.size(); }
  std::size_t dimension() const noexcept;
  bool is_sparse() const noexcept { return std::holds_alternative<SparseFeatures<T>>(features_); }
  // Where the data came from (a path, or "memory"), for error messages.
  const std::string& source() const noexcept { return source_; }

  std::span<const T> labels() const noexcept { return labels_; }
  std::span<T> labels() noexcept { return labels_; }
  const DenseFeatures<T>& dense() const;  // throws MismatchError if sparse
  DenseFeatures<T>& dense();
  const SparseFeatures<T>& sparse() const;  // throws MismatchError if dense
  DenseMap<T> dense_map() const;
  SparseMap<T> sparse_map() const;

  // Number of classes when labels are 0..K-1 integers (K = max + 1); throws
  // MismatchError naming the first label that is not such an index.
  std::size_t num_classes() const;

  // Rows `indices` (in that order, repeats allowed) as a new dataset.
  Dataset subset(std::span<const std::size_t> indices) const;

 private:
  std::variant<DenseFeatures<T>, SparseFeatures<T>> features_;
  std::vector<T> labels_;
  std::string source_ = "memory";
};

}  // namespace descent
