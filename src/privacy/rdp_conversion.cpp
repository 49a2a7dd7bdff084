#include "descent/privacy/rdp_conversion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace descent {

RdpBound rdp_to_epsilon(std::span<const double> orders, std::span<const double> rdp, double delta) {
  const double log_delta = std::log(delta);
  RdpBound best{std::numeric_limits<double>::infinity(), orders.front()};
  for (std::size_t k = 0; k < orders.size(); ++k) {
    const double a = orders[k], r = rdp[k];
    double epsilon;
    if (delta * delta + std::expm1(-r) > 0) {
      epsilon = 0;  // sqrt(1 - exp(-r)) < delta: the total-variation bound is already enough
    } else if (r == std::numeric_limits<double>::infinity()) {
      epsilon = r;
    } else {
      epsilon = r + std::log1p(-1 / a) - (log_delta + std::log(a)) / (a - 1);
    }
    if (epsilon < best.value) best = {epsilon, a};
  }
  best.value = std::max(best.value, 0.0);
  return best;
}

RdpBound rdp_to_delta(std::span<const double> orders, std::span<const double> rdp, double epsilon) {
  RdpBound best{std::numeric_limits<double>::infinity(), orders.front()};  // log delta
  for (std::size_t k = 0; k < orders.size(); ++k) {
    const double a = orders[k], r = rdp[k];
    // log sqrt(1 - exp(-r)): 0 for an infinite r, -inf for r = 0.
    double log_delta = 0.5 * std::log(-std::expm1(-r));
    if (std::isfinite(r)) log_delta = std::min(log_delta, (a - 1) * (r - epsilon + std::log1p(-1 / a)) - std::log(a));
    if (log_delta < best.value) best = {log_delta, a};
  }
  best.value = std::min(std::exp(best.value), 1.0);
  return best;
}

}  // namespace descent
