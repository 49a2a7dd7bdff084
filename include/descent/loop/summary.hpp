// What a run returns (after Ceres' Solver::Summary): why it ended, how far it got, what
// it cost. Never a bare number.
#pragma once

#include <cstdint>
#include <string>

namespace descent {

enum class Termination {
  converged,   // a convergence test passed (gradient norm, relative improvement)
  max_steps,   // the step budget ran out
  time_limit,  // the wall-clock budget ran out
  non_finite,  // NaN/Inf met; parameters are the last finite ones
  user_stop,   // a callback or an interrupt (Ctrl-C) asked to stop
  no_progress, // the method could not make progress: no step met its line search's or trust
               // region's conditions (rounding at the optimum, or an inconsistent gradient)
};

std::string to_string(Termination termination);

struct Timings {
  double total_s = 0;      // wall time of this call to minimize (not of earlier runs of a resumed job)
  double estimate_s = 0;   // in the estimator (objective evaluations)
  double transform_s = 0;  // in the transform chain (the optimizer step)
  double callbacks_s = 0;  // in callbacks (logging, checkpoints)
};

template <class T>
struct Summary {
  Termination termination = Termination::max_steps;
  std::string message;
  std::int64_t steps = 0;             // updates applied, counting those before a resume
  T final_value = 0;                  // f at the final parameters (see MinimizeOptions::final_evaluation)
  T final_gradient_norm = 0;          // ||direction|| at the final parameters
  std::int64_t objective_calls = 0;   // value-and-gradient calls, all of them
  std::int64_t sample_gradients = 0;  // per-sample gradients (data passes = this / n)
  Timings timings;

  // True unless the run met a non-finite value.
  bool ok() const { return termination != Termination::non_finite; }
};

// A multi-line human-readable report.
template <class T>
std::string describe(const Summary<T>& summary);

}  // namespace descent
