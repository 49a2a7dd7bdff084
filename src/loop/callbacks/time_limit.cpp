#include "descent/loop/callbacks/time_limit.hpp"

#include "descent/core/error.hpp"

namespace descent {

template <class T>
TimeLimit<T>::TimeLimit(double seconds) : seconds_(seconds) {
  require(seconds > 0, "TimeLimit", "seconds", seconds, "seconds > 0");
}

template <class T>
void TimeLimit<T>::on_start(const LoopView<T>&) {
  start_ = std::chrono::steady_clock::now();
}

template <class T>
std::optional<Stop> TimeLimit<T>::after_update(const StepReport<T>&, const LoopView<T>&) {
  const double used = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (used < seconds_) return std::nullopt;
  return Stop{Termination::time_limit,
              "ran for " + format_number(used) + " s, limit " + format_number(seconds_) + " s"};
}

template class TimeLimit<float>;
template class TimeLimit<double>;

}  // namespace descent
