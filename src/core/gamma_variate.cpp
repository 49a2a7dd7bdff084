#include "descent/core/gamma_variate.hpp"

#include <cmath>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

namespace {

void check_shape(double shape) {
  if (!(shape > 0) || !std::isfinite(shape))
    throw ConfigError("gamma_variate: shape = " + format_number(shape) + " violates shape > 0 (finite)");
}

// Marsaglia-Tsang for shape >= 1. Returns ln X rather than X when `as_log`, from the accepted
// d v without an extra rounding of X.
double marsaglia_tsang(Random& random, double shape, bool as_log) {
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double z = random.normal();
    const double t = 1.0 + c * z;
    if (t <= 0) continue;
    const double v = t * t * t;
    const double u = random.uniform_open_zero();
    // The squeeze u < 1 - 0.0331 z^4 accepts most draws without a logarithm.
    const bool accept = u < 1.0 - 0.0331 * z * z * z * z || std::log(u) < 0.5 * z * z + d * (1.0 - v + std::log(v));
    if (accept) return as_log ? std::log(d) + std::log(v) : d * v;
  }
}

}  // namespace

double gamma_variate(Random& random, double shape) {
  check_shape(shape);
  if (shape >= 1) return marsaglia_tsang(random, shape, false);
  const double y = marsaglia_tsang(random, shape + 1.0, false);
  return y * std::pow(random.uniform_open_zero(), 1.0 / shape);
}

double log_gamma_variate(Random& random, double shape) {
  check_shape(shape);
  if (shape >= 1) return marsaglia_tsang(random, shape, true);
  const double log_y = marsaglia_tsang(random, shape + 1.0, true);
  return log_y + std::log(random.uniform_open_zero()) / shape;
}

}  // namespace descent
