// Solvers with a loop of their own, named in the spec grammar, e.g.
//   lkatyusha(smoothness=L, strong_convexity=mu, adaptive_sampling=true, ...)
// The step budget, the seed and the stop request are the run's (--steps, --seed, Ctrl-C),
// not part of the spec. The entries are the registry's of kind solver; a solver that needs
// more structure than Differentiable (L-Katyusha: a finite sum) says so when it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

#include "descent/core/parameters.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"

namespace descent {

// What a solver takes from the run rather than from its spec.
struct SolverRun {
  std::int64_t max_steps = 1000;
  std::uint64_t seed = 0;
  std::function<bool()> stop;  // polled after each step; true ends the run (user_stop)
};

// A parsed and validated solver spec, runnable in either precision.
class SolverSpec {
 public:
  template <class T>
  using Run = std::function<Summary<T>(const Differentiable<T>&, Parameters<T>&, const SolverRun&)>;

  SolverSpec(std::string canonical, Run<float> run_float, Run<double> run_double)
      : canonical_(std::move(canonical)), run_float_(std::move(run_float)), run_double_(std::move(run_double)) {}

  // Every option written out, e.g. "lkatyusha(smoothness=4, ...)".
  const std::string& canonical() const noexcept { return canonical_; }

  // Minimizes `objective` from `x` (updated in place). MismatchError when the objective
  // lacks the structure the solver needs.
  template <class T>
  Summary<T> run(const Differentiable<T>& objective, Parameters<T>& x, const SolverRun& run) const {
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
};

// Throws ParseError (with the column) or ConfigError naming the field.
SolverSpec parse_solver(std::string_view spec);

}  // namespace descent
