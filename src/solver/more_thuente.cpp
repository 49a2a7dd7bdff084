#include "descent/solver/more_thuente.hpp"

#include <algorithm>
#include <cmath>

#include "descent/core/error.hpp"

namespace descent {

const std::vector<Field<StrongWolfeOptions>>& StrongWolfeOptions::fields() {
  using O = StrongWolfeOptions;
  static const std::vector<Field<O>> f = {
      {"c1", &O::c1, {0, 1, true, true}, "phi(a) <= phi(0) + c1 a phi'(0)"},
      {"c2", &O::c2, {0, 1, true, true}, "|phi'(a)| <= c2 |phi'(0)|; at least c1"},
      {"xtol", &O::xtol, Range::non_negative(), "stop once the bracket's relative width is below this"},
      {"min_step", &O::min_step, Range::non_negative(), "smallest step"},
      {"max_step", &O::max_step, Range::positive(), "largest step"},
      {"max_evaluations", &O::max_evaluations, Range::at_least(1), "calls of phi at most"}};
  return f;
}

void StrongWolfeOptions::validate() const {
  descent::validate(*this);
  require(c1 <= c2, kName, "c2", c2, "c2 >= c1 (c1 = " + format_number(c1) + ")");
  require(min_step < max_step, kName, "max_step", max_step, "max_step > min_step");
}

namespace {

// An end of the interval of uncertainty, or a trial: a step with phi and phi' there.
struct Sample {
  double step, value, slope;
};

// The minimizer of the cubic interpolating values and slopes at u and v (Nocedal & Wright,
// eq. 3.59), with the square root's argument clamped at 0 (then the cubic's stationary point
// is a double root and the formula gives it). Scaled by the largest magnitude so that the
// square does not overflow.
double cubic_minimizer(const Sample& u, const Sample& v) {
  const double d1 = u.slope + v.slope - 3 * (u.value - v.value) / (u.step - v.step);
  const double scale = std::max({std::abs(d1), std::abs(u.slope), std::abs(v.slope)});
  if (scale == 0) return u.step;
  const double radicand = (d1 / scale) * (d1 / scale) - (u.slope / scale) * (v.slope / scale);
  double d2 = scale * std::sqrt(std::max(radicand, 0.0));
  if (v.step < u.step) d2 = -d2;
  const double denominator = v.slope - u.slope + 2 * d2;
  if (denominator == 0) return std::numeric_limits<double>::quiet_NaN();
  return v.step - (v.step - u.step) * (v.slope + d2 - d1) / denominator;
}

// The minimizer of the quadratic through u's value and slope and v's value.
double quadratic_minimizer(const Sample& u, const Sample& v) {
  const double h = v.step - u.step;
  return u.step + u.slope * h * h / (2 * (u.value - v.value + u.slope * h));
}

// Where the linear interpolation of the slopes at u and v vanishes.
double secant_minimizer(const Sample& u, const Sample& v) {
  return v.step + v.slope * (u.step - v.step) / (v.slope - u.slope);
}

bool opposite_signs(double a, double b) { return (a < 0 && b > 0) || (a > 0 && b < 0); }

// One step of the paper's Section 4: from the interval [lo, hi] (lo the best end) and the
// new trial t, the next trial step; lo and hi are updated and `bracketed` set once the
// interval is known to contain a minimizer. [step_min, step_max] bounds extrapolation.
double next_trial(Sample& lo, Sample& hi, const Sample& t, bool& bracketed, double step_min, double step_max) {
  double next;
  if (t.value > lo.value) {
    // Case 1: a higher value; a minimizer lies between lo and t. The cubic step is taken when
    // it is closer to lo than the quadratic one, else the average: the cubic can be too
    // optimistic when phi is far from cubic.
    const double c = cubic_minimizer(lo, t), q = quadratic_minimizer(lo, t);
    next = std::abs(c - lo.step) < std::abs(q - lo.step) ? c : c + (q - c) / 2;
    if (!std::isfinite(next)) next = q;
    bracketed = true;
  } else if (opposite_signs(t.slope, lo.slope)) {
    // Case 2: lower value, the slope changed sign: bracketed. The step farther from t of
    // the cubic and the secant.
    const double c = cubic_minimizer(lo, t), s = secant_minimizer(lo, t);
    next = std::isfinite(c) && std::abs(c - t.step) >= std::abs(s - t.step) ? c : s;
    bracketed = true;
  } else if (std::abs(t.slope) <= std::abs(lo.slope)) {
    // Case 3: lower value, same slope sign, the slope shrinks. The cubic is used only when its
    // minimizer lies beyond t (the cubic rises to infinity in that direction); else the far
    // end of the allowed range.
    const bool forward = t.step > lo.step;
    double c = cubic_minimizer(lo, t);
    if (!std::isfinite(c) || (forward ? c <= t.step : c >= t.step)) c = forward ? step_max : step_min;
    const double s = secant_minimizer(lo, t);
    if (bracketed) {
      // The nearer of the two to t, but no farther than 0.66 of the way to hi.
      next = std::abs(c - t.step) < std::abs(s - t.step) ? c : s;
      const double limit = t.step + 0.66 * (hi.step - t.step);
      next = forward ? std::min(limit, next) : std::max(limit, next);
    } else {
      next = std::abs(c - t.step) > std::abs(s - t.step) ? c : s;
      next = std::clamp(next, step_min, step_max);
    }
  } else {
    // Case 4: lower value, same slope sign, the slope does not shrink: phi keeps falling as
    // steeply. Inside a bracket, the cubic through t and hi; else extrapolate to the limit.
    if (bracketed) {
      next = cubic_minimizer(t, hi);
      if (!std::isfinite(next)) next = t.step + 0.5 * (hi.step - t.step);
    } else {
      next = t.step > lo.step ? step_max : step_min;
    }
  }
  // The new interval: a higher value replaces hi; otherwise t becomes lo, and if the slope
  // changed sign the old lo becomes hi.
  if (t.value > lo.value) {
    hi = t;
  } else {
    if (opposite_signs(t.slope, lo.slope)) hi = lo;
    lo = t;
  }
  return next;
}

}  // namespace

LineSearchResult more_thuente(const LineFunction& phi, const LinePoint& at_zero, double initial_step,
                              const StrongWolfeOptions& o, double step_limit) {
  o.validate();
  if (!(initial_step > 0) || !std::isfinite(initial_step))
    throw ConfigError("more_thuente: the initial step must be positive and finite, got " + format_number(initial_step));
  LineSearchResult result;
  result.point = {0, at_zero.value, at_zero.slope};
  const double f0 = at_zero.value, g0 = at_zero.slope;
  if (!(g0 < 0)) {
    result.status = LineSearchStatus::not_descent;
    return result;
  }
  const double step_min = o.min_step;
  double step_max = std::max(std::min(o.max_step, step_limit), step_min);
  const double decrease_slope = o.c1 * g0;  // phi(a) <= f0 + a decrease_slope
  // psi = phi - f0 - a decrease_slope: lo and hi begin at a = 0 where psi = 0, psi' = (1 - c1) g0.
  Sample lo{0, f0, g0}, hi{0, f0, g0};
  bool bracketed = false, stage_one = true;
  double width = step_max - step_min, width_before = 2 * width;
  double lower = 0, upper = initial_step * 5;  // the extrapolation range of the first trial
  double step = std::clamp(initial_step, step_min, step_max);

  while (true) {
    const LinePoint p = phi(step);
    ++result.evaluations;
    result.point = p;
    result.decreased = std::isfinite(p.value) && p.value < f0;
    if (!std::isfinite(p.value) || !std::isfinite(p.slope)) {
      // Too long a step: nothing beyond it is tried again; the next trial halves the
      // distance to lo, until halving no longer moves the step.
      step_max = step;
      const double halved = lo.step + 0.5 * (step - lo.step);
      if (result.evaluations >= o.max_evaluations || halved <= std::max(lo.step, step_min) || halved >= step) {
        result.status = LineSearchStatus::non_finite;
        return result;
      }
      step = halved;
      upper = std::min(upper, step_max);
      continue;
    }
    const double f_test = f0 + step * decrease_slope;
    const bool sufficient = p.value <= f_test;
    if (sufficient && std::abs(p.slope) <= -o.c2 * g0) {
      result.status = LineSearchStatus::satisfied;
      return result;
    }
    if (bracketed && (step <= lower || step >= upper)) {
      result.status = LineSearchStatus::interval_too_small;  // rounding stops progress
      return result;
    }
    if (bracketed && upper - lower <= o.xtol * upper) {
      result.status = LineSearchStatus::interval_too_small;
      return result;
    }
    if (step == step_max && sufficient && p.slope <= decrease_slope) {
      result.status = LineSearchStatus::at_max_step;
      return result;
    }
    if (step == step_min && (!sufficient || p.slope >= decrease_slope)) {
      result.status = LineSearchStatus::at_min_step;
      return result;
    }
    if (result.evaluations >= o.max_evaluations) {
      result.status = LineSearchStatus::max_evaluations;
      return result;
    }
    if (stage_one && sufficient && p.slope >= 0) stage_one = false;

    const Sample t{step, p.value, p.slope};
    if (stage_one && p.value <= lo.value && !sufficient) {
      // Interpolate psi rather than phi: a lower phi than lo's but no sufficient decrease.
      const auto to_psi = [&](Sample s) {
        return Sample{s.step, s.value - s.step * decrease_slope, s.slope - decrease_slope};
      };
      const auto from_psi = [&](Sample s) {
        return Sample{s.step, s.value + s.step * decrease_slope, s.slope + decrease_slope};
      };
      Sample lo_psi = to_psi(lo), hi_psi = to_psi(hi);
      step = next_trial(lo_psi, hi_psi, to_psi(t), bracketed, lower, upper);
      lo = from_psi(lo_psi);
      hi = from_psi(hi_psi);
    } else {
      step = next_trial(lo, hi, t, bracketed, lower, upper);
    }
    if (bracketed) {
      // Bisect when two trials have not shrunk the bracket to two thirds.
      if (std::abs(hi.step - lo.step) >= 0.66 * width_before) step = lo.step + 0.5 * (hi.step - lo.step);
      width_before = width;
      width = std::abs(hi.step - lo.step);
      lower = std::min(lo.step, hi.step);
      upper = std::max(lo.step, hi.step);
    } else {
      lower = step + 1.1 * (step - lo.step);
      upper = step + 4.0 * (step - lo.step);
    }
    step = std::clamp(step, step_min, step_max);
    // No progress possible inside the bracket: evaluate the best step once more and stop there.
    if (bracketed && (step <= lower || step >= upper || upper - lower <= o.xtol * upper)) step = lo.step;
  }
}

}  // namespace descent
