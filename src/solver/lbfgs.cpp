#include "descent/solver/lbfgs.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/core/vector_ops.hpp"
#include "descent/solver/backtracking_armijo.hpp"
#include "descent/solver/lbfgs_history.hpp"
#include "descent/solver/more_thuente.hpp"
#include "ray.hpp"

namespace descent {

namespace {
const std::vector<std::string> kLineSearches = {"strong_wolfe", "armijo"};
}  // namespace

const std::vector<Field<LbfgsOptions>>& LbfgsOptions::fields() {
  using O = LbfgsOptions;
  static const std::vector<Field<O>> f = {
      {"memory", &O::memory, Range::at_least(1), "m: curvature pairs kept (2 m d numbers)"},
      {"gtol", &O::gtol, Range::non_negative(), "converged when max_i |g_i| <= gtol"},
      {"ftol", &O::ftol, Range::non_negative(), "converged when (f_k - f_k+1) <= ftol max(|f_k|, |f_k+1|, 1)"},
      {"line_search", &O::line_search, Range::any(), "strong_wolfe (More-Thuente) or armijo (backtracking)",
       &kLineSearches},
      {"c1", &O::c1, {0, 1, true, true}, "sufficient decrease: f(x + a d) <= f(x) + c1 a g.d"},
      {"c2", &O::c2, {0, 1, true, true}, "strong Wolfe curvature: |g(x + a d).d| <= c2 |g.d|; c2 > c1"},
      {"xtol", &O::xtol, Range::non_negative(), "strong Wolfe: stop once the bracket's relative width is below this"},
      {"max_line_search", &O::max_line_search, Range::at_least(1), "evaluations per line search"},
      {"max_steps", &O::max_steps, Range::at_least(0), "iterations"}};
  return f;
}

void LbfgsOptions::validate() const {
  descent::validate(*this);
  if (line_search == "strong_wolfe") require(c1 < c2, kName, "c2", c2, "c2 > c1 (c1 = " + format_number(c1) + ")");
}

template <class T>
Summary<T> lbfgs(const Differentiable<T>& f, Parameters<T>& params, const LbfgsOptions& o, const SolverRun& run) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = f.dimension();
  if (params.size() != n)
    throw MismatchError("lbfgs: " + std::to_string(params.size()) + " parameters for the " + std::to_string(n) +
                        " of '" + f.name() + "'");
  const bool wolfe = o.line_search == "strong_wolfe";
  StrongWolfeOptions wolfe_options;
  wolfe_options.c1 = o.c1;
  wolfe_options.c2 = o.c2;
  wolfe_options.xtol = o.xtol;
  wolfe_options.max_evaluations = o.max_line_search;
  ArmijoOptions armijo_options;
  armijo_options.c1 = o.c1;
  armijo_options.max_evaluations = o.max_line_search;

  solver_detail::Ray<T> ray(f);
  LbfgsHistory<T> history(n, static_cast<std::size_t>(o.memory));
  std::span<T> x = params.flat();
  std::vector<T> g(n), d(n), s(n), y(n);
  std::int64_t steps = 0;
  const auto finish = [&](Termination t, std::string message, double value, double gradient_norm) {
    return solver_detail::summary_of(ray, steps, t, std::move(message), value, gradient_norm, start);
  };

  double value = ray.evaluate(x, g);
  if (!std::isfinite(value) || !std::isfinite(max_abs(std::span<const T>(g))))
    return finish(Termination::non_finite, "f or its gradient is not finite at the starting point", value,
                  norm2(std::span<const T>(g)));
  if (max_abs(std::span<const T>(g)) <= o.gtol)
    return finish(Termination::converged, "max_i |g_i| <= gtol at the starting point", value,
                  norm2(std::span<const T>(g)));
  const double eps = std::numeric_limits<T>::epsilon();

  for (std::int64_t k = 0; k < o.max_steps; ++k) {
    LineSearchResult search;
    for (bool steepest = history.empty();; steepest = true) {
      if (steepest) history.clear();
      history.apply(g, d);
      for (auto& v : d) v = -v;
      const double slope = dot(std::span<const T>(g), std::span<const T>(d));
      // The first trial moves a unit distance when H is the identity; else the quasi-Newton step.
      const double initial = history.empty() ? 1 / norm2(std::span<const T>(d)) : 1.0;
      ray.aim(x, d);
      const LinePoint origin{0, value, slope};
      search = wolfe ? more_thuente(ray.function(), origin, initial, wolfe_options)
                     : backtracking_armijo(ray.function(), origin, initial, armijo_options);
      // A step that lowered f is taken even when the search stopped on its interval or step
      // bounds (as L-BFGS-B does): the conditions are then as good as rounding allows.
      const bool usable = search.accepted() || (search.decreased && search.status != LineSearchStatus::not_descent);
      if (usable) break;
      if (steepest) {
        return finish(Termination::no_progress,
                      "no step along -g lowered f (line search: " + to_string(search.status) + " after " +
                          std::to_string(search.evaluations) + " evaluations)",
                      value, norm2(std::span<const T>(g)));
      }
    }
    if (ray.step() != search.point.step) ray.at(search.point.step);  // the gradient at the step taken
    const double new_value = ray.value();
    const auto x_new = ray.point();
    const auto g_new = ray.gradient();
    for (std::size_t i = 0; i < n; ++i) {
      s[i] = x_new[i] - x[i];
      y[i] = g_new[i] - g[i];
    }
    // The curvature test of L-BFGS-B: keep the pair only if s.y is positive beyond rounding
    // relative to the decrease g.s that the step promised.
    const double sy = dot(std::span<const T>(s), std::span<const T>(y));
    if (sy > eps * -dot(std::span<const T>(g), std::span<const T>(s))) history.push(s, y);
    std::copy(x_new.begin(), x_new.end(), x.begin());
    std::copy(g_new.begin(), g_new.end(), g.begin());
    const double old_value = value;
    value = new_value;
    steps = k + 1;
    const double gmax = max_abs(std::span<const T>(g));
    if (!std::isfinite(value) || !std::isfinite(gmax))
      return finish(Termination::non_finite, "f or its gradient became non-finite", value, gmax);
    const SolverIterate<T> it = solver_detail::iterate_at<T>(ray, steps, x, value, norm2(std::span<const T>(g)));
    if (run.report(it)) return finish(Termination::user_stop, "stopped by request", value, it.gradient_norm);
    if (gmax <= o.gtol)
      return finish(Termination::converged, "max_i |g_i| = " + format_number(gmax) + " <= gtol", value,
                    it.gradient_norm);
    if (old_value - value <= o.ftol * std::max({std::abs(old_value), std::abs(value), 1.0}))
      return finish(Termination::converged, "relative decrease of f <= ftol", value, it.gradient_norm);
  }
  return finish(Termination::max_steps, "reached max_steps = " + std::to_string(o.max_steps), value,
                norm2(std::span<const T>(g)));
}

template Summary<float> lbfgs<float>(const Differentiable<float>&, Parameters<float>&, const LbfgsOptions&,
                                     const SolverRun&);
template Summary<double> lbfgs<double>(const Differentiable<double>&, Parameters<double>&, const LbfgsOptions&,
                                       const SolverRun&);

}  // namespace descent
