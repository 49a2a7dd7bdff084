#include "descent/solver/line_search.hpp"

namespace descent {

std::string to_string(LineSearchStatus status) {
  switch (status) {
    case LineSearchStatus::satisfied:
      return "satisfied";
    case LineSearchStatus::max_evaluations:
      return "max_evaluations";
    case LineSearchStatus::at_max_step:
      return "at_max_step";
    case LineSearchStatus::at_min_step:
      return "at_min_step";
    case LineSearchStatus::interval_too_small:
      return "interval_too_small";
    case LineSearchStatus::not_descent:
      return "not_descent";
    case LineSearchStatus::non_finite:
      return "non_finite";
  }
  return "unknown";
}

}  // namespace descent
