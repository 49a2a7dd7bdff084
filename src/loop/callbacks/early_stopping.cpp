#include "descent/loop/callbacks/early_stopping.hpp"

#include <algorithm>
#include <cmath>

#include "descent/core/error.hpp"

namespace descent {

template <class T>
EarlyStopping<T>::EarlyStopping(EarlyStoppingOptions options) : options_(options) {
  require(options_.gradient_tolerance >= 0, "EarlyStoppingOptions", "gradient_tolerance", options_.gradient_tolerance,
          "gradient_tolerance >= 0");
  require(options_.relative_tolerance >= 0, "EarlyStoppingOptions", "relative_tolerance", options_.relative_tolerance,
          "relative_tolerance >= 0");
  require(options_.patience >= 1, "EarlyStoppingOptions", "patience", static_cast<double>(options_.patience),
          "patience >= 1");
}

template <class T>
std::optional<Stop> EarlyStopping<T>::before_update(const StepReport<T>& report, const LoopView<T>&) {
  if (options_.gradient_tolerance > 0 && report.gradient_norm <= options_.gradient_tolerance)
    return Stop{Termination::converged, "gradient norm " + format_number(report.gradient_norm) +
                                            " <= gradient_tolerance " + format_number(options_.gradient_tolerance)};
  if (options_.relative_tolerance > 0) {
    if (has_previous_) {
      const double scale = std::max({std::abs(double(previous_)), std::abs(double(report.value)), 1e-300});
      quiet_steps_ = std::abs(double(previous_) - double(report.value)) <= options_.relative_tolerance * scale
                         ? quiet_steps_ + 1
                         : 0;
      if (quiet_steps_ >= options_.patience)
        return Stop{Termination::converged, "relative improvement below " + format_number(options_.relative_tolerance) +
                                                " for " + std::to_string(quiet_steps_) + " steps"};
    }
    previous_ = report.value;
    has_previous_ = true;
  }
  return std::nullopt;
}

template class EarlyStopping<float>;
template class EarlyStopping<double>;

}  // namespace descent
