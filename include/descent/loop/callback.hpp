// Callbacks watch and steer the loop: log, checkpoint, stop early. They see the loop
// through a LoopView (everything a checkpoint needs) and a StepReport (this step's
// numbers), and stop it by returning a Stop.
//
// before_update runs after the estimate and before the update: a Stop there leaves the
// parameters where the direction was estimated (the non-finite guard relies on this to
// keep the last finite parameters; the gradient-norm test, to return the point whose
// gradient was small). after_update runs once the update is applied.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "descent/core/binary_io.hpp"
#include "descent/core/parameters.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct LoopCounters {
  std::int64_t step = 0;              // updates applied so far
  std::int64_t objective_calls = 0;   // by the estimator
  std::int64_t sample_gradients = 0;  // by the estimator
  double elapsed_s = 0;               // wall time of earlier runs this job resumed from
};

template <class T>
class Callback;

template <class T>
struct LoopView {
  const Differentiable<T>& objective;
  Parameters<T>& params;
  const Transform& transform;
  TransformState<T>& state;
  Estimator<T>& estimator;
  LoopCounters& counters;
  std::int64_t max_steps;
  // The loop's callbacks, in order: a checkpoint saves the state of those that have one.
  std::span<const std::shared_ptr<Callback<T>>> callbacks = {};
};

template <class T>
struct StepReport {
  std::int64_t step = 0;  // before_update: updates applied so far; after_update: including this one
  T value = 0;            // estimator's value at the point it was estimated at
  T gradient_norm = 0;    // ||direction|| there
  double elapsed_s = 0;   // wall time of the job so far, resumed runs included
  std::int64_t objective_calls = 0;
  std::int64_t sample_gradients = 0;
  std::span<const T> direction;  // before_update only: the raw estimate (empty after the update)
};

struct Stop {
  Termination reason;
  std::string message;
};

template <class T>
class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_start(const LoopView<T>&) {}
  // A callback whose state a resumed run must continue from (an average, a trace, the
  // epoch's running loss) names it here and writes and reads it; checkpoints hold it, and
  // a resumed run restores it right after on_start. "" (the default): nothing to save.
  virtual std::string state_name() const { return {}; }
  virtual void save_state(BinaryWriter&) const {}
  // Throws FormatError (through `in`) for bytes that are not such a state.
  virtual void load_state(BinaryReader&) {}
  virtual std::optional<Stop> before_update(const StepReport<T>&, const LoopView<T>&) { return std::nullopt; }
  virtual std::optional<Stop> after_update(const StepReport<T>&, const LoopView<T>&) { return std::nullopt; }
  // Runs once the loop has stopped, before any finalize: the parameters are still the last
  // iterate (a checkpoint written here resumes from it, not from an average put in its place).
  virtual void on_stop(const LoopView<T>&) {}
  // Runs once the loop has stopped, before the Summary's final evaluation and before any
  // on_end: may replace the parameters the run returns (iterate averaging does). Returns
  // true when it did, which makes the loop evaluate f and its gradient at the new point.
  virtual bool finalize(const LoopView<T>&) { return false; }
  virtual void on_end(const Summary<T>&, const LoopView<T>&) {}
};

}  // namespace descent
