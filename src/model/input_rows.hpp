// Row-by-row access to a dataset's features, dense or sparse (CSR), for the parts of a
// model that work one sample at a time: a narrow or sparse first layer, per-sample norms.
// Sparse rows touch only their nonzeros, so nothing is ever densified. Dense rows go through
// row_kernels.hpp, whose sums do not depend on where a row lies in memory.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>

#include "descent/data/dataset.hpp"
#include "row_kernels.hpp"

namespace descent::detail {

template <class T>
class InputRows {
 public:
  explicit InputRows(const Dataset<T>& data) : cols_(data.dimension()), sparse_(data.is_sparse()) {
    if (sparse_) {
      const auto& f = data.sparse();
      offsets_ = f.row_offsets.data();
      columns_ = f.columns.data();
      values_ = f.values.data();
    } else {
      values_ = data.dense().values.data();
    }
  }

  // x_i . w for w of length cols.
  T dot(std::size_t i, const T* w) const {
    if (!sparse_) return dense_dot(dense_data(i), w, cols_);
    T sum = 0;
    for (auto p = offsets_[i]; p < offsets_[i + 1]; ++p) sum += values_[p] * w[columns_[p]];
    return sum;
  }

  // y += alpha x_i.
  void axpy(std::size_t i, T alpha, T* y) const {
    if (!sparse_) {
      dense_axpy(alpha, dense_data(i), y, cols_);
      return;
    }
    for (auto p = offsets_[i]; p < offsets_[i + 1]; ++p) y[columns_[p]] += alpha * values_[p];
  }

  // y += (alpha x_i) .* x_i (elementwise square: a Hessian's diagonal).
  void squared_axpy(std::size_t i, T alpha, T* y) const {
    if (!sparse_) {
      dense_squared_axpy(alpha, dense_data(i), y, cols_);
      return;
    }
    for (auto p = offsets_[i]; p < offsets_[i + 1]; ++p) y[columns_[p]] += (alpha * values_[p]) * values_[p];
  }

  // Values stored in row i: cols for dense data, its nonzeros for sparse.
  std::size_t stored_values(std::size_t i) const {
    return sparse_ ? static_cast<std::size_t>(offsets_[i + 1] - offsets_[i]) : cols_;
  }

  // |x_i|^2, summed in double.
  double squared_norm(std::size_t i) const {
    double sum = 0;
    if (!sparse_) {
      const T* row = values_ + i * cols_;
      for (std::size_t j = 0; j < cols_; ++j) sum += static_cast<double>(row[j]) * static_cast<double>(row[j]);
      return sum;
    }
    for (auto p = offsets_[i]; p < offsets_[i + 1]; ++p)
      sum += static_cast<double>(values_[p]) * static_cast<double>(values_[p]);
    return sum;
  }

  // Row i of a dense dataset (cols values), for gathers into a GEMM operand.
  const T* dense_data(std::size_t i) const { return values_ + i * cols_; }

 private:
  std::size_t cols_ = 0;
  bool sparse_ = false;
  const std::int64_t* offsets_ = nullptr;
  const std::int64_t* columns_ = nullptr;
  const T* values_ = nullptr;
};

}  // namespace descent::detail
