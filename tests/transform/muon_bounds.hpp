// What the Newton-Schulz iteration does to singular values, and the rounding-error bound of
// a Muon update computed in precision T against the double reference, for the Muon tests.
//
// Each NS step maps every singular value s of X to p(s) = a s + b s^3 + c s^5 and keeps the
// singular vectors, so everything about the exact iteration follows from the scalar
// polynomial, computed here rather than taken from printed numbers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "descent/transform/newton_schulz.hpp"

namespace descent::testing {

// p applied `steps` times to s.
inline double ns_scalar(double s, int steps, const NewtonSchulzCoefficients& k = kMuonQuintic) {
  for (int i = 0; i < steps; ++i) s = k.a * s + k.b * s * s * s + k.c * s * s * s * s * s;
  return s;
}

// Points of a uniform grid over [lo, hi] (both ends included), for scans of smooth functions.
inline constexpr int kScanPoints = 20000;
inline double scan_point(double lo, double hi, int i) { return lo + (hi - lo) * i / kScanPoints; }

// max over s in (0, 1] and k <= steps of p^k(s): the largest singular value any iterate has.
inline double ns_iterate_max(int steps, const NewtonSchulzCoefficients& k = kMuonQuintic) {
  double top = 1;
  for (int i = 1; i <= kScanPoints; ++i) {
    double s = scan_point(0, 1, i);
    for (int j = 0; j < steps; ++j) top = std::max(top, s = ns_scalar(s, 1, k));
  }
  return top;
}

// L = max |p'(s)| over [0, top]: a Lipschitz constant of one step on matrices with singular
// values in [0, top]. (The Frechet derivative of an odd matrix polynomial is made of the
// divided differences of p over the singular values and their negatives, all bounded by
// max |p'| by the mean value theorem.)
inline double ns_lipschitz(double top, const NewtonSchulzCoefficients& k = kMuonQuintic) {
  double lip = 0;
  for (int i = 0; i <= kScanPoints; ++i) {
    const double s = scan_point(0, top, i);
    lip = std::max(lip, std::abs(k.a + 3 * k.b * s * s + 5 * k.c * s * s * s * s));
  }
  return lip;
}

// min of p^steps over [lo, 1]: the grid minimum, less the most p^steps can dip between grid
// points (its slope is at most L^steps, half a grid step away).
inline double ns_scalar_min(double lo, int steps, const NewtonSchulzCoefficients& k = kMuonQuintic) {
  double low = ns_scalar(1, steps, k);
  for (int i = 0; i <= kScanPoints; ++i) low = std::min(low, ns_scalar(scan_point(lo, 1, i), steps, k));
  const double lip = ns_lipschitz(ns_iterate_max(steps, k), k);
  return low - std::pow(lip, steps) * (1 - lo) / kScanPoints / 2;
}

// First-order bound on ||fl(NS_steps(G)) - NS_steps(G)||_F for an m x q matrix (m <= q, after
// the transpose of a tall one), computed in a precision of machine epsilon eps (unit roundoff
// u = eps / 2), when G itself carries an elementwise relative error of at most input_error:
//   e_0 <= 2 input_error + 2u     (a relative perturbation r of G moves G / ||G|| by <= 2r;
//                                  the division by the norm rounds once)
//   e_k <= L e_{k-1} + delta      (one exact step is L-Lipschitz; delta = one step's rounding)
// so e_steps <= L^steps e_0 + delta (L^steps - 1) / (L - 1). With F = ||X_k||_F <= sqrt(m) top,
// and the GEMM bound |fl(AB) - AB| <= k u |A||B| (inner dimension k; the Frobenius norm of
// |A||B| is at most ||A||_F ||B||_F):
//   A = X X^T:               ||dA|| <= q u F^2,                       ||A|| <= F^2
//   P = b A + c A^2:         ||dP|| <= (m + 2) u (|b| ||A|| + |c| ||A||^2) + (|b| + 2|c| ||A||) ||dA||
//   X' = a X + P X:          delta  <= (m + 2) u (a F + ||P|| F) + ||dP|| F
// Worst-case (every rounding aligned, every singular value at L's worst): loose, but a bound.
inline double ns_error_bound(std::size_t m, std::size_t q, int steps, double eps, double input_error,
                             const NewtonSchulzCoefficients& k = kMuonQuintic) {
  const double u = eps / 2;
  const double top = ns_iterate_max(steps, k);
  const double lip = ns_lipschitz(top, k);
  const double f = std::sqrt(static_cast<double>(m)) * top;
  const double gram = f * f;
  const double d_gram = static_cast<double>(q) * u * gram;
  const double poly = std::abs(k.b) * gram + std::abs(k.c) * gram * gram;
  const double d_poly = static_cast<double>(m + 2) * u * poly + (std::abs(k.b) + 2 * std::abs(k.c) * gram) * d_gram;
  const double delta = static_cast<double>(m + 2) * u * (k.a * f + poly * f) + d_poly * f;
  const double amplification = std::pow(lip, steps);
  return amplification * (2 * input_error + 2 * u) + delta * (amplification - 1) / (lip - 1);
}

// Relative bound on ||U - U_ref||_F / ||U_ref||_F for one Muon update U = -rate O - decay W of a
// rows x cols block over at most `steps_taken` steps, computed in precision eps, provided that
// decay ||W||_F <= rate ||O||_F / 2 (the test cases choose the weight decay for that):
//   * the momentum B~ is a sum of same-signed terms for positive directions, each step adding
//     at most 5 roundings (two casts, two products, a sum) and B~ 3 more: input error
//     <= (5 steps_taken + 3) u;
//   * ||O||_F >= p^5(1 / sqrt(m)): the top singular value of B~ / ||B~||_F is at least
//     1 / sqrt(rank) >= 1 / sqrt(m), and p^5 maps it to at least ns_scalar_min over [1/sqrt(m), 1];
//     with the decay condition ||U_ref|| >= rate ||O|| / 2 >= rate o_min / 2;
//   * ||dU|| <= rate e_5 + 2u (rate ||O|| + decay ||W||) <= rate (e_5 + 3u sqrt(m) top).
inline double muon_update_bound(std::size_t rows, std::size_t cols, double eps, int steps_taken = 5) {
  const std::size_t m = std::min(rows, cols);
  const std::size_t q = std::max(rows, cols);
  const double u = eps / 2;
  const double input_error = (5.0 * steps_taken + 3) * u;
  const double o_min = ns_scalar_min(1 / std::sqrt(static_cast<double>(m)), 5);
  const double top = ns_iterate_max(5);
  const double e5 = ns_error_bound(m, q, 5, eps, input_error);
  return (e5 + 3 * u * std::sqrt(static_cast<double>(m)) * top) / (o_min / 2);
}

// Relative error of LANTON's block rate eta_l = lr ((alpha + H_min) / (alpha + H_l))^(1/4) on
// the generic tests' matrix layouts (at most 3 rows in the smaller dimension, at most
// q = 1e5 / 6 in the larger). The nuclear norm of a difference D (its elements rounded once,
// relative u = 2^-53) is summed from the eigenvalues of the m x m Gram matrix in double:
// the Gram matrix errs by <= (q + 2) u ||D||_F^2 (products and sums of q terms), the
// symmetric eigensolver's backward error adds <= 10 m u ||Gram|| <= 10 m u ||D||_F^2, and an
// eigenvalue moved by delta moves its square root by <= sqrt(delta). Over m singular values,
// with ||D||_F <= ||D||_*:  e_N = m sqrt((q + 10 m + 2) u)  relative. H, a convex combination
// of squared norms, errs by <= 2 e_N + 4u relative, and the fourth root of a ratio of two such
// quantities by <= (2 (2 e_N + 4u)) / 4 + 2u; the update is proportional to eta_l.
inline double lanton_rate_error(double m = 3, double q = 1e5 / 6) {
  const double u = 0x1p-53;
  const double e_nuclear = m * std::sqrt((q + 10 * m + 2) * u);
  return e_nuclear + 4 * u;
}

}  // namespace descent::testing
