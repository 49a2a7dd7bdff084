// Nonlinear conjugate gradients: from x_0 with d_0 = -g_0,
//   x_{k+1} = x_k + a_k d_k   (a strong Wolfe line search, more_thuente.hpp)
//   d_{k+1} = -g_{k+1} + beta_k d_k
// with y_k = g_{k+1} - g_k and one of
//   fr:       beta = |g_{k+1}|^2 / |g_k|^2                        (Fletcher & Reeves 1964)
//   pr_plus:  beta = max(0, g_{k+1}.y_k / |g_k|^2)                 (Polak & Ribiere 1969; the
//             non-negative part, Gilbert & Nocedal 1992, which makes it globally convergent)
//   hz:       beta = max(b, eta_k),  b = (y_k - 2 d_k |y_k|^2 / d_k.y_k).g_{k+1} / d_k.y_k,
//             eta_k = -1 / (|d_k| min(eta, |g_k|))                 (Hager & Zhang, SIAM J. Optim.
//             16(1), 2005, eq. 1.4 with the lower bound of their CG_DESCENT, eta = 0.01)
// On a strongly convex quadratic with exact line searches all three are linear CG and end in at
// most n steps. The search direction is reset to -g when it is not a descent direction (g.d >=
// 0) or every `restart_every` iterations (0: every n). The first trial step is 1/|g_0| on the
// first iteration and after a reset, else a_{k-1} g_k.d_k / g_{k+1}.d_{k+1} (Nocedal & Wright,
// eq. 3.60: the same first-order decrease as the last step); the line search's curvature
// constant c2 = 0.1 by default, as CG needs more accurate steps than quasi-Newton methods (FR
// needs c2 < 1/2 for its directions to be descent directions at all).
// Stops as L-BFGS does: max_i |g_i| <= gtol, a relative decrease of f <= ftol, no_progress when
// no step lowers f even along -g, max_steps.
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

struct NonlinearCgOptions {
  static constexpr const char* kName = "NonlinearCgOptions";
  std::string beta = "pr_plus";         // fr, pr_plus or hz
  double gtol = 1e-5;                   // >= 0: converged when max_i |g_i| <= gtol
  double ftol = 2.220446049250313e-09;  // >= 0: converged when the relative decrease of f is <= ftol
  double c1 = 1e-4;                     // line search: sufficient decrease
  double c2 = 0.1;                      // line search: curvature; c1 <= c2 < 1
  double xtol = 1e-10;                  // line search: the bracket's relative width at which it stops
  std::int64_t max_line_search = 20;    // >= 1
  std::int64_t restart_every = 0;       // >= 0: reset d to -g every this many iterations (0: n)
  double eta = 0.01;                    // hz: the lower bound's parameter, > 0
  std::int64_t max_steps = 1000;        // iterations (the run's)
  static const std::vector<Field<NonlinearCgOptions>>& fields();
  void validate() const;
};

// beta_k of the chosen formula from g_k, g_{k+1} and d_k (for tests and for the solver).
double conjugate_gradient_beta(const std::string& formula, std::span<const double> g, std::span<const double> g_next,
                               std::span<const double> d, double eta);

template <class T>
Summary<T> nonlinear_cg(const Differentiable<T>& objective, Parameters<T>& params, const NonlinearCgOptions& options,
                        const SolverRun& run = {});

}  // namespace descent
