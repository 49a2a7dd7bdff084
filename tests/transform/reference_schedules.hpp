// Reference learning-rate schedules: the closed forms of PyTorch's lr_scheduler
// documentation and of optax's schedules, written as plain functions of the 0-based
// update index k, independently of src/transform/schedules.cpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>

namespace descent::reference {

// Value used for the update with 0-based index k (the t-th update has k = t - 1).
using ScheduleFn = std::function<double(std::int64_t k)>;

inline ScheduleFn constant_schedule(double value) {
  return [value](std::int64_t) { return value; };
}

// torch.optim.lr_scheduler.StepLR: init * gamma^floor(k / every).
inline ScheduleFn step_decay_schedule(double init, std::int64_t every, double gamma) {
  return [=](std::int64_t k) {
    double value = init;
    for (std::int64_t decays = k / every; decays > 0; --decays) value *= gamma;
    return value;
  };
}

// torch.optim.lr_scheduler.ExponentialLR: init * gamma^k.
inline ScheduleFn exponential_schedule(double init, double gamma) {
  return [=](std::int64_t k) { return init * std::pow(gamma, static_cast<double>(k)); };
}

// optax.linear_schedule(init, end, transition_steps = steps): linear from init at k = 0
// to end at k = steps, constant afterwards.
inline ScheduleFn linear_decay_schedule(double init, std::int64_t steps, double end) {
  return [=](std::int64_t k) {
    if (k >= steps) return end;
    return init + (end - init) * static_cast<double>(k) / static_cast<double>(steps);
  };
}

// torch CosineAnnealingLR's closed form eta_min + (eta_max - eta_min)(1 + cos(pi k / T)) / 2
// for k <= T, held at eta_min afterwards (optax.cosine_decay_schedule; torch would rise again).
inline ScheduleFn cosine_schedule(double init, std::int64_t steps, double end) {
  return [=](std::int64_t k) {
    if (k >= steps) return end;
    const double angle = std::numbers::pi * static_cast<double>(k) / static_cast<double>(steps);
    return end + 0.5 * (init - end) * (1.0 + std::cos(angle));
  };
}

// Linear warm-up (Goyal et al. 2017): from start * after(0) at k = 0 up to after(0) at
// k = steps, then after(k - steps).
inline ScheduleFn warmup_schedule(ScheduleFn after, std::int64_t steps, double start) {
  return [=](std::int64_t k) {
    if (k >= steps) return after(k - steps);
    const double fraction = static_cast<double>(k) / static_cast<double>(steps);
    return after(0) * (start + (1.0 - start) * fraction);
  };
}

// Warmup-stable-decay as Hagele et al. (2024) state it: a linear warm-up from 0 over W
// steps, the peak until step T - D, then a cooldown over the last D steps of shape
// f(s) in {1 - s, (1 + cos(pi s)) / 2, 1 - sqrt(s)}, s the elapsed fraction of the cooldown.
inline ScheduleFn wsd_schedule(double peak, std::int64_t total, std::int64_t warm, std::int64_t cool, double floor,
                               char shape) {
  return [=](std::int64_t k) {
    if (k >= total) return floor;
    if (k < warm) return peak * static_cast<double>(k) / static_cast<double>(warm);
    if (k < total - cool) return peak;
    const double s = static_cast<double>(k - (total - cool)) / static_cast<double>(cool);
    const double f = shape == 'l'   ? 1.0 - s
                     : shape == 'c' ? 0.5 * (1.0 + std::cos(std::numbers::pi * s))
                                    : 1.0 - std::sqrt(s);
    return floor + (peak - floor) * f;
  };
}

}  // namespace descent::reference
