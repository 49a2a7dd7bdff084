// The objective along a ray x + a d, as the line searches see it (line_search.hpp): each
// call evaluates f and its gradient at the trial point and keeps them, so that a solver
// takes the accepted point's value and gradient without another evaluation. It also counts
// the calls, the per-sample gradients they cost (a finite sum's full gradient costs n) and
// the time spent in the objective, for the solver's Summary.
#pragma once

#include <chrono>
#include <span>
#include <vector>

#include "descent/core/vector_ops.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"
#include "descent/solver/line_search.hpp"
#include "descent/spec/solver_spec.hpp"
#include "evaluation_cost.hpp"

namespace descent::solver_detail {

template <class T>
class Ray {
 public:
  explicit Ray(const Differentiable<T>& f)
      : f_(f), x_(f.dimension()), g_(f.dimension()), samples_per_call_(samples_per_evaluation(f)) {}

  // Evaluates f and its gradient at `x` itself (the start, or a point to re-evaluate).
  T evaluate(std::span<const T> x, std::span<T> gradient) {
    const auto start = std::chrono::steady_clock::now();
    const T value = f_.value_and_gradient(x, gradient);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++calls_;
    sample_gradients_ += samples_per_call_;
    return value;
  }

  // The ray's origin and direction for the following `at` calls (kept by reference).
  void aim(std::span<const T> origin, std::span<const T> direction) {
    origin_ = origin;
    direction_ = direction;
    step_ = -1;
  }

  // phi(a) and phi'(a): f and grad f . d at origin + a direction.
  LinePoint at(double step) {
    const T a = static_cast<T>(step);
    for (std::size_t i = 0; i < x_.size(); ++i) x_[i] = origin_[i] + a * direction_[i];
    value_ = evaluate(x_, g_);
    step_ = step;
    return {step, static_cast<double>(value_), dot(std::span<const T>(g_), direction_)};
  }
  LineFunction function() {
    return [this](double step) { return at(step); };
  }

  // The last point evaluated by `at`, its value and gradient; step() is -1 before any.
  double step() const { return step_; }
  std::span<const T> point() const { return x_; }
  std::span<const T> gradient() const { return g_; }
  T value() const { return value_; }

  std::int64_t calls() const { return calls_; }
  std::int64_t sample_gradients() const { return sample_gradients_; }
  double seconds() const { return seconds_; }

 private:
  const Differentiable<T>& f_;
  std::span<const T> origin_, direction_;
  std::vector<T> x_, g_;
  T value_ = 0;
  double step_ = -1;
  std::int64_t samples_per_call_, calls_ = 0, sample_gradients_ = 0;
  double seconds_ = 0;
};

// What a line-search solver reports after each step: its iterate with the ray's counts.
template <class T>
SolverIterate<T> iterate_at(const Ray<T>& ray, std::int64_t step, std::span<const T> x, double value,
                            double gradient_norm) {
  SolverIterate<T> it;
  it.step = step;
  it.x = x;
  it.value = value;
  it.gradient_norm = gradient_norm;
  it.objective_calls = ray.calls();
  it.sample_gradients = ray.sample_gradients();
  return it;
}

// The Summary a line-search solver returns: why it stopped, where, and the ray's counts and
// times (`steps` as the solver counted them).
template <class T>
Summary<T> summary_of(const Ray<T>& ray, std::int64_t steps, Termination termination, std::string message, double value,
                      double gradient_norm, std::chrono::steady_clock::time_point start) {
  Summary<T> s;
  s.termination = termination;
  s.message = std::move(message);
  s.steps = steps;
  s.final_value = static_cast<T>(value);
  s.final_gradient_norm = static_cast<T>(gradient_norm);
  s.objective_calls = ray.calls();
  s.sample_gradients = ray.sample_gradients();
  s.timings.estimate_s = ray.seconds();
  s.timings.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

}  // namespace descent::solver_detail
