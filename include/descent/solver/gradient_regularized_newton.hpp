// Gradient-regularized Newton with exact or approximate curvature (Hessian, Gauss-Newton,
// empirical Fisher): Algorithm 1 of Semenov, Jaggi & Doikov, "Gradient-Normalized Smoothness
// for Optimization with Approximate Hessians", arXiv:2506.13710 (2025; ICLR 2026), whose
// gradient regularization is that of Mishchenko, "Regularized Newton method with global
// O(1/k^2) convergence", SIAM J. Optim. 33(3), 2023, and Doikov & Nesterov, "Gradient
// regularization of Newton method with Bregman distances", Math. Program. 204, 2024.
//
// Iteration k, at x_k with g_k = grad f(x_k) and B_k the curvature at x_k (curvature.hpp):
//   lambda = ||g_k|| / gamma
//   d      = -(B_k + lambda I)^{-1} g_k                          (regularized_step.hpp)
//   accept if  f(x_k) - f(x_k + d) >= ||grad f(x_k + d)||^2 / (8 lambda):
//              x_{k+1} = x_k + d,   gamma <- gamma_growth gamma  (2: the next iteration starts larger)
//   else       gamma <- gamma_shrink gamma                        (1/2) and solve again with B_k.
// gamma estimates the gradient-normalized smoothness of f at x_k: the radius of the ball
// around x_k in which B_k (x - x_k) predicts grad f(x) - g_k to within a fraction of ||g_k||.
// For a Hessian that is L-Lipschitz, the exact Hessian's error is (L/2) r^2 at radius r, so
// that radius is of order sqrt(||g_k|| / L) and lambda of order sqrt(L ||g_k||): Mishchenko's
// and Doikov & Nesterov's regularization sqrt(H ||g||) is the case gamma = sqrt(||g|| / H). An
// approximate B (Gauss-Newton, Fisher) shrinks the radius where it errs and gamma adapts to
// it, which is what lets the paper carry its global rates to approximate Hessians (Fisher and
// Gauss-Newton on non-convex problems; linear rates for logistic and softmax regression).
// Source of the formulas: the paper's abstract and its authors' reference implementation of
// Algorithm 1 (github.com/epfml/grad-norm-smooth, src/methods.py: lambda = ||g|| / gamma, the
// test with 8 lambda, gamma doubled on success and halved on failure, gamma_0 = 1); the
// paper's own text was not available to us, so no equation numbers are cited.
//
// Why the search ends (descent's derivation, for the tests; exact solve, B = Hessian, f convex
// with an L-Lipschitz Hessian): with (B + lambda I) d = -g, Taylor's theorem gives
//   ||grad f(x + d)|| <= lambda ||d|| + (L/2) ||d||^2,
//   f(x) - f(x + d) >= d^T B d / 2 + lambda ||d||^2 - (L/6) ||d||^3 >= lambda ||d||^2 - (L/6) ||d||^3.
// Where L ||d|| <= 2 lambda the first is <= 2 lambda ||d||, so the test's right side is
// <= lambda ||d||^2 / 2 and the left side >= (2/3) lambda ||d||^2: accepted. Since
// ||d|| <= ||g|| / lambda, that holds once lambda^2 >= L ||g|| / 2, i.e. for every
// gamma <= sqrt(2 ||g|| / L): no such gamma is ever rejected, and each iteration's search
// stops at a gamma >= min(its first trial, gamma_shrink sqrt(2 ||g|| / L)). With CG's
// residual ||r|| <= theta lambda ||d|| (regularized_step.hpp) the same argument gives
// ||grad f(x + d)|| <= (1 + theta) lambda ||d|| + (L/2) ||d||^2 and ||d|| <= ||g|| / ((1 - theta) lambda),
// and acceptance for every gamma <= sqrt((1 - theta) ||g|| / L) when theta <= 1/4.
// If moreover B >= mu I, ||d|| <= ||g|| / mu and each accepted step satisfies
//   ||g_{k+1}|| <= ||g_k||^2 ((1 + theta) / (gamma mu) + L / (2 mu^2))      (theta = 0: Cholesky)
// with gamma the accepted one: quadratic convergence, faster as gamma grows.
//
// Where B + lambda I is not positive definite (an indefinite Hessian, lambda too small) the
// trial is rejected like one that fails the test: gamma shrinks, lambda grows, until
// lambda > -lambda_min(B) (descent's addition; the reference implementation leaves the search
// when its Cholesky factorization fails). A trial point with a non-finite value or gradient is
// rejected too.
//
// The linear system (linear_solver=): `cg` (CG on products with B, to the residual test
// above; Jacobi-preconditioned with diag(B) + lambda where the operator has a diagonal and
// preconditioner= is auto or jacobi), `cholesky` (B formed once per iteration from n products,
// one O(n^3) factorization per trial), `auto` (cholesky when n <= cholesky_max_dimension).
//
// Stops (Termination): converged when ||g_k|| <= gtol, or, with ftol > 0, when an accepted
// step decreases f by at most ftol max(|f_k|, |f_{k+1}|, 1); max_steps (accepted steps);
// user_stop (on_iteration); non_finite at a non-finite value or gradient at x_0 or a
// non-finite product with B (x: the last iterate); no_progress when max_search trials in a row
// are rejected (typically: f has reached its rounding floor, where no step can decrease it) or
// lambda leaves the floating-point range.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"
#include "descent/solver/regularized_step.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct GradientRegularizedNewtonOptions {
  static constexpr const char* kName = "GradientRegularizedNewtonOptions";
  std::string curvature = "hessian";          // B: hessian, gauss_newton or fisher (curvature.hpp)
  double initial_gamma = 1;                   // gamma_0 > 0: lambda_0 = ||g_0|| / gamma_0
  double gamma_growth = 2;                    // > 1: gamma after an accepted step
  double gamma_shrink = 0.5;                  // in (0, 1): gamma after a rejected trial
  std::int64_t max_search = 40;               // >= 1: trials per iteration before no_progress
  std::string linear_solver = "auto";         // auto, cg or cholesky
  std::int64_t cholesky_max_dimension = 500;  // auto: cholesky when n <= this
  double cg_tolerance = 0.25;           // theta in (0, 1): CG until ||(B + lambda I) d + g|| <= theta lambda ||d||
  std::int64_t max_cg_iterations = 0;   // per solve; 0: max(2 n, 10)
  std::string preconditioner = "auto";  // CG: auto (jacobi where B has a diagonal), none or jacobi
  double gtol = 1e-5;                   // >= 0: converged when ||g||_2 <= gtol
  double ftol = 0;                      // >= 0: converged when an accepted step's relative decrease <= ftol; 0: off
  std::int64_t max_steps = 1000;        // accepted steps (the run's, not the spec's)
  static const std::vector<std::string>& curvature_choices();
  static const std::vector<std::string>& linear_solver_choices();
  static const std::vector<Field<GradientRegularizedNewtonOptions>>& fields();
  void validate() const;  // the table's ranges (ConfigError naming the field)
};

// One trial of the search on gamma.
struct RegularizationTrial {
  double gamma = 0;
  double lambda = 0;  // ||g_k|| / gamma
  RegularizedStepStatus solve = RegularizedStepStatus::solved;
  double step_norm = 0;      // ||d||; 0 when no step was solved
  double value = 0;          // f(x_k + d); NaN when no step was solved
  double gradient_norm = 0;  // ||grad f(x_k + d)||; NaN when no step was solved
  bool accepted = false;
  std::int64_t cg_iterations = 0;
};

// One iteration (an accepted step), as on_iteration sees it.
template <class T>
struct GradientRegularizedNewtonIterate {
  std::int64_t iteration = 0;                   // accepted steps so far
  std::span<const T> x;                         // x_{k+1}
  double value = 0;                             // f(x_{k+1})
  double gradient_norm = 0;                     // ||grad f(x_{k+1})||
  std::span<const RegularizationTrial> trials;  // this iteration's, in order; the last is the accepted one
  double next_gamma = 0;                        // gamma_growth times the accepted gamma
  std::int64_t objective_calls = 0;             // so far: value-and-gradient calls
  std::int64_t curvature_products = 0;          // so far: products with B
  std::int64_t sample_gradients = 0;            // so far (finite sums)
};

template <class T>
struct GradientRegularizedNewtonResult {
  Summary<T> summary;  // steps: accepted steps; its message repeats the counts below
  std::int64_t rejected_trials = 0;
  std::int64_t curvature_builds = 0;    // B_k made (one per iteration)
  std::int64_t curvature_products = 0;  // products with B (CG's, and n per dense matrix)
  std::int64_t cg_iterations = 0;
  std::int64_t factorizations = 0;  // Cholesky factorizations
  double data_passes = 0;           // finite sums: sample_gradients / n (0 otherwise)
  double final_gamma = 0;           // the gamma the next iteration would start from
};

// Minimizes f from `params` and leaves the last iterate there. ConfigError for bad options;
// MismatchError for parameters of the wrong size or a curvature the objective lacks (naming
// both). A finite sum's sample_gradients count n per value-and-gradient call, n per Hessian or
// Gauss-Newton product and n per Fisher matrix built (its products read no data).
template <class T>
GradientRegularizedNewtonResult<T> gradient_regularized_newton(
    const Differentiable<T>& objective, Parameters<T>& params, const GradientRegularizedNewtonOptions& options,
    const std::function<bool(const GradientRegularizedNewtonIterate<T>&)>& on_iteration = {});

}  // namespace descent
