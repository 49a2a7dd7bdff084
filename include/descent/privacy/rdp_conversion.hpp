// From Renyi DP to (epsilon, delta)-DP. A mechanism that is (alpha, R_alpha)-RDP at each of a
// list of orders is (epsilon, delta)-DP with the smallest of the orders' bounds:
//
//   epsilon(delta) = min_alpha  R_alpha + log(1 - 1/alpha) - (log delta + log alpha) / (alpha - 1)
//   delta(epsilon) = min_alpha  exp((alpha - 1) (R_alpha - epsilon + log(1 - 1/alpha))) / alpha
//
// (Canonne, Kamath & Steinke 2020, Prop. 12; Balle et al. 2020, Thm. 21: tighter than
// Mironov's R_alpha + log(1/delta) / (alpha - 1) by log(1 - 1/alpha) - log(alpha) / (alpha - 1)
// at every order). Each order's bound also takes the total-variation bound
// delta <= sqrt(1 - exp(-R_alpha)) (Bretagnolle-Huber with KL <= R_alpha), which gives
// epsilon = 0 when the whole R_alpha is below about delta^2. This is the conversion of Google's
// dp_accounting; Opacus uses the same formula without the total-variation bound.
#pragma once

#include <span>

namespace descent {

// An (epsilon or delta) bound and the order that attained it.
struct RdpBound {
  double value = 0;
  double order = 0;
};

// orders (each > 1) and rdp (R_alpha >= 0, possibly +inf) of equal length >= 1 (unchecked:
// RdpAccountant validates). epsilon is +inf when every order's bound is infinite; delta is
// in [0, 1]. Ties go to the first order.
RdpBound rdp_to_epsilon(std::span<const double> orders, std::span<const double> rdp, double delta);
RdpBound rdp_to_delta(std::span<const double> orders, std::span<const double> rdp, double epsilon);

}  // namespace descent
