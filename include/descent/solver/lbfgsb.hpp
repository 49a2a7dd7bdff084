// L-BFGS-B: limited-memory BFGS for bound constraints l <= x <= u (Byrd, Lu, Nocedal & Zhu,
// SIAM J. Sci. Comput. 16(5), 1995; Zhu, Byrd, Lu & Nocedal, ACM TOMS 23(4), 1997; with the
// subspace step of Morales & Nocedal, "Remark on Algorithm 778", ACM TOMS 38(1), 2011, as
// L-BFGS-B 3.0 and scipy use). Each iteration, with B the compact limited-memory BFGS matrix
// (compact_bfgs.hpp):
//   1. the generalized Cauchy point z of the quadratic model along the projected gradient
//      path (cauchy_point.hpp), which fixes the variables that reach a bound;
//   2. the subspace step: the model's minimizer over the free variables from z (the direct
//      primal method, Section 5.1, through the Sherman-Morrison-Woodbury form of the reduced
//      B), projected onto the box; if that projection does not give a descent direction from
//      x, the step is cut back to the first bound instead (the 3.0 remark);
//   3. a More-Thuente line search along d = x_bar - x, with steps limited to the box (1 on
//      the first iteration of a bounded problem), from 1 / |d| on the first iteration of a
//      problem not bounded on every variable, from 1 afterwards; if no step lowers f, the
//      memory is cleared and the iteration retried (as scipy does), and then once more from a
//      trial of unit length (scipy stops there: the one place where the two differ);
//   4. the pair (s, y) kept when s.y > eps |g.s|.
// Without any finite bound the Cauchy point is skipped once the memory holds a pair, and the
// step is then exactly L-BFGS's -H g (the same iterates as lbfgs.hpp up to rounding).
// Defaults are scipy's (memory 10, pgtol 1e-5, ftol 2.2e-9, line search c1 = 1e-3, c2 = 0.9,
// xtol = 0.1, 20 evaluations), so that `lbfgsb` retraces scipy.optimize's L-BFGS-B.
//
// Stops: converged when the projected gradient's max-norm, max_i |P(x - g)_i - x_i|, is
// <= gtol, or when (f_k - f_k+1) <= ftol max(|f_k|, |f_k+1|, 1); no_progress when the line
// search fails even after the memory is cleared; max_steps. The start is projected onto the
// box first. A non-finite value or gradient at the (projected) start: non_finite.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"
#include "descent/spec/solver_spec.hpp"

namespace descent {

struct LbfgsbOptions {
  static constexpr const char* kName = "LbfgsbOptions";
  std::int64_t memory = 10;             // m >= 1
  double gtol = 1e-5;                   // >= 0: converged when the projected gradient's max-norm is <= gtol
  double ftol = 2.220446049250313e-09;  // >= 0: converged when the relative decrease of f is <= ftol
  double c1 = 1e-3;                     // the line search's sufficient decrease (L-BFGS-B's 1e-3)
  double c2 = 0.9;                      // curvature; c1 <= c2 < 1
  double xtol = 0.1;                    // the line search's relative bracket width
  std::int64_t max_line_search = 20;    // >= 1
  std::int64_t max_steps = 1000;        // iterations (the run's)
  static const std::vector<Field<LbfgsbOptions>>& fields();
  void validate() const;
};

// Minimizes `objective` over the box [lower, upper] (one bound per variable; -inf / +inf for
// none; empty spans: no bounds) from `params`, updated in place. Throws ConfigError for bad
// options and MismatchError for sizes that do not match or a lower bound above an upper one
// (naming the index).
template <class T>
Summary<T> lbfgsb(const Differentiable<T>& objective, Parameters<T>& params, std::span<const double> lower,
                  std::span<const double> upper, const LbfgsbOptions& options, const SolverRun& run = {});

// max_i |P(x - g)_i - x_i|: 0 exactly at a point that satisfies the first-order (KKT)
// conditions of the box-constrained problem.
double projected_gradient_max_norm(std::span<const double> x, std::span<const double> g, std::span<const double> lower,
                                   std::span<const double> upper);

}  // namespace descent
