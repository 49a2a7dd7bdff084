// The loop: estimate a direction, let callbacks look at it, apply the transform chain,
// let callbacks look again; until a callback, the step budget or an interrupt stops it.
//
//   descent::Parameters<double> x = descent::Parameters<double>::from(x0);
//   auto opt = descent::chain(descent::clip_by_global_norm(1), descent::adam({.lr = descent::constant(1e-3)}));
//   descent::MinimizeOptions<double> options{.max_steps = 5000};
//   options.callbacks.push_back(std::make_shared<descent::EarlyStopping<double>>(
//       descent::EarlyStoppingOptions{.gradient_tolerance = 1e-8}));
//   auto summary = descent::minimize(objective, x, *opt, options);
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "descent/loop/callback.hpp"

namespace descent {

template <class T>
struct MinimizeOptions {
  std::int64_t max_steps = 1000;  // total updates, counting those before a resume; >= 0
  EstimatorPtr<T> estimator;      // null: the full gradient
  std::vector<std::shared_ptr<Callback<T>>> callbacks;
  bool stop_on_non_finite = true;                // install a NonFiniteGuard in front of the callbacks
  bool final_evaluation = true;                  // evaluate f and grad f at the final parameters for the Summary
  std::string resume_from;                       // checkpoint to continue from (empty: start fresh)
  const std::atomic<bool>* interrupt = nullptr;  // set from a signal handler to stop with user_stop
};

// Minimizes `objective` from (and into) `params`. `state` must come from
// transform.init(params.layout(), T{}); it is updated in place, so a caller can
// continue with it. Throws MismatchError/FormatError for a checkpoint that does not fit.
template <class T>
Summary<T> minimize(const Differentiable<T>& objective, Parameters<T>& params, const Transform& transform,
                    TransformState<T>& state, const MinimizeOptions<T>& options = {});

// Same, with a fresh transform state.
template <class T>
Summary<T> minimize(const Differentiable<T>& objective, Parameters<T>& params, const Transform& transform,
                    const MinimizeOptions<T>& options = {});

}  // namespace descent
