// Line searches: given a point x and a descent direction d, choose a step a > 0 along the
// ray x + a d. A line search sees only the one-dimensional function
//   phi(a) = f(x + a d),   phi'(a) = grad f(x + a d) . d,
// through a LineFunction that the solver supplies (it evaluates f and its gradient at the
// trial point and keeps them, so the accepted point's gradient costs nothing extra). This
// keeps the searches independent of the scalar type, of how x is stored and of what the
// objective is, so that L-BFGS, L-BFGS-B, nonlinear CG and any later method share them.
//
// Two searches are provided, each with an options struct checked by name:
//   backtracking_armijo (backtracking_armijo.hpp): sufficient decrease only;
//   more_thuente (more_thuente.hpp): the strong Wolfe conditions, More & Thuente 1994.
// Every search ends with a status: a step is accepted only when it met its conditions;
// otherwise the status says why no step was found, for the solver's Summary.
#pragma once

#include <functional>
#include <string>

namespace descent {

// phi and phi' at one step.
struct LinePoint {
  double step = 0;
  double value = 0;  // phi(step)
  double slope = 0;  // phi'(step)
};

// Evaluates phi and phi' at a step (the solver's evaluation of f and grad f at x + step d).
using LineFunction = std::function<LinePoint(double step)>;

enum class LineSearchStatus {
  satisfied,           // the step meets the search's conditions
  max_evaluations,     // the evaluation budget ran out first
  at_max_step,         // the conditions would need a step beyond max_step; the step is max_step
  at_min_step,         // every step down to min_step failed sufficient decrease
  interval_too_small,  // the bracket shrank to rounding level (or below xtol) without an acceptable step
  not_descent,         // phi'(0) >= 0: d is not a descent direction
  non_finite,          // phi or phi' stayed NaN or infinite down to the smallest step tried
};

std::string to_string(LineSearchStatus status);

struct LineSearchResult {
  LineSearchStatus status = LineSearchStatus::satisfied;
  // The step returned: the accepted one, or the best one seen (lowest phi with phi < phi(0)
  // where any was seen; step 0 otherwise).
  LinePoint point;
  int evaluations = 0;  // calls of the LineFunction
  // True when the step met the conditions.
  bool accepted() const { return status == LineSearchStatus::satisfied; }
  // True when the step lowers phi below phi(0) (a usable step even if not accepted).
  bool decreased = false;
};

}  // namespace descent
