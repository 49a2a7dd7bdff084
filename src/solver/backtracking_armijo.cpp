#include "descent/solver/backtracking_armijo.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"

namespace descent {

const std::vector<Field<ArmijoOptions>>& ArmijoOptions::fields() {
  using O = ArmijoOptions;
  static const std::vector<Field<O>> f = {
      {"c1", &O::c1, {0, 1, true, true}, "phi(a) <= phi(0) + c1 a phi'(0)"},
      {"shrink", &O::shrink, {0, 1, true, true}, "a <- shrink a when not interpolating"},
      {"interpolate", &O::interpolate, Range::any(), "next step from a quadratic/cubic model of phi, in [0.1a, 0.5a]"},
      {"min_step", &O::min_step, Range::non_negative(), "give up (at_min_step) below this step"},
      {"max_evaluations", &O::max_evaluations, Range::at_least(1), "calls of phi at most"}};
  return f;
}

namespace {

// The minimizer of the quadratic q with q(0) = f0, q'(0) = g0 < 0, q(a) = fa.
double quadratic_step(double f0, double g0, double a, double fa) {
  // Positive whenever a failed sufficient decrease: fa > f0 + c1 a g0 > f0 + a g0 for
  // c1 < 1 and g0 < 0, so the parabola opens upwards.
  const double curvature = fa - f0 - g0 * a;
  return -g0 * a * a / (2 * curvature);
}

// The minimizer of the cubic c(t) = k3 t^3 + k2 t^2 + g0 t + f0 through (a, fa) and (b, fb)
// (Nocedal & Wright, eq. 3.58); NaN when the cubic has no minimizer there.
double cubic_step(double f0, double g0, double a, double fa, double b, double fb) {
  const double ra = fa - f0 - g0 * a, rb = fb - f0 - g0 * b;
  const double denominator = a * a * b * b * (b - a);
  const double k3 = (a * a * rb - b * b * ra) / denominator;
  const double k2 = (-a * a * a * rb + b * b * b * ra) / denominator;
  if (k3 == 0) return -g0 / (2 * k2);
  const double discriminant = k2 * k2 - 3 * k3 * g0;
  if (discriminant < 0) return std::numeric_limits<double>::quiet_NaN();
  return (-k2 + std::sqrt(discriminant)) / (3 * k3);
}

}  // namespace

LineSearchResult backtracking_armijo(const LineFunction& phi, const LinePoint& at_zero, double initial_step,
                                     const ArmijoOptions& o) {
  validate(o);
  if (!(initial_step > 0) || !std::isfinite(initial_step))
    throw ConfigError("backtracking_armijo: the initial step must be positive and finite, got " +
                      format_number(initial_step));
  LineSearchResult result;
  result.point = {0, at_zero.value, at_zero.slope};
  const double f0 = at_zero.value, g0 = at_zero.slope;
  if (!(g0 < 0)) {
    result.status = LineSearchStatus::not_descent;
    return result;
  }
  double step = initial_step;
  double previous_step = 0, previous_value = 0;  // the last trial, for the cubic model
  bool any_finite = false;
  while (true) {
    if (step < o.min_step) {
      result.status = any_finite ? LineSearchStatus::at_min_step : LineSearchStatus::non_finite;
      return result;
    }
    const LinePoint p = phi(step);
    ++result.evaluations;
    const bool finite = std::isfinite(p.value) && std::isfinite(p.slope);
    any_finite = any_finite || finite;
    if (finite && p.value < result.point.value) {
      result.point = p;
      result.decreased = true;
    }
    if (finite && p.value <= f0 + o.c1 * step * g0) {
      result.point = p;
      result.decreased = p.value < f0;
      result.status = LineSearchStatus::satisfied;
      return result;
    }
    if (result.evaluations >= o.max_evaluations) {
      result.status = any_finite ? LineSearchStatus::max_evaluations : LineSearchStatus::non_finite;
      return result;
    }
    double next = o.shrink * step;
    if (!finite) {
      next = (o.interpolate ? 0.1 : o.shrink) * step;
    } else if (o.interpolate) {
      next = previous_step == 0 ? quadratic_step(f0, g0, step, p.value)
                                : cubic_step(f0, g0, step, p.value, previous_step, previous_value);
      if (!std::isfinite(next)) next = 0.5 * step;
      next = std::clamp(next, 0.1 * step, 0.5 * step);
    }
    if (finite) previous_step = step, previous_value = p.value;
    step = next;
  }
}

}  // namespace descent
