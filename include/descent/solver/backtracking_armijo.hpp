// Backtracking line search for the Armijo (sufficient decrease) condition
//   phi(a) <= phi(0) + c1 a phi'(0),
// starting from a given step and shrinking it until the condition holds (Nocedal & Wright,
// Numerical Optimization, 2nd ed., Algorithm 3.1 and Section 3.5). With `interpolate` the
// next step minimizes a model of phi: a quadratic through phi(0), phi'(0) and phi(a) on the
// first backtrack, then a cubic through phi(0), phi'(0) and the last two trial values; the
// result is kept within [0.1 a, 0.5 a] of the current step so that the search neither
// stalls nor shrinks by orders of magnitude on one bad model. Without it the step is
// multiplied by `shrink`. A trial value that is NaN or infinite counts as a failed
// decrease (the step overshot into a region where f overflows) and the step falls to the
// lower safeguard.
//
// It never enlarges a step and ignores curvature, so it suits methods whose first trial
// step is already well scaled (Newton, L-BFGS after its first iteration). L-BFGS with
// Armijo steps may see s^T y <= 0 and then skips that pair (lbfgs.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "descent/solver/line_search.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct ArmijoOptions {
  static constexpr const char* kName = "ArmijoOptions";
  double c1 = 1e-4;                   // 0 < c1 < 1: the sufficient-decrease fraction
  double shrink = 0.5;                // 0 < shrink < 1: a <- shrink a when not interpolating
  bool interpolate = true;            // quadratic, then cubic models of phi (safeguarded to [0.1a, 0.5a])
  double min_step = 1e-20;            // >= 0: stop (at_min_step) once the step falls below it
  std::int64_t max_evaluations = 20;  // >= 1: calls of phi, the first trial step included
  static const std::vector<Field<ArmijoOptions>>& fields();
};

// Searches from `initial_step` (> 0) given phi and phi' at 0 in `at_zero`. Throws
// ConfigError for bad options or a non-positive or non-finite initial step.
LineSearchResult backtracking_armijo(const LineFunction& phi, const LinePoint& at_zero, double initial_step,
                                     const ArmijoOptions& options);

}  // namespace descent
