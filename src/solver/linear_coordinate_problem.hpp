// Coordinate descent's view of a generalized linear model with an L2 penalty,
//   f(x) = (1/n) sum_i loss(z_i, y_i) + lambda/2 |w|^2,   z = A w + b 1,   x = (w, b),
// for the squared loss, loss = (z - y)^2 / 2 (least squares: z - y is the residual), and the
// logistic loss, loss = log(1 + exp(-y z)) with y = +-1. The bias b, when there is one, is
// the last coordinate and is not penalized.
//
// It keeps the scores z current, so that a partial derivative
//   g_j = (1/n) sum_i loss'(z_i, y_i) a_ij + lambda w_j
// reads only column j, and moving x_j by delta costs one axpy on column j. With the
// gradient tracked it also keeps s_i = loss'(z_i, y_i) and g: after a move, each row i whose
// score changed adds (s_i_new - s_i_old) a_i / n to g, which reads those rows. On sparse
// data that is the rows meeting the moved columns and the coordinates they touch; on dense
// data every row and every coordinate, so a greedy step costs one data pass (the price of
// knowing the whole gradient; see docs/algorithms.md).
//
// The exact coordinate constants are L_j = c |a_j|^2 / n + lambda (c |1|^2 / n = c for the
// bias), with c = sup loss'' = 1 (squared) or 1/4 (logistic); the block matrix is
// M_b = c A_b^T A_b / n + lambda I (no lambda on the bias). For least squares M_b is the
// Hessian block, so L_b = lambda_max(M_b) is exact and M_b^{-1} g_b is the block Newton step.
//
// The data is copied once into both row (CSR) and column (CSC) order, keeping only the
// nonzero entries, so dense data with zeros profits as sparse data does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "descent/solver/coordinate_problem.hpp"

namespace descent::solver_detail {

enum class LinearLoss { squared, logistic };

// The features of n samples in p columns, nonzeros only, in both orders (double).
struct SparseDesign {
  std::size_t rows = 0, cols = 0;
  std::vector<std::int64_t> row_offsets;  // rows + 1
  std::vector<std::size_t> row_columns;   // column of each entry, increasing within a row
  std::vector<double> row_values;
  std::vector<std::int64_t> col_offsets;  // cols + 1
  std::vector<std::size_t> col_rows;      // row of each entry, increasing within a column
  std::vector<double> col_values;

  // Appends one row (its entries in increasing column order); finish() builds the columns.
  void add_row(std::span<const std::size_t> columns, std::span<const double> values);
  void finish();
  std::size_t nonzeros() const noexcept { return row_values.size(); }
};

class LinearCoordinateProblem final : public CoordinateProblem {
 public:
  // targets: the real targets (squared) or +-1 labels (logistic), one per row.
  LinearCoordinateProblem(std::string name, LinearLoss loss, SparseDesign design, std::vector<double> targets,
                          double l2, bool bias);

  std::string name() const override { return name_; }
  std::size_t dimension() const override { return dimension_; }
  std::size_t num_samples() const override { return design_.rows; }
  double coordinate_lipschitz(std::size_t j) const override { return lipschitz_[j]; }
  void block_curvature(std::span<const std::size_t> block, std::span<double> out) override;

  void set_point(std::span<const double> x) override;
  std::span<const double> point() const override { return x_; }
  double value() const override;
  double partial_derivative(std::size_t j) override;
  void gradient(std::span<double> out) override;

  void track_gradient() override;
  bool tracks_gradient() const override { return tracking_; }
  std::span<const double> tracked_gradient() const override {
    return tracking_ ? std::span<const double>(gradient_) : std::span<const double>();
  }
  void move(std::span<const std::size_t> block, std::span<const double> delta) override;
  std::span<const std::size_t> changed_coordinates() const override { return changed_; }
  double passes() const override { return total_entries_ > 0 ? work_ / total_entries_ : 0.0; }

 private:
  double loss(double z, double y) const;
  double slope(double z, double y) const;  // d loss / d z
  bool is_bias(std::size_t j) const noexcept { return bias_ && j == design_.cols; }
  // sum_i a_ij v_i over column j (the bias column is all ones).
  double column_dot(std::size_t j, std::span<const double> v);
  // Recomputes z = A w + b 1 from x_ (and s and the gradient when tracking).
  void recompute();
  void fresh_gradient(std::span<double> out);
  void mark_changed(std::size_t j);

  std::string name_;
  LinearLoss loss_;
  SparseDesign design_;
  std::vector<double> targets_;
  double l2_;
  bool bias_;
  double curvature_;  // sup loss'': 1 or 1/4
  std::size_t dimension_;
  double total_entries_;  // entries one full gradient reads: nonzeros, plus n for the bias
  std::vector<double> lipschitz_;

  std::vector<double> x_, scores_;
  bool tracking_ = false;
  std::vector<double> slopes_, gradient_;
  // Scratch of move(): rows whose score changed and coordinates whose gradient entry did,
  // with flags so that each is listed once.
  std::vector<std::size_t> touched_rows_, changed_;
  std::vector<char> row_flag_, coordinate_flag_;
  std::vector<double> column_scratch_;  // block_curvature's dense copy of one column
  double work_ = 0;                     // entries read
};

}  // namespace descent::solver_detail
