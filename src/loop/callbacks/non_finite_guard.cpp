#include "descent/loop/callbacks/non_finite_guard.hpp"

#include <cmath>

#include "descent/core/parallel.hpp"

namespace descent {

template <class T>
std::optional<Stop> NonFiniteGuard<T>::before_update(const StepReport<T>& report, const LoopView<T>&) {
  // The norm is NaN/Inf whenever an element is (or the sum overflows, which is as fatal).
  const bool value_ok = std::isfinite(report.value);
  const bool direction_ok = std::isfinite(report.gradient_norm) || all_finite(report.direction);
  if (value_ok && direction_ok) return std::nullopt;
  return Stop{Termination::non_finite, std::string(value_ok ? "direction" : "objective value") +
                                           " is not finite at step " + std::to_string(report.step) +
                                           "; the parameters are the last finite ones"};
}

template class NonFiniteGuard<float>;
template class NonFiniteGuard<double>;

}  // namespace descent
