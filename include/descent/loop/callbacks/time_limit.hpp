// Stops the run (time_limit) once this call to minimize has run for `seconds`.
#pragma once

#include <chrono>

#include "descent/loop/callback.hpp"

namespace descent {

template <class T>
class TimeLimit final : public Callback<T> {
 public:
  explicit TimeLimit(double seconds);
  void on_start(const LoopView<T>&) override;
  std::optional<Stop> after_update(const StepReport<T>& report, const LoopView<T>&) override;

 private:
  double seconds_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace descent
