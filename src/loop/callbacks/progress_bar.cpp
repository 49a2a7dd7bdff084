#include "descent/loop/callbacks/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <string>

namespace descent {

template <class T>
ProgressBar<T>::ProgressBar(std::FILE* stream, bool force)
    : stream_(stream), enabled_(force || (stream != nullptr && ::isatty(::fileno(stream)) == 1)) {}

template <class T>
void ProgressBar<T>::on_start(const LoopView<T>& loop) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
  first_step_ = loop.counters.step;
}

template <class T>
std::optional<Stop> ProgressBar<T>::after_update(const StepReport<T>& report, const LoopView<T>& loop) {
  if (!enabled_) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most 10 times a second, and always on the last step.
  if (now - last_draw_ < std::chrono::milliseconds(100) && report.step < loop.max_steps) return std::nullopt;
  last_draw_ = now;
  draw(report, loop.max_steps);
  return std::nullopt;
}

template <class T>
void ProgressBar<T>::draw(const StepReport<T>& report, std::int64_t max_steps) {
  constexpr int kWidth = 24;
  const double frac = max_steps > 0 ? std::min(1.0, double(report.step) / double(max_steps)) : 1.0;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? double(report.step - first_step_) / seconds : 0;
  const double eta = rate > 0 ? double(max_steps - report.step) / rate : 0;
  std::fprintf(stream_, "\r%lld/%lld [%s] f=%.6g |g|=%.3g %.1f it/s ETA %02d:%02d ",
               static_cast<long long>(report.step), static_cast<long long>(max_steps), bar.c_str(),
               static_cast<double>(report.value), static_cast<double>(report.gradient_norm), rate,
               static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  std::fflush(stream_);
  drawn_ = true;
}

template <class T>
void ProgressBar<T>::on_end(const Summary<T>&, const LoopView<T>&) {
  if (drawn_) std::fputc('\n', stream_);
}

template class ProgressBar<float>;
template class ProgressBar<double>;

}  // namespace descent
