// Exponentiated gradient (Kivinen & Warmuth, "Exponentiated Gradient versus Gradient
// Descent for Linear Predictors", Information and Computation 132, 1997): multiplicative
// updates for positive weights, mirror descent with the entropy as mirror map.
//   orthant (EGU, unnormalized):  p <- p * exp(-lr_t g)
//   simplex (EG, normalized):     p <- p * exp(-lr_t g) / Z,   Z = sum_j p_j exp(-lr_t g_j)
// As a transform that adds its update to p, the update is
//   orthant: u = p * (exp(-lr_t g) - 1)              (elementwise; expm1, exact for small steps)
//   simplex: u = p * (exp(-lr_t g - log Z) - 1)       (reducing: Z sums over every coordinate)
// "exponentiated_gradient(lr=0.1)" is the orthant form, "exponentiated_gradient(lr=0.1,
// simplex=true)" the simplex form. A chain before it may transform g (chain(clip_by_value(1),
// exponentiated_gradient(...))); a member after it would change the update, and the
// iterates would leave the orthant or the simplex: put it last.
//
// Domain. Both forms need positive weights. Signs are preserved (exp > 0), so a positive
// start stays non-negative; a weight whose factor underflows (lr g above ~745 in double,
// ~103 in float) becomes exactly 0 and stays there, as the exact iteration's weight tends to
// 0. The simplex form reads p in its reduction anyway and refuses, by name, a start with a
// weight <= 0 (or NaN) at its first step, and a negative or NaN weight at any later step (0
// is then a legitimate underflowed weight). The orthant form is a single elementwise pass
// and does not check (a check would cost it a pass of its own): there a negative weight is
// multiplied by exp(-lr g) as well, which moves it uphill, and a zero weight stays zero.
// The simplex form's first step from a positive start off the simplex lands on it: Z
// normalizes, which is the entropic (KL) projection of the exponentiated step.
// Z is summed in double in a fixed tile order (deterministic); a Z that overflows or
// underflows double (lr |g| beyond ~700) is refused, naming lr.
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct ExponentiatedGradientOptions {
  static constexpr const char* kName = "ExponentiatedGradientOptions";
  SchedulePtr lr = constant(0.1);  // step size lr_t > 0 in the exponent (number or schedule)
  bool simplex = false;            // normalize onto the probability simplex after each step
  static const std::vector<Field<ExponentiatedGradientOptions>>& fields();
};

TransformPtr exponentiated_gradient(ExponentiatedGradientOptions options = {});

}  // namespace descent
