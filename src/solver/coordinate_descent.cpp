#include "descent/solver/coordinate_descent.hpp"

#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/solver/block_selection.hpp"

namespace descent {

namespace {

const std::vector<std::string>& partition_names() {
  static const std::vector<std::string> names = {"contiguous", "sorted"};
  return names;
}

const std::vector<std::string>& update_names() {
  static const std::vector<std::string> names = {"lipschitz", "matrix"};
  return names;
}

// Eigenvalues of M_b below this fraction of the largest are taken as zero in M_b^{-1}: M_b's
// entries are sums of n products, so rounding leaves a truly singular direction at a
// relative size near n * 1e-16. Any truncation keeps the matrix update a descent step:
// with P the truncated pseudo-inverse, P M P = P, so the quadratic bound gives
// f(x - P g) <= f(x) - g^T P g / 2.
constexpr double kRelativeEigenvalueFloor = 1e-12;

// L_b and, when wanted, M_b^{-1} (pseudo-inverse) of every block.
struct BlockConstants {
  std::vector<double> lipschitz;
  std::vector<std::vector<double>> inverse;  // empty unless wanted
};

BlockConstants block_constants(CoordinateProblem& problem, const BlockPartition& blocks, bool want_inverse) {
  BlockConstants c;
  const std::size_t m = blocks.size();
  c.lipschitz.resize(m);
  if (want_inverse) c.inverse.resize(m);
  std::vector<double> curvature;
  for (std::size_t b = 0; b < m; ++b) {
    const auto block = blocks.block(b);
    const std::size_t size = block.size();
    if (size == 1) {
      // M_b is the 1 x 1 matrix L_j: no data to read again.
      const double L = problem.coordinate_lipschitz(block[0]);
      c.lipschitz[b] = L;
      if (want_inverse) c.inverse[b] = {L > 0 ? 1 / L : 0.0};
      continue;
    }
    curvature.assign(size * size, 0.0);
    problem.block_curvature(block, curvature);
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> M(
        curvature.data(), static_cast<Eigen::Index>(size), static_cast<Eigen::Index>(size));
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(
        M, want_inverse ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
    if (eigen.info() != Eigen::Success)
      throw Error("coordinate descent: the eigenvalues of block " + std::to_string(b) + "'s matrix did not converge");
    const Eigen::VectorXd& lambda = eigen.eigenvalues();  // increasing
    const double top = std::max(lambda(static_cast<Eigen::Index>(size) - 1), 0.0);
    c.lipschitz[b] = top;
    if (!want_inverse) continue;
    Eigen::VectorXd inverse_values = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(size));
    for (Eigen::Index i = 0; i < lambda.size(); ++i)
      if (lambda(i) > kRelativeEigenvalueFloor * top) inverse_values(i) = 1 / lambda(i);
    const Eigen::MatrixXd& V = eigen.eigenvectors();
    const Eigen::MatrixXd P = V * inverse_values.asDiagonal() * V.transpose();
    c.inverse[b].resize(size * size);
    for (std::size_t r = 0; r < size; ++r)
      for (std::size_t s = 0; s < size; ++s)
        c.inverse[b][r * size + s] = P(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(s));
  }
  return c;
}

double norm2(std::span<const double> v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

}  // namespace

const std::vector<Field<CoordinateDescentOptions>>& CoordinateDescentOptions::fields() {
  using O = CoordinateDescentOptions;
  static const std::vector<Field<O>> f = {
      {"rule", &O::rule, Range::any(),
       "which block: cyclic, random, by L_b, or greedy by |g_b|, |g_b|^2/L_b, g_b^T M_b^-1 g_b", &block_rule_names()},
      {"block_size", &O::block_size, Range::at_least(1), "coordinates per block (1: coordinate descent)"},
      {"partition", &O::partition, Range::any(), "blocks of consecutive coordinates, or of coordinates sorted by L_j",
       &partition_names()},
      {"update", &O::update, Range::any(), "x_b -= g_b / L_b, or x_b -= M_b^-1 g_b (least squares: block Newton)",
       &update_names()},
      {"gtol", &O::gtol, Range::non_negative(), "stop at |grad f| <= gtol, checked at each report"},
      {"report_every", &O::report_every, Range::at_least(0),
       "updates between reports; 0: one per pass over the blocks"},
      {"max_steps", &O::max_steps, Range::at_least(0), "block updates"}};
  return f;
}

void CoordinateDescentOptions::validate() const { descent::validate(*this); }

template <class T>
Summary<T> coordinate_descent(CoordinateProblem& problem, Parameters<T>& params, const CoordinateDescentOptions& o,
                              const std::function<bool(const CoordinateDescentReport<T>&)>& on_report,
                              const std::function<bool()>& stop_requested) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t d = problem.dimension();
  if (params.size() != d)
    throw MismatchError("coordinate descent: " + std::to_string(params.size()) + " parameters for the " +
                        std::to_string(d) + " coordinates of '" + problem.name() + "'");
  const double passes_before = problem.passes();
  const double n = static_cast<double>(problem.num_samples());

  // The problem owns x (in double); `mirror` is x in T, for the reports and the result.
  std::vector<T> mirror(params.flat().begin(), params.flat().end());
  problem.set_point(std::vector<double>(mirror.begin(), mirror.end()));
  const std::span<const double> x = problem.point();

  const BlockRule rule = block_rule(o.rule);
  const std::size_t size = static_cast<std::size_t>(o.block_size);
  std::vector<double> coordinate_lipschitz(d);
  for (std::size_t j = 0; j < d; ++j) coordinate_lipschitz[j] = problem.coordinate_lipschitz(j);
  const BlockPartition blocks = o.partition == "sorted" ? BlockPartition::sorted(coordinate_lipschitz, size)
                                                        : BlockPartition::contiguous(d, size);
  const bool matrix_update = o.update == "matrix";
  const BlockConstants constants =
      block_constants(problem, blocks, matrix_update || rule == BlockRule::gauss_southwell_quadratic);
  BlockSelector selector(
      rule, blocks, constants.lipschitz,
      rule == BlockRule::gauss_southwell_quadratic ? constants.inverse : std::vector<std::vector<double>>{}, o.seed);
  const bool greedy = is_greedy(rule);
  if (greedy) {
    problem.track_gradient();
    selector.rescore(problem.tracked_gradient());
  }
  const std::int64_t report_every = o.report_every > 0 ? o.report_every : static_cast<std::int64_t>(blocks.size());

  Summary<T> summary;
  summary.message = "reached max_steps = " + std::to_string(o.max_steps);
  auto work = [&] { return problem.passes() - passes_before; };
  std::vector<double> g_block, delta, fresh(greedy ? 0 : d);
  for (std::int64_t k = 0; k < o.max_steps; ++k) {
    const std::size_t b = selector.next();
    if (greedy && selector.score(b) == 0) {
      summary.termination = Termination::converged;
      summary.message = "every block's score is 0: the gradient is zero";
      break;
    }
    const auto block = blocks.block(b);
    g_block.resize(block.size());
    delta.resize(block.size());
    for (std::size_t i = 0; i < block.size(); ++i) g_block[i] = problem.partial_derivative(block[i]);
    if (matrix_update) {
      const std::vector<double>& P = constants.inverse[b];
      const std::size_t m = block.size();
      for (std::size_t r = 0; r < m; ++r) {
        double row = 0;
        for (std::size_t c = 0; c < m; ++c) row += P[r * m + c] * g_block[c];
        delta[r] = -row;
      }
    } else {
      // A block with L_b = 0 is one f does not depend on (its gradient is 0): it stays put.
      const double L = constants.lipschitz[b];
      for (std::size_t i = 0; i < block.size(); ++i) delta[i] = L > 0 ? -g_block[i] / L : 0.0;
    }
    bool finite = true;
    for (std::size_t i = 0; i < block.size(); ++i) finite = finite && std::isfinite(x[block[i]] + delta[i]);
    if (!finite) {
      summary.termination = Termination::non_finite;
      summary.message = "non-finite update at step " + std::to_string(k + 1) + "; x is the last finite iterate";
      break;
    }
    problem.move(block, delta);  // x_j + (-g_j / L_j): x_j - g_j / L_j, rounded once
    for (std::size_t j : block) mirror[j] = static_cast<T>(x[j]);
    if (greedy) selector.rescore(problem.tracked_gradient(), problem.changed_coordinates());
    summary.steps = k + 1;

    const bool last = k + 1 == o.max_steps;
    if ((k + 1) % report_every == 0 || last) {
      CoordinateDescentReport<T> report;
      report.step = k + 1;
      report.x = mirror;
      report.value = problem.value();
      summary.objective_calls += 1;
      if (greedy) {
        report.gradient_norm = norm2(problem.tracked_gradient());
      } else if (o.gtol > 0) {
        problem.gradient(fresh);
        report.gradient_norm = norm2(fresh);
      } else {
        report.gradient_norm = std::numeric_limits<double>::quiet_NaN();
      }
      report.passes = work();
      report.sample_gradients = static_cast<std::int64_t>(std::llround(report.passes * n));
      if (o.gtol > 0 && report.gradient_norm <= o.gtol) {
        summary.termination = Termination::converged;
        summary.message =
            "gradient norm " + format_number(report.gradient_norm) + " <= gtol = " + format_number(o.gtol);
      }
      if (on_report && on_report(report) && summary.termination != Termination::converged) {
        summary.termination = Termination::user_stop;
        summary.message = "the observer asked to stop";
      }
      if (summary.termination != Termination::max_steps) break;
    }
    if (stop_requested && stop_requested()) {
      summary.termination = Termination::user_stop;
      summary.message = "stop requested";
      break;
    }
  }

  std::copy(mirror.begin(), mirror.end(), params.data());
  const double passes = work();
  summary.sample_gradients = static_cast<std::int64_t>(std::llround(passes * n));
  summary.final_value = static_cast<T>(problem.value());
  if (greedy) {
    summary.final_gradient_norm = static_cast<T>(norm2(problem.tracked_gradient()));
  } else {
    fresh.resize(d);
    problem.gradient(fresh);  // for the Summary only: not counted as the run's work
    summary.final_gradient_norm = static_cast<T>(norm2(fresh));
  }
  summary.objective_calls += 1;
  summary.timings.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

template <class T>
Summary<T> coordinate_descent(const Differentiable<T>& objective, Parameters<T>& params,
                              const CoordinateDescentOptions& options,
                              const std::function<bool(const CoordinateDescentReport<T>&)>& on_report,
                              const std::function<bool()>& stop_requested) {
  options.validate();
  const std::unique_ptr<CoordinateProblem> problem = coordinate_problem(objective);
  Summary<T> summary = coordinate_descent<T>(*problem, params, options, on_report, stop_requested);
  // The objective's own value and gradient at the returned point (in T, as every solver's
  // Summary), which also checks the coordinate view against the model.
  std::vector<T> g(params.size());
  summary.final_value = objective.value_and_gradient(params.flat(), g);
  double norm = 0;
  for (T v : g) norm += static_cast<double>(v) * static_cast<double>(v);
  summary.final_gradient_norm = static_cast<T>(std::sqrt(norm));
  return summary;
}

#define DESCENT_INSTANTIATE(T)                                                                                         \
  template Summary<T> coordinate_descent<T>(CoordinateProblem&, Parameters<T>&, const CoordinateDescentOptions&,       \
                                            const std::function<bool(const CoordinateDescentReport<T>&)>&,             \
                                            const std::function<bool()>&);                                             \
  template Summary<T> coordinate_descent<T>(const Differentiable<T>&, Parameters<T>&, const CoordinateDescentOptions&, \
                                            const std::function<bool(const CoordinateDescentReport<T>&)>&,             \
                                            const std::function<bool()>&);
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
#undef DESCENT_INSTANTIATE

}  // namespace descent
