#include "descent/solver/trust_region_newton.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "descent/core/error.hpp"
#include "descent/solver/jacobi_preconditioner.hpp"
#include "descent/solver/steihaug.hpp"
#include "evaluation_cost.hpp"
#include "vector_arithmetic.hpp"

namespace descent {

const std::vector<std::string>& TrustRegionNewtonOptions::forcing_choices() {
  static const std::vector<std::string> c = {"constant", "quadratic"};
  return c;
}

const std::vector<Field<TrustRegionNewtonOptions>>& TrustRegionNewtonOptions::fields() {
  using O = TrustRegionNewtonOptions;
  const Range open_unit{0, 1, true, true};
  static const std::vector<Field<O>> f = {
      {"eps", &O::eps, Range::non_negative(), "converged when ||g|| <= eps ||g_0|| (LIBLINEAR's test)"},
      {"gtol", &O::gtol, Range::non_negative(), "converged when ||g|| <= gtol (0: off)"},
      {"cg_tolerance", &O::cg_tolerance, open_unit, "xi: CG stops at ||r|| <= xi_k ||g|| (M^-1 norms)"},
      {"forcing", &O::forcing, Range::any(), "xi_k: constant (xi) or quadratic (min(xi, ||g||))", &forcing_choices()},
      {"max_cg_iterations", &O::max_cg_iterations, Range::at_least(0), "CG iterations per step; 0: max(n, 5)"},
      {"preconditioner", &O::preconditioner, Range::any(),
       "jacobi: M = (1 - a) I + a diag(H); auto: jacobi where the Hessian has a diagonal",
       &newton_preconditioner_choices()},
      {"preconditioner_mix", &O::preconditioner_mix, Range{0, 1, true, false}, "a in M = (1 - a) I + a diag(H)"},
      {"initial_radius", &O::initial_radius, Range::non_negative(), "Delta_0; 0: ||g_0||_{M^-1}"},
      {"eta0", &O::eta0, Range::unit_closed_open(), "accept the step when actred > eta0 prered"},
      {"eta1", &O::eta1, Range::unit_closed_open(), "below eta1 prered the radius shrinks"},
      {"eta2", &O::eta2, Range::unit_closed_open(), "above eta2 prered the radius may grow"},
      {"sigma1", &O::sigma1, open_unit, "smallest shrink factor (and floor of alpha)"},
      {"sigma2", &O::sigma2, open_unit, "shrink factor of a poor step"},
      {"sigma3", &O::sigma3, Range{1, std::numeric_limits<double>::infinity(), true, true}, "growth factor"},
      {"max_steps", &O::max_steps, Range::at_least(0), "iterations, rejected steps included"}};
  return f;
}

void TrustRegionNewtonOptions::validate() const {
  descent::validate(*this);
  require(eta0 < eta1, kName, "eta0", eta0, "eta0 < eta1");
  require(eta1 < eta2, kName, "eta1", eta1, "eta1 < eta2");
  require(sigma1 < sigma2, kName, "sigma1", sigma1, "sigma1 < sigma2");
}

double next_trust_region_radius(const TrustRegionNewtonOptions& o, const RadiusUpdate& u) {
  const double delta = u.radius, s = u.step_norm;
  if (!std::isfinite(u.actual_reduction)) return o.sigma1 * std::min(delta, s);
  // f(x + s) - f(x) - g^T s: the curvature term of the interpolating quadratic.
  const double excess = -u.actual_reduction - u.gradient_step;
  const double alpha = excess <= 0 ? o.sigma3 : std::max(o.sigma1, -0.5 * u.gradient_step / excess);
  const double actred = u.actual_reduction, prered = u.predicted_reduction;
  if (actred < o.eta0 * prered) return std::min(alpha * s, o.sigma2 * delta);
  if (actred < o.eta1 * prered) return std::max(o.sigma1 * delta, std::min(alpha * s, o.sigma2 * delta));
  if (actred < o.eta2 * prered) return std::max(o.sigma1 * delta, std::min(alpha * s, o.sigma3 * delta));
  if (u.reached_boundary) return o.sigma3 * delta;
  return std::max(delta, std::min(alpha * s, o.sigma3 * delta));
}

namespace {

// M = (1 - a) I + a diag(H) when asked for and available; null for M = I.
template <class T>
std::unique_ptr<JacobiPreconditioner<T>> mixed_jacobi(const LinearOperator<T>& H, const TrustRegionNewtonOptions& o,
                                                      const std::string& objective) {
  if (o.preconditioner == "none") return nullptr;
  if (!H.has_diagonal()) {
    if (o.preconditioner == "auto") return nullptr;
    throw MismatchError("trust_region_newton: preconditioner=jacobi needs the Hessian's diagonal, which '" + objective +
                        "' does not provide (use preconditioner=none)");
  }
  std::vector<T> d(H.size());
  H.diagonal(d);
  const double a = o.preconditioner_mix;
  for (T& v : d) v = static_cast<T>((1 - a) + a * static_cast<double>(v));
  return std::make_unique<JacobiPreconditioner<T>>(std::span<const T>(d));
}

// r^T M^{-1} r, the squared norm the CG tolerance and Delta_0 use.
template <class T>
double inverse_norm_squared(std::span<const T> g, const Preconditioner<T>* M, std::vector<T>& work) {
  if (!M) return solver_detail::dot<T>(g, g);
  work.resize(g.size());
  M->apply(g, work);
  return solver_detail::dot<T>(g, work);
}

}  // namespace

template <class T>
TrustRegionNewtonResult<T> trust_region_newton(const Differentiable<T>& f, Parameters<T>& params,
                                               const TrustRegionNewtonOptions& o,
                                               const std::function<bool(const TrustRegionIterate<T>&)>& on_iteration) {
  using namespace solver_detail;
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = f.dimension();
  if (params.size() != n)
    throw MismatchError("trust_region_newton: " + std::to_string(params.size()) + " parameters for the " +
                        std::to_string(n) + " of '" + f.name() + "'");
  if (!f.has_hessian_vector())
    throw MismatchError("trust_region_newton needs Hessian-vector products; '" + f.name() + "' does not provide them");
  const std::int64_t pass = solver_detail::samples_per_evaluation(f);

  TrustRegionNewtonResult<T> result;
  Summary<T>& summary = result.summary;
  std::vector<T> x(params.flat().begin(), params.flat().end()), g(n), trial(n), trial_g(n), s(n), work;
  auto evaluate = [&](std::span<const T> at, std::span<T> gradient) {
    const T value = f.value_and_gradient(at, gradient);
    ++summary.objective_calls;
    summary.sample_gradients += pass;
    return value;
  };
  T value = evaluate(x, g);
  double g_norm = norm<T>(g);
  const double g0_norm = g_norm;
  const double threshold = std::max(o.eps * g0_norm, o.gtol);
  const double tiny = std::max(1e-12, 8.0 * std::numeric_limits<T>::epsilon());
  const double epsilon = std::numeric_limits<T>::epsilon();

  auto finish = [&](Termination t, std::string message) {
    summary.termination = t;
    summary.message = std::move(message) + "; " + std::to_string(result.accepted_steps) + " accepted steps, " +
                      std::to_string(result.hessian_vector_products) + " Hessian-vector products, " +
                      std::to_string(result.cg_iterations) + " CG iterations";
    std::copy(x.begin(), x.end(), params.data());
    summary.final_value = value;
    summary.final_gradient_norm = static_cast<T>(g_norm);
    summary.timings.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  };

  if (!std::isfinite(value) || !std::isfinite(g_norm))
    return finish(Termination::non_finite, "non-finite value or gradient at the starting point");
  if (g_norm <= threshold || g_norm == 0)
    return finish(Termination::converged, "||g_0|| = " + format_number(g_norm) + " already meets the tolerance");

  LinearOperatorPtr<T> H = f.hessian_at(x);
  std::unique_ptr<JacobiPreconditioner<T>> M = mixed_jacobi(*H, o, f.name());
  double g_inverse_norm = std::sqrt(inverse_norm_squared<T>(g, M.get(), work));
  double radius = o.initial_radius > 0 ? o.initial_radius : g_inverse_norm;
  SteihaugOptions cg;
  cg.max_iterations = o.max_cg_iterations;

  for (std::int64_t k = 0; k < o.max_steps; ++k) {
    cg.tolerance = o.forcing == "quadratic" ? std::min(o.cg_tolerance, g_inverse_norm) : o.cg_tolerance;
    const SteihaugResult step = steihaug_toint<T>(*H, g, radius, s, cg, M.get());
    result.hessian_vector_products += step.products;
    result.cg_iterations += step.iterations;
    summary.sample_gradients += pass * step.products;
    summary.steps = k + 1;
    if (step.termination == SteihaugTermination::non_finite || !all_finite<T>(s))
      return finish(Termination::non_finite, "non-finite Hessian-vector product at iteration " + std::to_string(k + 1));

    for (std::size_t i = 0; i < n; ++i) trial[i] = x[i] + s[i];
    const T trial_value = evaluate(trial, trial_g);
    const double gs = dot<T>(g, s);
    const double prered = -step.model_value;
    const double actred = static_cast<double>(value) - static_cast<double>(trial_value);
    if (k == 0) radius = std::min(radius, step.step_norm);
    radius = next_trust_region_radius(
        o, {radius, step.step_norm, std::isfinite(actred) ? actred : -std::numeric_limits<double>::infinity(), prered,
            gs, step.on_boundary()});
    const bool accepted = std::isfinite(actred) && actred > o.eta0 * prered;
    if (accepted) {
      if (!all_finite<T>(trial_g))
        return finish(Termination::non_finite, "non-finite gradient at iteration " + std::to_string(k + 1));
      x.swap(trial);
      g.swap(trial_g);
      value = trial_value;
      g_norm = norm<T>(g);
      ++result.accepted_steps;
    }
    const bool converged = accepted && g_norm <= threshold;
    if (accepted && !converged) {
      H = f.hessian_at(x);
      M = mixed_jacobi(*H, o, f.name());
      g_inverse_norm = std::sqrt(inverse_norm_squared<T>(g, M.get(), work));
    }
    bool halt = false;
    if (on_iteration) {
      TrustRegionIterate<T> it;
      it.iteration = k + 1;
      it.x = x;
      it.value = static_cast<double>(value);
      it.gradient_norm = g_norm;
      it.radius = radius;
      it.ratio = actred / prered;
      it.accepted = accepted;
      it.reached_boundary = step.on_boundary();
      it.cg_iterations = step.iterations;
      it.objective_calls = summary.objective_calls;
      it.hessian_vector_products = result.hessian_vector_products;
      it.sample_gradients = summary.sample_gradients;
      halt = on_iteration(it);
    }
    if (converged)
      return finish(Termination::converged, "||g|| = " + format_number(g_norm) + " <= " + format_number(threshold));
    if (halt) return finish(Termination::user_stop, "on_iteration asked to stop");
    if (!(prered > 0)) return finish(Termination::no_progress, "the model predicts no decrease (prered <= 0)");
    const double scale = std::abs(static_cast<double>(value));
    if (std::abs(actred) <= tiny * scale && prered <= tiny * scale)
      return finish(Termination::no_progress, "actual and predicted reductions below rounding of f");
    if (radius <= epsilon * norm<T>(x))
      return finish(Termination::no_progress, "the trust region collapsed (radius " + format_number(radius) + ")");
  }
  return finish(Termination::max_steps, "reached max_steps = " + std::to_string(o.max_steps));
}

template TrustRegionNewtonResult<float> trust_region_newton<float>(
    const Differentiable<float>&, Parameters<float>&, const TrustRegionNewtonOptions&,
    const std::function<bool(const TrustRegionIterate<float>&)>&);
template TrustRegionNewtonResult<double> trust_region_newton<double>(
    const Differentiable<double>&, Parameters<double>&, const TrustRegionNewtonOptions&,
    const std::function<bool(const TrustRegionIterate<double>&)>&);

}  // namespace descent
