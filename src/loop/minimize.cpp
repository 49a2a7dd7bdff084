#include "descent/loop/minimize.hpp"

#include <chrono>
#include <cmath>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/estimator/full_gradient.hpp"
#include "descent/loop/callbacks/non_finite_guard.hpp"
#include "descent/loop/checkpoint.hpp"
#include "descent/transform/apply.hpp"

namespace descent {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

template <class T>
Summary<T> minimize(const Differentiable<T>& objective, Parameters<T>& params, const Transform& transform,
                    TransformState<T>& state, const MinimizeOptions<T>& options) {
  const auto start = Clock::now();
  require(options.max_steps >= 0, "MinimizeOptions", "max_steps", static_cast<double>(options.max_steps),
          "max_steps >= 0");
  if (objective.dimension() != params.size())
    throw MismatchError("objective '" + objective.name() + "' has dimension " + std::to_string(objective.dimension()) +
                        ", the parameters " + std::to_string(params.size()));
  check_state(transform, state, params.size());

  EstimatorPtr<T> estimator = options.estimator ? options.estimator : std::make_shared<FullGradient<T>>();
  estimator->bind(objective);

  std::vector<std::shared_ptr<Callback<T>>> callbacks;
  if (options.stop_on_non_finite) callbacks.push_back(std::make_shared<NonFiniteGuard<T>>());
  callbacks.insert(callbacks.end(), options.callbacks.begin(), options.callbacks.end());

  LoopCounters counters;
  LoopView<T> loop{objective, params, transform, state, *estimator, counters, options.max_steps, callbacks};
  std::vector<SavedCallbackState> saved_callbacks;
  if (!options.resume_from.empty()) saved_callbacks = load_checkpoint(options.resume_from, loop);

  Summary<T> summary;
  // Buffers of the loop, allocated once: steady-state steps allocate nothing here.
  AlignedBuffer<T> direction(params.size());
  std::vector<double> partials(tile_count(params.size()));
  const double elapsed_before = counters.elapsed_s;

  for (auto& cb : callbacks) cb->on_start(loop);
  // After on_start, which sizes and empties the callbacks' state for this run.
  if (!options.resume_from.empty()) restore_callback_states(options.resume_from, saved_callbacks, loop);

  std::optional<Stop> stop;
  StepReport<T> report;
  while (!stop) {
    if (counters.step >= options.max_steps) {
      stop = Stop{Termination::max_steps, "reached max_steps = " + std::to_string(options.max_steps)};
      break;
    }
    if (options.interrupt != nullptr && options.interrupt->load(std::memory_order_relaxed)) {
      stop = Stop{Termination::user_stop, "interrupted"};
      break;
    }
    auto t0 = Clock::now();
    const Estimate<T> estimate = estimator->estimate(objective, params.flat(), direction.span());
    summary.timings.estimate_s += seconds_since(t0);
    counters.objective_calls += estimate.objective_calls;
    counters.sample_gradients += estimate.sample_gradients;

    report.step = counters.step;
    report.value = estimate.value;
    const double squared_norm = sum_of_squares(std::span<const T>(direction.span()), std::span<double>(partials));
    report.gradient_norm = static_cast<T>(std::sqrt(squared_norm));
    report.elapsed_s = elapsed_before + seconds_since(start);
    report.objective_calls = counters.objective_calls;
    report.sample_gradients = counters.sample_gradients;
    report.direction = direction.span();

    t0 = Clock::now();
    for (auto& cb : callbacks)
      if ((stop = cb->before_update(report, loop))) break;
    summary.timings.callbacks_s += seconds_since(t0);
    if (stop) break;

    t0 = Clock::now();
    // The norm above is the one a leading clip_by_global_norm needs: it skips its pass.
    // (Callbacks see the direction read-only, so it still describes it.)
    apply(transform, state, direction.span(), params.flat(), params.layout(), squared_norm);
    summary.timings.transform_s += seconds_since(t0);
    ++counters.step;

    report.step = counters.step;
    report.direction = {};
    report.elapsed_s = elapsed_before + seconds_since(start);
    counters.elapsed_s = report.elapsed_s;  // what a checkpoint written now records
    t0 = Clock::now();
    for (auto& cb : callbacks)
      if ((stop = cb->after_update(report, loop))) break;
    summary.timings.callbacks_s += seconds_since(t0);
  }

  // Callbacks that return another point than the last iterate (iterate averaging) put it
  // in place now, so that the Summary and every on_end see the point the run returns.
  for (auto& cb : callbacks) cb->on_stop(loop);
  bool replaced = false;
  for (auto& cb : callbacks) replaced = cb->finalize(loop) || replaced;

  summary.termination = stop->reason;
  summary.message = stop->message;
  summary.steps = counters.step;
  summary.objective_calls = counters.objective_calls;
  summary.sample_gradients = counters.sample_gradients;
  const bool stopped_before_update = report.direction.size() != 0 && !replaced;
  if (stopped_before_update) {
    // The parameters are those the last estimate saw: its numbers describe them.
    summary.final_value = report.value;
    summary.final_gradient_norm = report.gradient_norm;
  } else if (options.final_evaluation || replaced) {
    summary.final_value = objective.value_and_gradient(params.flat(), direction.span());
    summary.final_gradient_norm =
        static_cast<T>(std::sqrt(sum_of_squares(std::span<const T>(direction.span()), std::span<double>(partials))));
    ++summary.objective_calls;
  } else {
    summary.final_value = report.value;
    summary.final_gradient_norm = report.gradient_norm;
  }
  counters.elapsed_s = elapsed_before + seconds_since(start);
  summary.timings.total_s = seconds_since(start);
  for (auto& cb : callbacks) cb->on_end(summary, loop);
  return summary;
}

template <class T>
Summary<T> minimize(const Differentiable<T>& objective, Parameters<T>& params, const Transform& transform,
                    const MinimizeOptions<T>& options) {
  TransformState<T> state = transform.init(params.layout(), T{});
  return minimize(objective, params, transform, state, options);
}

template Summary<float> minimize<float>(const Differentiable<float>&, Parameters<float>&, const Transform&,
                                        TransformState<float>&, const MinimizeOptions<float>&);
template Summary<double> minimize<double>(const Differentiable<double>&, Parameters<double>&, const Transform&,
                                          TransformState<double>&, const MinimizeOptions<double>&);
template Summary<float> minimize<float>(const Differentiable<float>&, Parameters<float>&, const Transform&,
                                        const MinimizeOptions<float>&);
template Summary<double> minimize<double>(const Differentiable<double>&, Parameters<double>&, const Transform&,
                                          const MinimizeOptions<double>&);

}  // namespace descent
