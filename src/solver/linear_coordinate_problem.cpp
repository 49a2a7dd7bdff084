#include "linear_coordinate_problem.hpp"

#include <algorithm>
#include <cmath>

#include "descent/core/error.hpp"

namespace descent::solver_detail {

void SparseDesign::add_row(std::span<const std::size_t> columns, std::span<const double> values) {
  if (row_offsets.empty()) row_offsets.push_back(0);
  for (std::size_t k = 0; k < columns.size(); ++k) {
    if (values[k] == 0) continue;
    row_columns.push_back(columns[k]);
    row_values.push_back(values[k]);
  }
  row_offsets.push_back(static_cast<std::int64_t>(row_values.size()));
  ++rows;
}

void SparseDesign::finish() {
  if (row_offsets.empty()) row_offsets.push_back(0);
  // Counting sort of the entries by column; rows stay increasing within each column
  // because the rows are visited in order.
  col_offsets.assign(cols + 1, 0);
  for (std::size_t c : row_columns) ++col_offsets[c + 1];
  for (std::size_t c = 0; c < cols; ++c) col_offsets[c + 1] += col_offsets[c];
  std::vector<std::int64_t> next(col_offsets.begin(), col_offsets.end() - 1);
  col_rows.resize(row_values.size());
  col_values.resize(row_values.size());
  for (std::size_t i = 0; i < rows; ++i)
    for (auto e = row_offsets[i]; e < row_offsets[i + 1]; ++e) {
      const auto at = static_cast<std::size_t>(next[row_columns[static_cast<std::size_t>(e)]]++);
      col_rows[at] = i;
      col_values[at] = row_values[static_cast<std::size_t>(e)];
    }
}

LinearCoordinateProblem::LinearCoordinateProblem(std::string name, LinearLoss loss, SparseDesign design,
                                                 std::vector<double> targets, double l2, bool bias)
    : name_(std::move(name)),
      loss_(loss),
      design_(std::move(design)),
      targets_(std::move(targets)),
      l2_(l2),
      bias_(bias),
      curvature_(loss == LinearLoss::squared ? 1.0 : 0.25),
      dimension_(design_.cols + (bias ? 1 : 0)) {
  if (targets_.size() != design_.rows)
    throw MismatchError(name_ + ": " + std::to_string(targets_.size()) + " targets for " +
                        std::to_string(design_.rows) + " rows");
  if (design_.rows == 0) throw MismatchError(name_ + ": no samples");
  const double n = static_cast<double>(design_.rows);
  total_entries_ = static_cast<double>(design_.nonzeros()) + (bias_ ? n : 0.0);
  lipschitz_.resize(dimension_);
  for (std::size_t j = 0; j < design_.cols; ++j) {
    double squares = 0;
    for (auto e = design_.col_offsets[j]; e < design_.col_offsets[j + 1]; ++e) {
      const double a = design_.col_values[static_cast<std::size_t>(e)];
      squares += a * a;
    }
    lipschitz_[j] = curvature_ * squares / n + l2_;
  }
  if (bias_) lipschitz_[design_.cols] = curvature_;  // c |1|^2 / n, unpenalized
  work_ += static_cast<double>(design_.nonzeros());
  x_.assign(dimension_, 0.0);
  scores_.assign(design_.rows, 0.0);
  row_flag_.assign(design_.rows, 0);
  coordinate_flag_.assign(dimension_, 0);
  recompute();
}

double LinearCoordinateProblem::loss(double z, double y) const {
  if (loss_ == LinearLoss::squared) return 0.5 * (z - y) * (z - y);
  // log(1 + exp(t)) with t = -y z, as max(t, 0) + log1p(exp(-|t|)): no overflow for any z.
  const double t = -y * z;
  return std::max(t, 0.0) + std::log1p(std::exp(-std::abs(t)));
}

double LinearCoordinateProblem::slope(double z, double y) const {
  if (loss_ == LinearLoss::squared) return z - y;
  // -y sigma(-y z), with sigma through exp(-|t|) only.
  const double t = -y * z;
  const double e = std::exp(-std::abs(t));
  const double sigma = t >= 0 ? 1 / (1 + e) : e / (1 + e);
  return -y * sigma;
}

double LinearCoordinateProblem::column_dot(std::size_t j, std::span<const double> v) {
  double sum = 0;
  if (is_bias(j)) {
    for (double value : v) sum += value;
    work_ += static_cast<double>(design_.rows);
    return sum;
  }
  const auto begin = design_.col_offsets[j], end = design_.col_offsets[j + 1];
  for (auto e = begin; e < end; ++e)
    sum += design_.col_values[static_cast<std::size_t>(e)] * v[design_.col_rows[static_cast<std::size_t>(e)]];
  work_ += static_cast<double>(end - begin);
  return sum;
}

void LinearCoordinateProblem::recompute() {
  const double b = bias_ ? x_[design_.cols] : 0.0;
  for (std::size_t i = 0; i < design_.rows; ++i) {
    double z = b;
    for (auto e = design_.row_offsets[i]; e < design_.row_offsets[i + 1]; ++e)
      z += design_.row_values[static_cast<std::size_t>(e)] * x_[design_.row_columns[static_cast<std::size_t>(e)]];
    scores_[i] = z;
  }
  work_ += total_entries_;
  if (tracking_) {
    slopes_.resize(design_.rows);
    for (std::size_t i = 0; i < design_.rows; ++i) slopes_[i] = slope(scores_[i], targets_[i]);
    gradient_.resize(dimension_);
    fresh_gradient(gradient_);
  }
}

void LinearCoordinateProblem::set_point(std::span<const double> x) {
  if (x.size() != dimension_)
    throw MismatchError(name_ + ": a point of " + std::to_string(x.size()) + " coordinates for " +
                        std::to_string(dimension_));
  std::copy(x.begin(), x.end(), x_.begin());
  recompute();
}

double LinearCoordinateProblem::value() const {
  double sum = 0;
  for (std::size_t i = 0; i < design_.rows; ++i) sum += loss(scores_[i], targets_[i]);
  double squares = 0;
  for (std::size_t j = 0; j < design_.cols; ++j) squares += x_[j] * x_[j];
  return sum / static_cast<double>(design_.rows) + 0.5 * l2_ * squares;
}

double LinearCoordinateProblem::partial_derivative(std::size_t j) {
  if (tracking_) return gradient_[j];
  const double n = static_cast<double>(design_.rows);
  double sum = 0;
  if (is_bias(j)) {
    for (std::size_t i = 0; i < design_.rows; ++i) sum += slope(scores_[i], targets_[i]);
    work_ += n;
    return sum / n;
  }
  const auto begin = design_.col_offsets[j], end = design_.col_offsets[j + 1];
  for (auto e = begin; e < end; ++e) {
    const std::size_t i = design_.col_rows[static_cast<std::size_t>(e)];
    sum += design_.col_values[static_cast<std::size_t>(e)] * slope(scores_[i], targets_[i]);
  }
  work_ += static_cast<double>(end - begin);
  return sum / n + l2_ * x_[j];
}

void LinearCoordinateProblem::fresh_gradient(std::span<double> out) {
  const double n = static_cast<double>(design_.rows);
  std::fill(out.begin(), out.end(), 0.0);
  for (std::size_t i = 0; i < design_.rows; ++i) {
    const double s = slope(scores_[i], targets_[i]) / n;
    for (auto e = design_.row_offsets[i]; e < design_.row_offsets[i + 1]; ++e)
      out[design_.row_columns[static_cast<std::size_t>(e)]] += s * design_.row_values[static_cast<std::size_t>(e)];
    if (bias_) out[design_.cols] += s;
  }
  for (std::size_t j = 0; j < design_.cols; ++j) out[j] += l2_ * x_[j];
  work_ += total_entries_;
}

void LinearCoordinateProblem::gradient(std::span<double> out) {
  if (out.size() != dimension_)
    throw MismatchError(name_ + ": a gradient of " + std::to_string(out.size()) + " coordinates for " +
                        std::to_string(dimension_));
  fresh_gradient(out);
}

void LinearCoordinateProblem::track_gradient() {
  if (tracking_) return;
  tracking_ = true;
  slopes_.resize(design_.rows);
  for (std::size_t i = 0; i < design_.rows; ++i) slopes_[i] = slope(scores_[i], targets_[i]);
  gradient_.resize(dimension_);
  fresh_gradient(gradient_);
}

void LinearCoordinateProblem::mark_changed(std::size_t j) {
  if (coordinate_flag_[j]) return;
  coordinate_flag_[j] = 1;
  changed_.push_back(j);
}

void LinearCoordinateProblem::move(std::span<const std::size_t> block, std::span<const double> delta) {
  for (std::size_t j : changed_) coordinate_flag_[j] = 0;
  changed_.clear();
  touched_rows_.clear();
  bool all_rows = false;
  for (std::size_t k = 0; k < block.size(); ++k) {
    const std::size_t j = block[k];
    const double step = delta[k];
    if (step == 0) continue;
    x_[j] += step;
    if (is_bias(j)) {
      for (double& z : scores_) z += step;
      work_ += static_cast<double>(design_.rows);
      all_rows = true;
    } else {
      for (auto e = design_.col_offsets[j]; e < design_.col_offsets[j + 1]; ++e) {
        const std::size_t i = design_.col_rows[static_cast<std::size_t>(e)];
        scores_[i] += step * design_.col_values[static_cast<std::size_t>(e)];
        if (tracking_ && !row_flag_[i]) {
          row_flag_[i] = 1;
          touched_rows_.push_back(i);
        }
      }
      work_ += static_cast<double>(design_.col_offsets[j + 1] - design_.col_offsets[j]);
    }
    if (tracking_ && !is_bias(j) && l2_ != 0) {
      gradient_[j] += l2_ * step;
      mark_changed(j);
    }
  }
  if (!tracking_) return;
  if (all_rows) {
    // A bias move changes every score; list the rows in order instead of the touched ones.
    for (std::size_t i : touched_rows_) row_flag_[i] = 0;
    touched_rows_.resize(design_.rows);
    for (std::size_t i = 0; i < design_.rows; ++i) touched_rows_[i] = i;
  }
  const double n = static_cast<double>(design_.rows);
  for (std::size_t i : touched_rows_) {
    row_flag_[i] = 0;
    const double s = slope(scores_[i], targets_[i]);
    const double change = (s - slopes_[i]) / n;
    slopes_[i] = s;
    if (change == 0) continue;
    for (auto e = design_.row_offsets[i]; e < design_.row_offsets[i + 1]; ++e) {
      const std::size_t c = design_.row_columns[static_cast<std::size_t>(e)];
      gradient_[c] += change * design_.row_values[static_cast<std::size_t>(e)];
      mark_changed(c);
    }
    work_ += static_cast<double>(design_.row_offsets[i + 1] - design_.row_offsets[i]);
    if (bias_) {
      gradient_[design_.cols] += change;
      mark_changed(design_.cols);
      work_ += 1;
    }
  }
}

void LinearCoordinateProblem::block_curvature(std::span<const std::size_t> block, std::span<double> out) {
  const std::size_t m = block.size();
  if (out.size() != m * m)
    throw MismatchError(name_ + ": block_curvature needs " + std::to_string(m * m) + " entries, got " +
                        std::to_string(out.size()));
  const double n = static_cast<double>(design_.rows);
  column_scratch_.assign(design_.rows, 0.0);
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t a = block[k];
    // Column a spread out densely, so that its product with each column l reads column l only.
    if (is_bias(a)) {
      std::fill(column_scratch_.begin(), column_scratch_.end(), 1.0);
    } else {
      std::fill(column_scratch_.begin(), column_scratch_.end(), 0.0);
      for (auto e = design_.col_offsets[a]; e < design_.col_offsets[a + 1]; ++e)
        column_scratch_[design_.col_rows[static_cast<std::size_t>(e)]] =
            design_.col_values[static_cast<std::size_t>(e)];
      work_ += static_cast<double>(design_.col_offsets[a + 1] - design_.col_offsets[a]);
    }
    for (std::size_t l = k; l < m; ++l) {
      double entry = curvature_ * column_dot(block[l], column_scratch_) / n;
      if (l == k && !is_bias(a)) entry += l2_;
      out[k * m + l] = entry;
      out[l * m + k] = entry;
    }
  }
}

}  // namespace descent::solver_detail
