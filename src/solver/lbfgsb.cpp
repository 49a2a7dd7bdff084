#include "descent/solver/lbfgsb.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/core/vector_ops.hpp"
#include "descent/solver/cauchy_point.hpp"
#include "descent/solver/compact_bfgs.hpp"
#include "descent/solver/more_thuente.hpp"
#include "evaluation_cost.hpp"

namespace descent {

const std::vector<Field<LbfgsbOptions>>& LbfgsbOptions::fields() {
  using O = LbfgsbOptions;
  static const std::vector<Field<O>> f = {
      {"memory", &O::memory, Range::at_least(1), "m: curvature pairs kept"},
      {"gtol", &O::gtol, Range::non_negative(), "converged when max_i |P(x - g)_i - x_i| <= gtol"},
      {"ftol", &O::ftol, Range::non_negative(), "converged when (f_k - f_k+1) <= ftol max(|f_k|, |f_k+1|, 1)"},
      {"c1", &O::c1, {0, 1, true, true}, "line search: f(x + a d) <= f(x) + c1 a g.d"},
      {"c2", &O::c2, {0, 1, true, true}, "line search: |g(x + a d).d| <= c2 |g.d|; c2 >= c1"},
      {"xtol", &O::xtol, Range::non_negative(), "line search: stop once the bracket's relative width is below this"},
      {"max_line_search", &O::max_line_search, Range::at_least(1), "evaluations per line search"},
      {"max_steps", &O::max_steps, Range::at_least(0), "iterations"}};
  return f;
}

void LbfgsbOptions::validate() const {
  descent::validate(*this);
  require(c1 <= c2, kName, "c2", c2, "c2 >= c1 (c1 = " + format_number(c1) + ")");
}

double projected_gradient_max_norm(std::span<const double> x, std::span<const double> g, std::span<const double> lower,
                                   std::span<const double> upper) {
  double m = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double step = std::clamp(x[i] - g[i], lower[i], upper[i]) - x[i];
    if (std::isnan(step)) return step;
    m = std::max(m, std::abs(step));
  }
  return m;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The subspace step from the Cauchy point z (Byrd et al. 1995, Section 5.1, direct primal
// method): the minimizer of the model over the free variables F with the others fixed,
//   du = -(1/theta) r - (1/theta^2) W_F^T... written with the reduced compact form
//   du = -(1/theta) r - (1/theta^2) W_F (I - (1/theta) M W_F^T W_F)^-1 M W_F^T r,
// r = (g + theta (z - x) - W M c)_F the model's reduced gradient at z. Then the 3.0 remark:
// project z + du onto the box; if that is not a descent direction from x, go back to z and
// move along du only up to the first bound.
std::vector<double> subspace_step(std::span<const double> x, std::span<const double> g, const CauchyPoint& cp,
                                  std::span<const double> lower, std::span<const double> upper, const CompactBfgs& B) {
  const std::size_t n = x.size();
  std::vector<std::size_t> free;
  for (std::size_t i = 0; i < n; ++i)
    if (cp.free[i]) free.push_back(i);
  std::vector<double> xbar = cp.point;
  if (free.empty() || B.empty()) return xbar;
  const double theta = B.theta();
  const auto k2 = static_cast<Eigen::Index>(2 * B.size());
  const Eigen::Map<const Eigen::MatrixXd> M(B.middle().data(), k2, k2);
  const Eigen::VectorXd Mc = M * Eigen::Map<const Eigen::VectorXd>(cp.c.data(), k2);
  std::vector<double> row;
  Eigen::VectorXd v = Eigen::VectorXd::Zero(k2);
  Eigen::MatrixXd WtW = Eigen::MatrixXd::Zero(k2, k2);
  std::vector<double> r(free.size());
  for (std::size_t j = 0; j < free.size(); ++j) {
    const std::size_t i = free[j];
    B.row(i, row);
    const Eigen::Map<const Eigen::VectorXd> w(row.data(), k2);
    r[j] = g[i] + theta * (cp.point[i] - x[i]) - w.dot(Mc);
    v += r[j] * w;
    WtW.selfadjointView<Eigen::Lower>().rankUpdate(w);
  }
  WtW = WtW.selfadjointView<Eigen::Lower>();
  v = M * v;
  const Eigen::MatrixXd N = Eigen::MatrixXd::Identity(k2, k2) - (M * WtW) / theta;
  v = N.partialPivLu().solve(v);
  std::vector<double> du(free.size());
  for (std::size_t j = 0; j < free.size(); ++j) {
    B.row(free[j], row);
    du[j] = -r[j] / theta - Eigen::Map<const Eigen::VectorXd>(row.data(), k2).dot(v) / (theta * theta);
  }
  double descent_check = 0;
  for (std::size_t j = 0; j < free.size(); ++j) {
    const std::size_t i = free[j];
    xbar[i] = std::clamp(cp.point[i] + du[j], lower[i], upper[i]);
  }
  for (std::size_t i = 0; i < n; ++i) descent_check += (xbar[i] - x[i]) * g[i];
  if (descent_check <= 0) return xbar;
  // Not a descent direction: the step along du from z, cut at the first bound it meets.
  xbar = cp.point;
  double alpha = 1;
  std::size_t blocking = n;
  for (std::size_t j = 0; j < free.size(); ++j) {
    const std::size_t i = free[j];
    double reach = kInf;
    if (du[j] < 0 && lower[i] > -kInf) reach = (lower[i] - cp.point[i]) / du[j];
    if (du[j] > 0 && upper[i] < kInf) reach = (upper[i] - cp.point[i]) / du[j];
    if (reach < alpha) alpha = reach, blocking = j;
  }
  for (std::size_t j = 0; j < free.size(); ++j) xbar[free[j]] = cp.point[free[j]] + alpha * du[j];
  if (blocking < n) {
    const std::size_t i = free[blocking];
    xbar[i] = du[blocking] > 0 ? upper[i] : lower[i];
  }
  return xbar;
}

// The largest step along d that keeps x + a d in the box (at most `cap`); 0 when d leaves
// it at once (as L-BFGS-B's lnsrlb computes it).
double max_feasible_step(std::span<const double> x, std::span<const double> d, std::span<const double> lower,
                         std::span<const double> upper, double cap) {
  double step = cap;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (d[i] < 0 && lower[i] > -kInf) {
      const double room = lower[i] - x[i];
      if (room >= 0) return 0;
      if (d[i] * step < room) step = room / d[i];
    } else if (d[i] > 0 && upper[i] < kInf) {
      const double room = upper[i] - x[i];
      if (room <= 0) return 0;
      if (d[i] * step > room) step = room / d[i];
    }
  }
  return step;
}

// f and its gradient in the objective's precision, at a point held in double.
template <class T>
class Evaluator {
 public:
  explicit Evaluator(const Differentiable<T>& f)
      : f_(f), x_(f.dimension()), g_(f.dimension()), samples_per_call_(solver_detail::samples_per_evaluation(f)) {}
  double operator()(std::span<const double> x, std::span<double> g) {
    for (std::size_t i = 0; i < x.size(); ++i) x_[i] = static_cast<T>(x[i]);
    const auto start = std::chrono::steady_clock::now();
    const double value = f_.value_and_gradient(x_, g_);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = g_[i];
    ++calls;
    sample_gradients += samples_per_call_;
    return value;
  }
  std::int64_t calls = 0, sample_gradients = 0;
  double seconds = 0;

 private:
  const Differentiable<T>& f_;
  std::vector<T> x_, g_;
  std::int64_t samples_per_call_ = 0;
};

}  // namespace

template <class T>
Summary<T> lbfgsb(const Differentiable<T>& f, Parameters<T>& params, std::span<const double> lower_in,
                  std::span<const double> upper_in, const LbfgsbOptions& o, const SolverRun& run) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = f.dimension();
  if (params.size() != n)
    throw MismatchError("lbfgsb: " + std::to_string(params.size()) + " parameters for the " + std::to_string(n) +
                        " of '" + f.name() + "'");
  const auto bound_vector = [&](std::span<const double> in, double none, const char* which) {
    if (in.empty()) return std::vector<double>(n, none);
    if (in.size() != n)
      throw MismatchError(std::string("lbfgsb: ") + which + " bounds have " + std::to_string(in.size()) +
                          " entries for " + std::to_string(n) + " parameters");
    return std::vector<double>(in.begin(), in.end());
  };
  const std::vector<double> lower = bound_vector(lower_in, -kInf, "lower"),
                            upper = bound_vector(upper_in, kInf, "upper");
  bool constrained = false, boxed = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(lower[i]) || std::isnan(upper[i]) || lower[i] > upper[i] || lower[i] == kInf || upper[i] == -kInf)
      throw MismatchError("lbfgsb: bounds of parameter " + std::to_string(i) + " are [" + format_number(lower[i]) +
                          ", " + format_number(upper[i]) + "]: need lower <= upper, neither NaN");
    constrained = constrained || lower[i] > -kInf || upper[i] < kInf;
    boxed = boxed && lower[i] > -kInf && upper[i] < kInf;
  }
  StrongWolfeOptions search;
  search.c1 = o.c1;
  search.c2 = o.c2;
  search.xtol = o.xtol;
  search.max_evaluations = o.max_line_search;

  Evaluator<T> evaluate(f);
  std::vector<double> x(n), g(n), d(n), x_trial(n), g_trial(n), s(n), y(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = std::clamp(static_cast<double>(params[i]), lower[i], upper[i]);
  Summary<T> summary;
  const auto finish = [&](Termination t, std::string message, double value) {
    for (std::size_t i = 0; i < n; ++i) params[i] = static_cast<T>(x[i]);
    summary.termination = t;
    summary.message = std::move(message);
    summary.final_value = static_cast<T>(value);
    summary.final_gradient_norm = static_cast<T>(norm2(std::span<const double>(g)));
    summary.objective_calls = evaluate.calls;
    summary.sample_gradients = evaluate.sample_gradients;
    summary.timings.estimate_s = evaluate.seconds;
    summary.timings.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
  };

  double value = evaluate(x, g);
  if (!std::isfinite(value) || !std::isfinite(max_abs(std::span<const double>(g))))
    return finish(Termination::non_finite, "f or its gradient is not finite at the starting point", value);
  double pg = projected_gradient_max_norm(x, g, lower, upper);
  if (pg <= o.gtol) return finish(Termination::converged, "projected gradient max-norm <= gtol at the start", value);
  CompactBfgs B(n, static_cast<std::size_t>(o.memory));
  const double eps = std::numeric_limits<double>::epsilon();

  for (std::int64_t k = 0; k < o.max_steps; ++k) {
    LineSearchResult result;
    double last_step = -1;
    // The first attempt uses B; if no step lowers f, the memory is cleared and the steepest
    // projected direction tried from a unit step (as L-BFGS-B does), and last, unless every
    // variable is boxed, from a step of unit length: a badly scaled problem (|g| ~ 1e4 in
    // powell_badly_scaled) can spend every evaluation shrinking the unit step, where scipy stops.
    bool unit_length_trial = false;
    for (;;) {
      std::vector<double> xbar;
      if (!constrained && !B.empty()) {
        // No bounds: the Cauchy point only slows things down; the subspace step from x over
        // every variable is the quasi-Newton step.
        CauchyPoint at_x;
        at_x.point = x;
        at_x.free.assign(n, true);
        at_x.c.assign(2 * B.size(), 0.0);
        xbar = subspace_step(x, g, at_x, lower, upper, B);
      } else {
        xbar = subspace_step(x, g, generalized_cauchy_point(x, g, lower, upper, B), lower, upper, B);
      }
      for (std::size_t i = 0; i < n; ++i) d[i] = xbar[i] - x[i];
      const double slope = dot(std::span<const double>(g), std::span<const double>(d));
      const double step_max = constrained ? (k == 0 ? 1.0 : max_feasible_step(x, d, lower, upper, 1e10)) : 1e10;
      if (slope < 0 && step_max > 0) {
        const double dnorm = norm2(std::span<const double>(d));
        const bool unit_length = (k == 0 || unit_length_trial) && !boxed;
        const double initial = unit_length ? std::min(1 / dnorm, step_max) : std::min(1.0, step_max);
        const LineFunction phi = [&](double a) {
          // At a = 1 the trial is x_bar itself, so that variables placed on a bound stay there.
          for (std::size_t i = 0; i < n; ++i)
            x_trial[i] = a == 1 ? xbar[i] : std::clamp(x[i] + a * d[i], lower[i], upper[i]);
          const double v = evaluate(x_trial, g_trial);
          last_step = a;
          return LinePoint{a, v, dot(std::span<const double>(g_trial), std::span<const double>(d))};
        };
        result = more_thuente(phi, {0, value, slope}, initial, search, step_max);
        if (result.accepted() || result.decreased) {
          if (last_step != result.point.step) phi(result.point.step);
          break;
        }
      }
      if (!B.empty()) {
        B.clear();
        continue;
      }
      if (!unit_length_trial && k > 0 && !boxed) {
        unit_length_trial = true;
        continue;
      }
      {
        summary.steps = k;
        return finish(Termination::no_progress,
                      slope < 0 ? "no step along the projected gradient path lowered f (line search: " +
                                      to_string(result.status) + " after " + std::to_string(result.evaluations) +
                                      " evaluations)"
                                : "the projected steepest-descent direction is not a descent direction",
                      value);
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      s[i] = x_trial[i] - x[i];
      y[i] = g_trial[i] - g[i];
    }
    const double sy = dot(std::span<const double>(s), std::span<const double>(y));
    if (sy > eps * -dot(std::span<const double>(g), std::span<const double>(s))) B.push(s, y);
    const double old_value = value;
    value = result.point.value;
    x.swap(x_trial);
    g.swap(g_trial);
    summary.steps = k + 1;
    pg = projected_gradient_max_norm(x, g, lower, upper);
    if (!std::isfinite(value) || !std::isfinite(pg))
      return finish(Termination::non_finite, "f or its gradient became non-finite", value);
    if (run.observe_float || run.observe_double || run.stop) {
      std::vector<T> xt(x.begin(), x.end());
      SolverIterate<T> it;
      it.step = k + 1;
      it.x = xt;
      it.value = value;
      it.gradient_norm = norm2(std::span<const double>(g));
      it.objective_calls = evaluate.calls;
      it.sample_gradients = evaluate.sample_gradients;
      if (run.report(it)) return finish(Termination::user_stop, "stopped by request", value);
    }
    if (pg <= o.gtol)
      return finish(Termination::converged, "projected gradient max-norm " + format_number(pg) + " <= gtol", value);
    if (old_value - value <= o.ftol * std::max({std::abs(old_value), std::abs(value), 1.0}))
      return finish(Termination::converged, "relative decrease of f <= ftol", value);
  }
  return finish(Termination::max_steps, "reached max_steps = " + std::to_string(o.max_steps), value);
}

template Summary<float> lbfgsb<float>(const Differentiable<float>&, Parameters<float>&, std::span<const double>,
                                      std::span<const double>, const LbfgsbOptions&, const SolverRun&);
template Summary<double> lbfgsb<double>(const Differentiable<double>&, Parameters<double>&, std::span<const double>,
                                        std::span<const double>, const LbfgsbOptions&, const SolverRun&);

}  // namespace descent
