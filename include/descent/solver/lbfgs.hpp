// L-BFGS: limited-memory BFGS (Nocedal 1980; Liu & Nocedal, "On the limited memory BFGS
// method for large scale optimization", Math. Prog. 45, 1989). From x_0, with g_k the
// gradient at x_k and H_k the inverse-Hessian approximation of the m latest pairs
// (lbfgs_history.hpp, two-loop recursion, H_0 scaled by s.y / y.y):
//   d_k = -H_k g_k
//   x_{k+1} = x_k + a_k d_k,  a_k from a line search started at 1 (at 1 / |g_0| on the first
//             iteration and after a reset, so that the first trial moves a unit distance)
//   keep (s_k, y_k) = (x_{k+1} - x_k, g_{k+1} - g_k) when s_k.y_k > eps |g_k.s_k|
// The line search is the strong Wolfe search of More & Thuente (more_thuente.hpp), which
// guarantees s.y > 0 on any function, or backtracking Armijo (backtracking_armijo.hpp),
// cheaper per iteration but without that guarantee (a pair failing the curvature test is
// skipped, as L-BFGS-B does). When the line search finds no step along -H g the history is
// cleared and the iteration retried along -g; if that fails too the run ends with
// Termination::no_progress (typically: f is at its rounding floor).
//
// Stopping (as scipy's L-BFGS-B): converged when max_i |g_i| <= gtol, or when
// (f_k - f_{k+1}) <= ftol max(|f_k|, |f_{k+1}|, 1); max_steps iterations otherwise.
// Each iteration reports its iterate to SolverRun::report (a true answer stops the run:
// user_stop). The parameters hold the last iterate; a non-finite value or gradient at x_0
// ends the run at once (non_finite) with the parameters unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"
#include "descent/spec/solver_spec.hpp"

namespace descent {

struct LbfgsOptions {
  static constexpr const char* kName = "LbfgsOptions";
  std::int64_t memory = 10;             // m >= 1: curvature pairs kept
  double gtol = 1e-5;                   // >= 0: converged when max_i |g_i| <= gtol
  double ftol = 2.220446049250313e-09;  // >= 0: converged when the relative decrease of f is <= ftol (scipy's default)
  std::string line_search = "strong_wolfe";  // strong_wolfe (More-Thuente) or armijo (backtracking)
  double c1 = 1e-4;                          // sufficient decrease (both searches)
  double c2 = 0.9;                           // curvature (strong Wolfe); c1 < c2 < 1
  double xtol = 1e-10;                       // strong Wolfe: the bracket's relative width at which the search stops
  std::int64_t max_line_search = 20;         // >= 1: evaluations per line search
  std::int64_t max_steps = 1000;             // iterations (the run's, not the spec's)
  static const std::vector<Field<LbfgsOptions>>& fields();
  void validate() const;  // the table's ranges, plus c1 < c2 for the strong Wolfe search
};

// Minimizes `objective` from `params` (updated in place). Throws ConfigError for bad options
// and MismatchError for parameters of the wrong size.
template <class T>
Summary<T> lbfgs(const Differentiable<T>& objective, Parameters<T>& params, const LbfgsOptions& options,
                 const SolverRun& run = {});

}  // namespace descent
