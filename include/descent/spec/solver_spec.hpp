// Solvers with a loop of their own, named in the spec grammar, e.g.
//   lkatyusha(smoothness=L, strong_convexity=mu, adaptive_sampling=true, ...)
// The step budget, the seed and the stop request are the run's (--steps, --seed, Ctrl-C),
// not part of the spec. The entries are the registry's of kind solver; a solver that needs
// more structure than Differentiable (L-Katyusha: a finite sum) says so when it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/parameters.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"

namespace descent {

// One iterate of a solver, as the run's observer sees it (after each step).
template <class T>
struct SolverIterate {
  std::int64_t step = 0;              // steps done
  std::span<const T> x;               // the iterate the solver would return now
  double value = 0;                   // f(x); NaN where the solver did not evaluate it
  double gradient_norm = 0;           // ||grad f(x)||_2; NaN where unknown
  std::int64_t objective_calls = 0;   // so far
  std::int64_t sample_gradients = 0;  // so far (finite sums; 0 otherwise)
};

// What a solver takes from the run rather than from its spec.
struct SolverRun {
  std::int64_t max_steps = 1000;
  std::uint64_t seed = 0;
  std::function<bool()> stop;  // polled after each step; true ends the run (user_stop)
  // Bounds on the variables, lower[i] <= x[i] <= upper[i] (+-infinity for none; both empty: no
  // bounds). Only solvers made for bound constraints take them (SolverSpec::takes_bounds).
  std::vector<double> lower, upper;
  // Optional observers of every iterate (logs, Python's callback); true ends the run
  // (user_stop). One per precision, as the run is.
  std::function<bool(const SolverIterate<float>&)> observe_float;
  std::function<bool(const SolverIterate<double>&)> observe_double;

  // What a solver calls after each step: the observer of its precision, then the stop
  // request. True: end the run with Termination::user_stop.
  template <class T>
  bool report(const SolverIterate<T>& iterate) const {
    bool halt = false;
    if constexpr (std::is_same_v<T, float>) {
      if (observe_float) halt = observe_float(iterate);
    } else {
      if (observe_double) halt = observe_double(iterate);
    }
    return halt || (stop && stop());
  }
};

// A parsed and validated solver spec, runnable in either precision.
class SolverSpec {
 public:
  template <class T>
  using Run = std::function<Summary<T>(const Differentiable<T>&, Parameters<T>&, const SolverRun&)>;

  SolverSpec(std::string canonical, Run<float> run_float, Run<double> run_double, bool takes_bounds = false)
      : canonical_(std::move(canonical)),
        run_float_(std::move(run_float)),
        run_double_(std::move(run_double)),
        takes_bounds_(takes_bounds) {}

  // Every option written out, e.g. "lkatyusha(smoothness=4, ...)".
  const std::string& canonical() const noexcept { return canonical_; }

  // True for solvers of bound-constrained problems (SolverRun::lower and upper).
  bool takes_bounds() const noexcept { return takes_bounds_; }

  // Minimizes `objective` from `x` (updated in place). MismatchError when the objective
  // lacks the structure the solver needs, or when bounds are given to a solver that takes none.
  template <class T>
  Summary<T> run(const Differentiable<T>& objective, Parameters<T>& x, const SolverRun& run) const {
    if (!takes_bounds_ && (!run.lower.empty() || !run.upper.empty()))
      throw MismatchError("the " + canonical_.substr(0, canonical_.find('(')) +
                          " solver does not take bounds (lbfgsb does)");
    if constexpr (std::is_same_v<T, float>) {
      return run_float_(objective, x, run);
    } else {
      return run_double_(objective, x, run);
    }
  }

 private:
  std::string canonical_;
  Run<float> run_float_;
  Run<double> run_double_;
  bool takes_bounds_ = false;
};

// Throws ParseError (with the column) or ConfigError naming the field.
SolverSpec parse_solver(std::string_view spec);

}  // namespace descent
