#include "descent/solver/gradient_regularized_newton.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "descent/core/error.hpp"
#include "descent/solver/curvature.hpp"
#include "descent/solver/jacobi_preconditioner.hpp"
#include "evaluation_cost.hpp"
#include "vector_arithmetic.hpp"

namespace descent {

const std::vector<std::string>& GradientRegularizedNewtonOptions::curvature_choices() { return curvature_names(); }

const std::vector<std::string>& GradientRegularizedNewtonOptions::linear_solver_choices() {
  static const std::vector<std::string> c = {"auto", "cg", "cholesky"};
  return c;
}

const std::vector<Field<GradientRegularizedNewtonOptions>>& GradientRegularizedNewtonOptions::fields() {
  using O = GradientRegularizedNewtonOptions;
  const double inf = std::numeric_limits<double>::infinity();
  static const std::vector<Field<O>> f = {
      {"curvature", &O::curvature, Range::any(),
       "B: the Hessian, the Gauss-Newton matrix or the empirical Fisher (1/n) sum g_i g_i^T", &curvature_choices()},
      {"initial_gamma", &O::initial_gamma, Range::positive(), "gamma_0: lambda_0 = ||g_0|| / gamma_0"},
      {"gamma_growth", &O::gamma_growth, Range{1, inf, true, true}, "gamma *= gamma_growth after an accepted step"},
      {"gamma_shrink", &O::gamma_shrink, Range{0, 1, true, true}, "gamma *= gamma_shrink after a rejected trial"},
      {"max_search", &O::max_search, Range::at_least(1), "trials of gamma per iteration before no_progress"},
      {"linear_solver", &O::linear_solver, Range::any(),
       "(B + lambda I) d = -g by cg, dense cholesky, or auto (cholesky when n <= cholesky_max_dimension)",
       &linear_solver_choices()},
      {"cholesky_max_dimension", &O::cholesky_max_dimension, Range::at_least(0),
       "linear_solver=auto uses cholesky up to this n"},
      {"cg_tolerance", &O::cg_tolerance, Range{0, 1, true, true},
       "theta: CG stops at ||(B + lambda I) d + g|| <= theta lambda ||d||"},
      {"max_cg_iterations", &O::max_cg_iterations, Range::at_least(0), "CG iterations per solve; 0: max(2 n, 10)"},
      {"preconditioner", &O::preconditioner, Range::any(),
       "CG: jacobi with diag(B) + lambda; auto: jacobi where B has a diagonal", &newton_preconditioner_choices()},
      {"gtol", &O::gtol, Range::non_negative(), "converged when ||g||_2 <= gtol"},
      {"ftol", &O::ftol, Range::non_negative(),
       "converged when f_k - f_{k+1} <= ftol max(|f_k|, |f_{k+1}|, 1) (0: off)"},
      {"max_steps", &O::max_steps, Range::at_least(0), "accepted steps"}};
  return f;
}

void GradientRegularizedNewtonOptions::validate() const { descent::validate(*this); }

namespace {

constexpr const char* kSolver = "gradient_regularized_newton";

// The system (B_k + lambda I) d = -g_k for the trials of one iteration: B_k's dense form and
// its diagonal are made once, each trial solves for its own lambda.
template <class T>
class IterationSystem {
 public:
  IterationSystem(const LinearOperator<T>& B, const GradientRegularizedNewtonOptions& o, bool dense)
      : B_(B), theta_(o.cg_tolerance) {
    const std::size_t n = B.size();
    max_iterations_ =
        o.max_cg_iterations > 0 ? o.max_cg_iterations : std::max<std::int64_t>(2 * static_cast<std::int64_t>(n), 10);
    if (dense) {
      dense_.emplace(B);
    } else if (o.preconditioner != "none") {
      if (B.has_diagonal()) {
        diagonal_.resize(n);
        B.diagonal(diagonal_);
      } else if (o.preconditioner == "jacobi") {
        throw MismatchError(std::string(kSolver) +
                            ": preconditioner=jacobi needs the diagonal of curvature=" + o.curvature +
                            ", which this objective's operator does not provide (use "
                            "preconditioner=none)");
      }
    }
  }

  // Products taken to set the system up (the dense matrix's n).
  std::int64_t setup_products() const { return dense_ ? dense_->products() : 0; }
  bool dense() const { return dense_.has_value(); }

  RegularizedStepResult solve(std::span<const T> g, double lambda, std::span<T> d) const {
    if (dense_) return dense_->solve(lambda, g, d);
    return regularized_step_cg<T>(B_, g, lambda, d, theta_, max_iterations_, diagonal_);
  }

 private:
  const LinearOperator<T>& B_;
  double theta_;
  std::int64_t max_iterations_ = 0;
  std::optional<DenseRegularizedSystem<T>> dense_;
  std::vector<T> diagonal_;
};

}  // namespace

template <class T>
GradientRegularizedNewtonResult<T> gradient_regularized_newton(
    const Differentiable<T>& f, Parameters<T>& params, const GradientRegularizedNewtonOptions& o,
    const std::function<bool(const GradientRegularizedNewtonIterate<T>&)>& on_iteration) {
  using namespace solver_detail;
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = f.dimension();
  if (params.size() != n)
    throw MismatchError(std::string(kSolver) + ": " + std::to_string(params.size()) + " parameters for the " +
                        std::to_string(n) + " of '" + f.name() + "'");
  const Curvature curvature = curvature_from_name(o.curvature);
  require_curvature(f, curvature, kSolver);
  const bool dense = o.linear_solver == "cholesky" ||
                     (o.linear_solver == "auto" && n <= static_cast<std::size_t>(o.cholesky_max_dimension));
  const std::int64_t pass = solver_detail::samples_per_evaluation(f);

  GradientRegularizedNewtonResult<T> result;
  Summary<T>& summary = result.summary;
  std::vector<T> x(params.flat().begin(), params.flat().end()), g(n), trial(n), trial_g(n), d(n);
  auto evaluate = [&](std::span<const T> at, std::span<T> gradient) {
    const T value = f.value_and_gradient(at, gradient);
    ++summary.objective_calls;
    summary.sample_gradients += pass;
    return value;
  };
  T value = evaluate(x, g);
  double g_norm = norm<T>(g);
  double gamma = o.initial_gamma;

  auto finish = [&](Termination t, std::string message) {
    summary.termination = t;
    summary.message = std::move(message) + "; " + std::to_string(summary.steps) + " accepted steps, " +
                      std::to_string(result.rejected_trials) + " rejected trials, " +
                      std::to_string(result.curvature_products) + " products with B (curvature=" + o.curvature + "), " +
                      std::to_string(result.cg_iterations) + " CG iterations, " +
                      std::to_string(result.factorizations) + " Cholesky factorizations";
    std::copy(x.begin(), x.end(), params.data());
    summary.final_value = value;
    summary.final_gradient_norm = static_cast<T>(g_norm);
    result.final_gamma = gamma;
    result.data_passes = pass > 0 ? static_cast<double>(summary.sample_gradients) / static_cast<double>(pass) : 0.0;
    summary.timings.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  };

  if (!std::isfinite(value) || !std::isfinite(g_norm))
    return finish(Termination::non_finite, "non-finite value or gradient at the starting point");

  std::vector<RegularizationTrial> trials;
  for (std::int64_t k = 0;; ++k) {
    if (g_norm <= o.gtol || g_norm == 0)
      return finish(Termination::converged, "||g|| = " + format_number(g_norm) + " <= gtol = " + format_number(o.gtol));
    if (k >= o.max_steps) return finish(Termination::max_steps, "reached max_steps = " + std::to_string(o.max_steps));

    CurvatureOperator<T> B = curvature_at<T>(f, x, curvature);
    ++result.curvature_builds;
    summary.sample_gradients += B.build_sample_gradients;
    const IterationSystem<T> system(*B.matrix, o, dense);
    result.curvature_products += system.setup_products();
    summary.sample_gradients += B.product_sample_gradients * system.setup_products();

    trials.clear();
    bool accepted = false;
    for (std::int64_t t = 0; t < o.max_search && !accepted; ++t) {
      RegularizationTrial trial_record;
      trial_record.gamma = gamma;
      trial_record.lambda = g_norm / gamma;
      if (!(trial_record.lambda > 0) || !std::isfinite(trial_record.lambda))
        return finish(Termination::no_progress,
                      "lambda = ||g|| / gamma left the floating-point range (gamma = " + format_number(gamma) + ")");
      const RegularizedStepResult step = system.solve(g, trial_record.lambda, d);
      trial_record.solve = step.status;
      trial_record.cg_iterations = step.iterations;
      result.cg_iterations += step.iterations;
      result.curvature_products += step.products;
      summary.sample_gradients += B.product_sample_gradients * step.products;
      if (system.dense()) ++result.factorizations;
      trial_record.value = std::numeric_limits<double>::quiet_NaN();
      trial_record.gradient_norm = std::numeric_limits<double>::quiet_NaN();
      if (step.status == RegularizedStepStatus::non_finite)
        return finish(Termination::non_finite, "non-finite curvature or step at iteration " + std::to_string(k + 1) +
                                                   " (curvature=" + o.curvature + ")");
      if (step.status == RegularizedStepStatus::solved || step.status == RegularizedStepStatus::inexact) {
        trial_record.step_norm = step.step_norm;
        for (std::size_t i = 0; i < n; ++i) trial[i] = x[i] + d[i];
        const T trial_value = evaluate(trial, trial_g);
        trial_record.value = static_cast<double>(trial_value);
        trial_record.gradient_norm = norm<T>(trial_g);
        // The paper's test, f(x) - f(x + d) >= ||grad f(x + d)||^2 / (8 lambda); false for a
        // non-finite value or gradient (NaN compares false).
        const double decrease = static_cast<double>(value) - trial_record.value;
        accepted = std::isfinite(trial_record.value) && std::isfinite(trial_record.gradient_norm) &&
                   decrease >= trial_record.gradient_norm * trial_record.gradient_norm / (8 * trial_record.lambda);
      }
      trial_record.accepted = accepted;
      trials.push_back(trial_record);
      if (!accepted) {
        ++result.rejected_trials;
        gamma *= o.gamma_shrink;
      }
    }
    if (!accepted)
      return finish(Termination::no_progress, std::to_string(o.max_search) +
                                                  " trials of gamma in a row failed the decrease test at iteration " +
                                                  std::to_string(k + 1));

    const double previous = static_cast<double>(value);
    x.swap(trial);
    g.swap(trial_g);
    value = static_cast<T>(trials.back().value);
    g_norm = trials.back().gradient_norm;
    gamma = std::min(gamma * o.gamma_growth, std::numeric_limits<double>::max());
    summary.steps = k + 1;

    bool halt = false;
    if (on_iteration) {
      GradientRegularizedNewtonIterate<T> it;
      it.iteration = k + 1;
      it.x = x;
      it.value = static_cast<double>(value);
      it.gradient_norm = g_norm;
      it.trials = trials;
      it.next_gamma = gamma;
      it.objective_calls = summary.objective_calls;
      it.curvature_products = result.curvature_products;
      it.sample_gradients = summary.sample_gradients;
      halt = on_iteration(it);
    }
    if (g_norm <= o.gtol || g_norm == 0)
      return finish(Termination::converged, "||g|| = " + format_number(g_norm) + " <= gtol = " + format_number(o.gtol));
    const double current = static_cast<double>(value);
    if (o.ftol > 0 && previous - current <= o.ftol * std::max({std::abs(previous), std::abs(current), 1.0}))
      return finish(Termination::converged, "relative decrease of f <= ftol = " + format_number(o.ftol));
    if (halt) return finish(Termination::user_stop, "on_iteration asked to stop");
  }
}

template GradientRegularizedNewtonResult<float> gradient_regularized_newton<float>(
    const Differentiable<float>&, Parameters<float>&, const GradientRegularizedNewtonOptions&,
    const std::function<bool(const GradientRegularizedNewtonIterate<float>&)>&);
template GradientRegularizedNewtonResult<double> gradient_regularized_newton<double>(
    const Differentiable<double>&, Parameters<double>&, const GradientRegularizedNewtonOptions&,
    const std::function<bool(const GradientRegularizedNewtonIterate<double>&)>&);

}  // namespace descent
