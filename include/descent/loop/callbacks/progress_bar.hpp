// A one-line progress bar on a terminal: step, bar, value, gradient norm, steps/s and
// ETA, redrawn at most 10 times a second. Prints nothing when the stream is not a TTY,
// so logs and CI output stay clean.
#pragma once

#include <chrono>
#include <cstdio>

#include "descent/loop/callback.hpp"

namespace descent {

template <class T>
class ProgressBar final : public Callback<T> {
 public:
  explicit ProgressBar(std::FILE* stream = stderr, bool force = false);
  void on_start(const LoopView<T>&) override;
  std::optional<Stop> after_update(const StepReport<T>& report, const LoopView<T>& loop) override;
  void on_end(const Summary<T>&, const LoopView<T>&) override;

 private:
  void draw(const StepReport<T>& report, std::int64_t max_steps);

  std::FILE* stream_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::int64_t first_step_ = 0;
  bool drawn_ = false;
};

}  // namespace descent
