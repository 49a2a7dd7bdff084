// Learning-rate schedules: step -> value, step counting updates from 0. Immutable
// objects, so one schedule can be shared by several transforms and states.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace descent {

class Schedule {
 public:
  virtual ~Schedule() = default;
  // Value for the update with 0-based index `step`.
  virtual double value(std::int64_t step) const = 0;
  // Canonical spec, e.g. "cosine(init=0.1, steps=1000, end=0)".
  virtual std::string spec() const = 0;
};

using SchedulePtr = std::shared_ptr<const Schedule>;

// value(t) = v.
SchedulePtr constant(double value);
// value(t) = init * gamma^floor(t / every)   (PyTorch StepLR).
SchedulePtr step_decay(double init, std::int64_t every, double gamma);
// value(t) = init * gamma^t   (PyTorch ExponentialLR).
SchedulePtr exponential(double init, double gamma);
// value(t) = end + (init - end) * max(0, 1 - t / steps).
SchedulePtr linear_decay(double init, std::int64_t steps, double end = 0);
// value(t) = end + (init - end) * (1 + cos(pi * min(t, steps) / steps)) / 2
// (Loshchilov & Hutter, SGDR, 2017, one cycle without restarts).
SchedulePtr cosine(double init, std::int64_t steps, double end = 0);
// Linear warm-up in front of any schedule: for t < steps, value(t) rises linearly from
// start * after(0) to after(0), reaching it at t = steps; then value(t) = after(t - steps).
SchedulePtr warmup(SchedulePtr after, std::int64_t steps, double start = 0);
// Warmup-stable-decay (Hu et al., MiniCPM, 2024; Hagele et al., 2024): init * k / warmup for
// k < warmup, init until the last `decay` of the `steps` updates, then a decay of shape
// "linear", "cosine" or "sqrt" (1 - sqrt, Hagele et al.) down to `end`, held from k = steps.
SchedulePtr wsd(double init, std::int64_t steps, std::int64_t warmup, std::int64_t decay, double end = 0,
                const std::string& shape = "sqrt");

// True when `s` is a constant schedule; `*value` receives its value.
bool is_constant(const Schedule& s, double* value = nullptr);

}  // namespace descent
