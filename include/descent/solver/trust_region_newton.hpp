// TRON, the trust-region Newton method of LIBLINEAR: Lin & More, "Newton's method for large
// bound-constrained optimization problems", SIAM J. Optim. 1999, as simplified for
// unconstrained problems by Lin, Weng & Keerthi, "Trust region Newton method for large-scale
// logistic regression", JMLR 2008 (Algorithm 2, Section 2.2), with the diagonal
// preconditioner of Hsia, Chiang & Lin, "Preconditioned conjugate gradient methods in
// truncated Newton frameworks for large-scale linear classification", ACML 2018.
//
// Iteration k, at x_k with g_k = grad f(x_k) and the Hessian H_k as an operator
// (Differentiable::hessian_at, so that the models cache their per-sample curvatures):
//   s_k   = steihaug_toint(H_k, g_k, Delta_k)    the step, ||s_k||_M <= Delta_k, CG stopped at
//                                                ||r||_{M^-1} <= xi_k ||g_k||_{M^-1}
//   rho_k = (f(x_k) - f(x_k + s_k)) / -q_k(s_k)   actual over predicted reduction
//   x_{k+1} = x_k + s_k if rho_k > eta0, else x_k
//   Delta_{k+1} from the radius rule below.
// Forcing term xi_k (forcing=): `constant`, xi_k = cg_tolerance (0.1: LIBLINEAR 2008's rule,
// linear convergence at a rate near xi); `quadratic`, xi_k = min(cg_tolerance,
// ||g_k||_{M^-1}), the choice of Dembo, Eisenstat & Steihaug (SIAM J. Numer. Anal. 1982)
// under which an inexact Newton method converges quadratically near a minimizer with a
// Lipschitz Hessian (the tests check that rate).
//
// Radius rule (Lin & More 1999, as Section 2.2 of Lin, Weng & Keerthi 2008 states it): with
// actred = f(x) - f(x + s), prered = -q(s), and alpha* the minimizer of the quadratic that
// interpolates f(x), g^T s and f(x + s) along s, floored at sigma1:
//   alpha = sigma3 if f(x + s) - f(x) - g^T s <= 0, else max(sigma1, -g^T s / (2 (f(x + s) - f(x) - g^T s)))
//   actred <  eta0 prered:  Delta = min(alpha ||s||, sigma2 Delta)
//   actred <  eta1 prered:  Delta = max(sigma1 Delta, min(alpha ||s||, sigma2 Delta))
//   actred <  eta2 prered:  Delta = max(sigma1 Delta, min(alpha ||s||, sigma3 Delta))
//   otherwise:              Delta = sigma3 Delta if s reached the boundary,
//                                   else max(Delta, min(alpha ||s||, sigma3 Delta))
// Delta_0 = ||g_0||_{M^-1} (or initial_radius), and after the first step Delta = min(Delta, ||s_0||_M)
// before the rule. A trial point whose value is not finite is a rejected step with
// Delta = sigma1 min(Delta, ||s||) (descent's addition: LIBLINEAR's objectives are finite
// everywhere).
//
// Preconditioning (preconditioner=): `jacobi` uses M = (1 - a) I + a diag(H_k) with
// a = preconditioner_mix (0.01), Hsia, Chiang & Lin's mixture, rebuilt at every accepted
// iterate; the trust region is then measured in ||.||_M, as LIBLINEAR's. It needs
// hessian_at(x) to provide its diagonal (MismatchError otherwise). `auto` uses it where the
// diagonal is available and M = I elsewhere; `none` never.
//
// Stops (Termination): converged when ||g_k|| <= eps ||g_0|| (LIBLINEAR's test, with g_0 the
// gradient at the starting point; LIBLINEAR takes it at x = 0, the same for its default
// start) or ||g_k|| <= gtol; max_steps (iterations, rejected steps included); user_stop when
// on_iteration returns true; non_finite at a non-finite value, gradient or step (x: the last
// finite iterate); no_progress when the model predicts no decrease (prered <= 0), when both
// |actred| and prered fall below max(1e-12, 8 eps_T) |f| (LIBLINEAR's 1e-12, which is
// below float's rounding), or when the radius collapses below eps_T ||x||.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct TrustRegionNewtonOptions {
  static constexpr const char* kName = "TrustRegionNewtonOptions";
  double eps = 1e-6;                    // converged when ||g|| <= eps ||g_0||; >= 0
  double gtol = 0;                      // or when ||g|| <= gtol; >= 0 (0: off)
  double cg_tolerance = 0.1;            // xi in (0, 1): CG stops at ||r||_{M^-1} <= xi_k ||g||_{M^-1}
  std::string forcing = "constant";     // xi_k: constant (xi) or quadratic (min(xi, ||g||_{M^-1}))
  std::int64_t max_cg_iterations = 0;   // per step; 0: max(n, 5)
  std::string preconditioner = "auto";  // auto, none or jacobi
  double preconditioner_mix = 0.01;     // a in (0, 1]: M = (1 - a) I + a diag(H)
  double initial_radius = 0;            // Delta_0 >= 0; 0: ||g_0||_{M^-1}
  double eta0 = 1e-4;                   // accept when actred > eta0 prered
  double eta1 = 0.25;                   // 0 <= eta0 < eta1 < eta2 < 1
  double eta2 = 0.75;
  double sigma1 = 0.25;  // 0 < sigma1 < sigma2 < 1 < sigma3
  double sigma2 = 0.5;
  double sigma3 = 4;
  std::int64_t max_steps = 1000;  // iterations (trust-region subproblems), rejected ones included
  static const std::vector<std::string>& forcing_choices();
  static const std::vector<Field<TrustRegionNewtonOptions>>& fields();
  // The table's ranges, then eta0 < eta1 < eta2 and sigma1 < sigma2 (ConfigError).
  void validate() const;
};

// What one radius update looks at (the rule in the header comment).
struct RadiusUpdate {
  double radius = 0;               // Delta_k
  double step_norm = 0;            // ||s_k||_M
  double actual_reduction = 0;     // f(x) - f(x + s); NaN or -inf for a non-finite trial value
  double predicted_reduction = 0;  // -q(s) > 0
  double gradient_step = 0;        // g^T s
  bool reached_boundary = false;   // the Steihaug step stopped on the boundary
};

// Delta_{k+1} by the rule above (the first step's Delta = min(Delta, ||s||) excluded).
double next_trust_region_radius(const TrustRegionNewtonOptions& options, const RadiusUpdate& update);

// One iteration, as on_iteration sees it.
template <class T>
struct TrustRegionIterate {
  std::int64_t iteration = 0;  // subproblems solved so far
  std::span<const T> x;        // the iterate after this iteration (unchanged when rejected)
  double value = 0;            // f(x)
  double gradient_norm = 0;    // ||grad f(x)||_2
  double radius = 0;           // Delta for the next iteration
  double ratio = 0;            // actred / prered of this iteration's step
  bool accepted = false;
  bool reached_boundary = false;             // the step stopped on the trust-region boundary
  std::int64_t cg_iterations = 0;            // this iteration's
  std::int64_t objective_calls = 0;          // so far: value-and-gradient calls
  std::int64_t hessian_vector_products = 0;  // so far
  std::int64_t sample_gradients = 0;         // so far: n per call and per product for a finite sum
};

template <class T>
struct TrustRegionNewtonResult {
  Summary<T> summary;  // steps: iterations; its message repeats the counts below
  std::int64_t accepted_steps = 0;
  std::int64_t hessian_vector_products = 0;
  std::int64_t cg_iterations = 0;
};

// Minimizes f from `params` and leaves the last (accepted) iterate there. Needs Hessian-vector
// products (MismatchError otherwise, or for parameters of the wrong size); ConfigError for
// bad options. A finite sum's sample_gradients count n per value-and-gradient call and per
// Hessian-vector product (each is a pass over the data).
template <class T>
TrustRegionNewtonResult<T> trust_region_newton(
    const Differentiable<T>& objective, Parameters<T>& params, const TrustRegionNewtonOptions& options,
    const std::function<bool(const TrustRegionIterate<T>&)>& on_iteration = {});

}  // namespace descent
