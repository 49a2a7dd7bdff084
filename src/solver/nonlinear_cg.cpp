#include "descent/solver/nonlinear_cg.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/core/vector_ops.hpp"
#include "descent/solver/more_thuente.hpp"
#include "ray.hpp"

namespace descent {

namespace {
const std::vector<std::string> kBetas = {"fr", "pr_plus", "hz"};
}  // namespace

const std::vector<Field<NonlinearCgOptions>>& NonlinearCgOptions::fields() {
  using O = NonlinearCgOptions;
  static const std::vector<Field<O>> f = {
      {"beta", &O::beta, Range::any(), "fr (Fletcher-Reeves), pr_plus (Polak-Ribiere+), hz (Hager-Zhang)", &kBetas},
      {"gtol", &O::gtol, Range::non_negative(), "converged when max_i |g_i| <= gtol"},
      {"ftol", &O::ftol, Range::non_negative(), "converged when (f_k - f_k+1) <= ftol max(|f_k|, |f_k+1|, 1)"},
      {"c1", &O::c1, {0, 1, true, true}, "line search: sufficient decrease"},
      {"c2", &O::c2, {0, 1, true, true}, "line search: |g(x + a d).d| <= c2 |g.d|; c2 >= c1"},
      {"xtol", &O::xtol, Range::non_negative(), "line search: stop once the bracket's relative width is below this"},
      {"max_line_search", &O::max_line_search, Range::at_least(1), "evaluations per line search"},
      {"restart_every", &O::restart_every, Range::non_negative(), "d <- -g every this many iterations; 0: n"},
      {"eta", &O::eta, Range::positive(), "hz: beta >= -1 / (|d| min(eta, |g|))"},
      {"max_steps", &O::max_steps, Range::at_least(0), "iterations"}};
  return f;
}

void NonlinearCgOptions::validate() const {
  descent::validate(*this);
  require(c1 <= c2, kName, "c2", c2, "c2 >= c1 (c1 = " + format_number(c1) + ")");
}

double conjugate_gradient_beta(const std::string& formula, std::span<const double> g, std::span<const double> g_next,
                               std::span<const double> d, double eta) {
  const double gg = dot(g, g);
  if (formula == "fr") return dot(g_next, g_next) / gg;
  std::vector<double> y(g.size());
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = g_next[i] - g[i];
  if (formula == "pr_plus") return std::max(0.0, dot(g_next, std::span<const double>(y)) / gg);
  if (formula == "hz") {
    const double dy = dot(d, std::span<const double>(y));
    const double yy = dot(std::span<const double>(y), std::span<const double>(y));
    const double b = (dot(std::span<const double>(y), g_next) - 2 * yy / dy * dot(d, g_next)) / dy;
    const double lower = -1 / (norm2(d) * std::min(eta, std::sqrt(gg)));
    return std::max(b, lower);
  }
  throw ConfigError("NonlinearCgOptions::beta = '" + formula + "' is not one of fr, pr_plus, hz");
}

template <class T>
Summary<T> nonlinear_cg(const Differentiable<T>& f, Parameters<T>& params, const NonlinearCgOptions& o,
                        const SolverRun& run) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = f.dimension();
  if (params.size() != n)
    throw MismatchError("nonlinear_cg: " + std::to_string(params.size()) + " parameters for the " + std::to_string(n) +
                        " of '" + f.name() + "'");
  StrongWolfeOptions search;
  search.c1 = o.c1;
  search.c2 = o.c2;
  search.xtol = o.xtol;
  search.max_evaluations = o.max_line_search;
  const std::int64_t restart_every = o.restart_every > 0 ? o.restart_every : static_cast<std::int64_t>(n);

  solver_detail::Ray<T> ray(f);
  std::span<T> x = params.flat();
  std::vector<T> g(n), d(n);
  std::vector<double> gd(n), gd_next(n), dd(n);  // double copies for beta
  std::int64_t steps = 0;
  const auto finish = [&](Termination t, std::string message, double value) {
    return solver_detail::summary_of(ray, steps, t, std::move(message), value, norm2(std::span<const T>(g)), start);
  };
  double value = ray.evaluate(x, g);
  if (!std::isfinite(value) || !std::isfinite(max_abs(std::span<const T>(g))))
    return finish(Termination::non_finite, "f or its gradient is not finite at the starting point", value);
  if (max_abs(std::span<const T>(g)) <= o.gtol)
    return finish(Termination::converged, "max_i |g_i| <= gtol at the starting point", value);

  for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
  double previous_step = 0, previous_slope = 0;
  bool steepest = true;
  std::int64_t since_restart = 0;
  for (std::int64_t k = 0; k < o.max_steps; ++k) {
    double slope = dot(std::span<const T>(g), std::span<const T>(d));
    if (!(slope < 0)) {  // not a descent direction: restart along -g
      for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
      slope = dot(std::span<const T>(g), std::span<const T>(d));
      steepest = true;
    }
    LineSearchResult result;
    for (;;) {
      const double initial = steepest || previous_step == 0 ? 1 / std::sqrt(-slope)  // 1 / |g| along -g
                                                            : std::min(1e10, previous_step * previous_slope / slope);
      ray.aim(x, d);
      result = more_thuente(ray.function(), {0, value, slope}, initial, search);
      if (result.accepted() || (result.decreased && result.status != LineSearchStatus::not_descent)) break;
      if (steepest) {
        return finish(Termination::no_progress,
                      "no step along -g lowered f (line search: " + to_string(result.status) + " after " +
                          std::to_string(result.evaluations) + " evaluations)",
                      value);
      }
      for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
      slope = dot(std::span<const T>(g), std::span<const T>(d));
      steepest = true;
    }
    if (ray.step() != result.point.step) ray.at(result.point.step);
    previous_step = result.point.step;
    previous_slope = slope;
    const auto g_next = ray.gradient();
    for (std::size_t i = 0; i < n; ++i) {
      gd[i] = g[i];
      gd_next[i] = g_next[i];
      dd[i] = d[i];
    }
    const double old_value = value;
    value = ray.value();
    std::copy(ray.point().begin(), ray.point().end(), x.begin());
    std::copy(g_next.begin(), g_next.end(), g.begin());
    steps = k + 1;
    const double gmax = max_abs(std::span<const T>(g));
    if (!std::isfinite(value) || !std::isfinite(gmax))
      return finish(Termination::non_finite, "f or its gradient became non-finite", value);
    if (run.report(solver_detail::iterate_at<T>(ray, steps, x, value, norm2(std::span<const T>(g)))))
      return finish(Termination::user_stop, "stopped by request", value);
    if (gmax <= o.gtol)
      return finish(Termination::converged, "max_i |g_i| = " + format_number(gmax) + " <= gtol", value);
    if (old_value - value <= o.ftol * std::max({std::abs(old_value), std::abs(value), 1.0}))
      return finish(Termination::converged, "relative decrease of f <= ftol", value);
    // The next direction.
    ++since_restart;
    if (since_restart >= restart_every) {
      since_restart = 0;
      for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
      steepest = true;
    } else {
      const double beta = conjugate_gradient_beta(o.beta, gd, gd_next, dd, o.eta);
      const T b = static_cast<T>(std::isfinite(beta) ? beta : 0.0);
      for (std::size_t i = 0; i < n; ++i) d[i] = -g[i] + b * d[i];
      steepest = !(beta != 0 && std::isfinite(beta));
    }
  }
  return finish(Termination::max_steps, "reached max_steps = " + std::to_string(o.max_steps), value);
}

template Summary<float> nonlinear_cg<float>(const Differentiable<float>&, Parameters<float>&, const NonlinearCgOptions&,
                                            const SolverRun&);
template Summary<double> nonlinear_cg<double>(const Differentiable<double>&, Parameters<double>&,
                                              const NonlinearCgOptions&, const SolverRun&);

}  // namespace descent
