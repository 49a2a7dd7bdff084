// Line search for the strong Wolfe conditions
//   phi(a) <= phi(0) + c1 a phi'(0)        (sufficient decrease)
//   |phi'(a)| <= c2 |phi'(0)|               (curvature)
// by More & Thuente, "Line search algorithms with guaranteed sufficient decrease", ACM TOMS
// 20(3), 1994 (the algorithm of MINPACK-2's dcsrch, which L-BFGS-B and scipy use).
//
// It keeps an interval of uncertainty [l, h] (l the best step so far) and picks each trial
// step by safeguarded cubic, quadratic or secant interpolation of phi and phi' at the
// interval's ends and the last trial (the paper's four cases, Section 4). Until the interval
// brackets a minimizer it extrapolates, to at most 4 times the distance from l. While no
// step has yet shown sufficient decrease with phi' >= 0 (stage one) the interpolation works on
// the auxiliary psi(a) = phi(a) - phi(0) - c1 a phi'(0), whose minimizers meet the
// sufficient-decrease condition; this is what guarantees termination at a step satisfying both
// conditions for 0 < c1 < c2 < 1 (the paper's Theorem 3.2), in finitely many steps for a phi
// bounded below. When the bracket shrinks by less than a third in two trials, the next step
// bisects it.
//
// The search stops without meeting the conditions when rounding stops the interval from
// shrinking, when the interval's relative width falls below xtol, at max_step or min_step, or
// when the evaluations run out; the status says which and the point is the last one
// evaluated (by construction the best seen when the interval collapsed: the search then
// re-evaluates l, as dcsrch does, so that the solver holds the gradient there). A trial that
// gives NaN or infinity is treated as a step too long: the next trial halves the distance to
// l, and no later trial goes beyond it.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "descent/solver/line_search.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct StrongWolfeOptions {
  static constexpr const char* kName = "StrongWolfeOptions";
  double c1 = 1e-4;        // 0 < c1 < 1: sufficient decrease (the paper's mu, dcsrch's ftol)
  double c2 = 0.9;         // c1 <= c2 < 1: curvature (eta, dcsrch's gtol); 0.1 suits nonlinear CG
  double xtol = 1e-10;     // >= 0: stop once the bracket's relative width is below this (scipy's L-BFGS-B: 0.1)
  double min_step = 0;     // >= 0
  double max_step = 1e20;  // > min_step
  std::int64_t max_evaluations = 20;  // >= 1: calls of phi
  static const std::vector<Field<StrongWolfeOptions>>& fields();
  // The table's ranges, plus c1 <= c2 and min_step < max_step (ConfigError naming the field).
  // (The paper's guarantee assumes c1 < c2; its experiments also use c1 = c2.)
  void validate() const;
};

// Searches from `initial_step` given phi and phi' at 0 in `at_zero`; steps are limited to
// [min_step, min(max_step, step_limit)] (step_limit: where the ray leaves a feasible box, for
// L-BFGS-B). Throws ConfigError for bad options or an initial step that is not positive and
// finite.
LineSearchResult more_thuente(const LineFunction& phi, const LinePoint& at_zero, double initial_step,
                              const StrongWolfeOptions& options,
                              double step_limit = std::numeric_limits<double>::infinity());

}  // namespace descent
