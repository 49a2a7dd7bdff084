// Gamma(shape, 1) variates from a Random stream, by Marsaglia and Tsang ("A simple method for
// generating gamma variables", ACM TOMS 26(3), 2000): for shape a >= 1, with d = a - 1/3 and
// c = 1 / sqrt(9 d), draw z ~ N(0, 1) and u ~ U(0, 1], set v = (1 + c z)^3 and accept d v when
// v > 0 and ln u < z^2 / 2 + d - d v + d ln v (the acceptance rate is above 95% for every a).
// For 0 < a < 1 the same paper's boost: X = Y U^(1/a) with Y ~ Gamma(a + 1), U ~ U(0, 1].
//
// Small shapes (a Dirichlet with alpha = 0.01) make U^(1/a) underflow to 0 for a fair share of
// draws, so log_gamma_variate returns ln X = ln Y + ln(U) / a instead, which stays finite; a
// Dirichlet sample normalizes exp(ln X_k - max_j ln X_j), never dividing 0 by 0.
#pragma once

#include "descent/core/random.hpp"

namespace descent {

// X ~ Gamma(shape, 1): mean shape, variance shape. Throws ConfigError unless shape > 0 and finite.
double gamma_variate(Random& random, double shape);

// ln X with X ~ Gamma(shape, 1), computed without forming X (see above). Same domain.
double log_gamma_variate(Random& random, double shape);

}  // namespace descent
