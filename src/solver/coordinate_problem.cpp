// The coordinate view of the objectives that have one: the two single-output linear models
// and the synthetic least-squares problem, all read into a LinearCoordinateProblem.
#include "descent/solver/coordinate_problem.hpp"

#include "descent/core/error.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/objective/least_squares_problem.hpp"
#include "linear_coordinate_problem.hpp"

namespace descent {

namespace {

using solver_detail::LinearCoordinateProblem;
using solver_detail::LinearLoss;
using solver_detail::SparseDesign;

template <class T>
SparseDesign design_of(const Dataset<T>& data) {
  SparseDesign design;
  design.cols = data.dimension();
  std::vector<std::size_t> columns;
  std::vector<double> values;
  if (data.is_sparse()) {
    const SparseFeatures<T>& f = data.sparse();
    for (std::size_t i = 0; i < f.rows; ++i) {
      columns.clear();
      values.clear();
      for (auto e = f.row_offsets[i]; e < f.row_offsets[i + 1]; ++e) {
        columns.push_back(static_cast<std::size_t>(f.columns[static_cast<std::size_t>(e)]));
        values.push_back(static_cast<double>(f.values[static_cast<std::size_t>(e)]));
      }
      design.add_row(columns, values);
    }
  } else {
    const DenseFeatures<T>& f = data.dense();
    columns.resize(f.cols);
    for (std::size_t c = 0; c < f.cols; ++c) columns[c] = c;
    values.resize(f.cols);
    for (std::size_t i = 0; i < f.rows; ++i) {
      for (std::size_t c = 0; c < f.cols; ++c) values[c] = static_cast<double>(f.values[i * f.cols + c]);
      design.add_row(columns, values);
    }
  }
  design.finish();
  return design;
}

}  // namespace

template <class T>
std::unique_ptr<CoordinateProblem> coordinate_problem(const Differentiable<T>& objective) {
  if (const auto* m = dynamic_cast<const LeastSquares<T>*>(&objective)) {
    const auto labels = m->dataset().labels();
    return std::make_unique<LinearCoordinateProblem>(m->name(), LinearLoss::squared, design_of(m->dataset()),
                                                     std::vector<double>(labels.begin(), labels.end()), m->options().l2,
                                                     m->options().bias);
  }
  if (const auto* m = dynamic_cast<const LogisticRegression<T>*>(&objective)) {
    // The model accepts 1 as positive and 0 or -1 as negative; the loss wants +-1.
    std::vector<double> signs;
    for (T label : m->dataset().labels()) signs.push_back(label == T(1) ? 1.0 : -1.0);
    return std::make_unique<LinearCoordinateProblem>(m->name(), LinearLoss::logistic, design_of(m->dataset()),
                                                     std::move(signs), m->options().l2, m->options().bias);
  }
  if (const auto* p = dynamic_cast<const SyntheticLeastSquares<T>*>(&objective)) {
    // f_i = (a_i . x - b_i)^2 / 2 over its stored rows: least squares without penalty or bias.
    SparseDesign design;
    design.cols = p->dimension();
    std::vector<std::size_t> columns(design.cols);
    for (std::size_t c = 0; c < design.cols; ++c) columns[c] = c;
    std::vector<double> values(design.cols), targets(p->num_samples());
    for (std::size_t i = 0; i < p->num_samples(); ++i) {
      const auto row = p->row(i);
      for (std::size_t c = 0; c < design.cols; ++c) values[c] = static_cast<double>(row[c]);
      design.add_row(columns, values);
      targets[i] = p->target(i);
    }
    design.finish();
    return std::make_unique<LinearCoordinateProblem>(p->name(), LinearLoss::squared, std::move(design),
                                                     std::move(targets), 0.0, false);
  }
  throw MismatchError(
      "coordinate descent needs a least-squares or logistic-regression model "
      "(least_squares_regression, logistic_regression) or the synthetic least_squares problem; '" +
      objective.name() + "' is none of them");
}

template std::unique_ptr<CoordinateProblem> coordinate_problem<float>(const Differentiable<float>&);
template std::unique_ptr<CoordinateProblem> coordinate_problem<double>(const Differentiable<double>&);

}  // namespace descent
