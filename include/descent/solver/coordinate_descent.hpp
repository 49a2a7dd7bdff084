// Block coordinate descent with greedy selection rules (Nutini, Schmidt, Laradji, Friedlander
// & Koepke, "Coordinate Descent Converges Faster with the Gauss-Southwell Rule Than Random
// Selection", ICML 2015; Nutini, Laradji & Schmidt, "Let's Make Block Coordinate Descent
// Converge Faster", JMLR 2022). Per step k, on fixed blocks of coordinates:
//   b_k     = the rule's choice (solver/block_selection.hpp: cyclic, random,
//             lipschitz_sampling, gauss_southwell, gauss_southwell_lipschitz,
//             gauss_southwell_quadratic)
//   x_{k+1} = x_k - U_b g_b / L_b            (update = lipschitz)
//   x_{k+1} = x_k - U_b M_b^{-1} g_b         (update = matrix)
// with g_b the block of grad f(x_k), L_b = lambda_max(M_b) the block's exact Lipschitz
// constant and M_b its curvature matrix (solver/coordinate_problem.hpp). For one-coordinate
// blocks both are x_j - g_j / L_j with L_j = sup d^2 f / dx_j^2. For least squares M_b is the
// Hessian block, so the matrix update is the exact block Newton step: it minimizes f over
// the block.
//
// Rates for mu-strongly convex f (the papers'): with L_max = max_j L_j over d coordinates,
//   random              E[f(x_k) - f*] <= (1 - mu / (d L_max))^k (f(x_0) - f*)
//   lipschitz_sampling  E[f(x_k) - f*] <= (1 - mu / (d mean_j L_j))^k (f(x_0) - f*)
//   gauss_southwell     f(x_k) - f* <= (1 - mu_1 / L_max)^k (f(x_0) - f*)
//   gauss_southwell_lipschitz  f(x_k) - f* <= (1 - mu_L)^k (f(x_0) - f*)
// where mu_1 >= mu / d is the strong convexity in the 1-norm and mu_L >= mu_1 / L_max the
// strong convexity in the norm sum_j sqrt(L_j) |x_j|: the greedy bounds are never worse than
// random's and usually far better.
//
// Costs (docs/algorithms.md): a cyclic or random step reads the columns of its block; a
// greedy step also keeps the whole gradient current, which reads the rows those columns
// meet, i.e. a full pass on dense data. Work is reported as sample_gradients = passes * n.
//
// A solver, not an estimator and transform: it changes one block at a time and keeps the
// model's scores (z = A x) in step with it, which no full-gradient loop can express.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"
#include "descent/solver/coordinate_problem.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct CoordinateDescentOptions {
  static constexpr const char* kName = "CoordinateDescentOptions";
  std::string rule = "gauss_southwell_lipschitz";  // block_rule_names()
  std::int64_t block_size = 1;                     // coordinates per block, >= 1
  std::string partition = "contiguous";            // contiguous (index order) or sorted (by L_j)
  std::string update = "lipschitz";                // lipschitz (1 / L_b) or matrix (M_b^{-1})
  double gtol = 0;                                 // stop at |grad f|_2 <= gtol (checked at reports)
  std::int64_t report_every = 0;                   // updates between reports; 0: one per pass over the blocks
  std::int64_t max_steps = 1000;                   // block updates
  std::uint64_t seed = 0;                          // random and lipschitz_sampling draws (Stream::sampling)
  static const std::vector<Field<CoordinateDescentOptions>>& fields();
  // The table's ranges and choices (ConfigError naming the field).
  void validate() const;
};

// What the observer sees at each report.
template <class T>
struct CoordinateDescentReport {
  std::int64_t step = 0;              // block updates done
  std::span<const T> x;               // the current iterate
  double value = 0;                   // f(x)
  double gradient_norm = 0;           // |grad f(x)|_2; NaN when not known (see run's notes)
  std::int64_t sample_gradients = 0;  // work so far, passes * n
  double passes = 0;                  // work so far, in full-gradient equivalents
};

// Runs block coordinate descent on `problem` from `params` and leaves the last iterate
// there. Reports after every `report_every` updates (0: after every m updates, m the number
// of blocks: one per epoch, where an observer of every step would cost more than the
// steps) and after the last one. At a report the value comes from the maintained scores (no
// data pass); the gradient norm is the tracked gradient's for the greedy rules, a fresh
// gradient (a counted pass) for the others when gtol > 0, and NaN otherwise. The run ends
// with max_steps; converged when the gradient norm at a report is <= gtol or a greedy
// rule finds the gradient exactly zero; user_stop when `on_report` returns true or
// `stop_requested` (polled after every update) does; non_finite when an update is not
// finite (parameters: the last finite iterate). The Summary's final value and gradient
// norm are the problem's at the last iterate (in double, before rounding to T), and
// sample_gradients its work (passes * n). Throws ConfigError for bad options and
// MismatchError for parameters of the wrong size.
template <class T>
Summary<T> coordinate_descent(CoordinateProblem& problem, Parameters<T>& params,
                              const CoordinateDescentOptions& options,
                              const std::function<bool(const CoordinateDescentReport<T>&)>& on_report = {},
                              const std::function<bool()>& stop_requested = {});

// The same on a model (solver/coordinate_problem.hpp says which): builds its coordinate
// problem, runs, and evaluates the objective itself at the returned point for the
// Summary. MismatchError for an objective without a coordinate view.
template <class T>
Summary<T> coordinate_descent(const Differentiable<T>& objective, Parameters<T>& params,
                              const CoordinateDescentOptions& options,
                              const std::function<bool(const CoordinateDescentReport<T>&)>& on_report = {},
                              const std::function<bool()>& stop_requested = {});

}  // namespace descent
