// The Renyi differential privacy of one run of the Poisson-subsampled Gaussian mechanism
// (Mironov, Talwar & Zhang, "Renyi Differential Privacy of the Sampled Gaussian Mechanism",
// 2019), for add/remove adjacency.
//
// With mu_0 = N(0, sigma^2), mu_1 = N(1, sigma^2) and mu = (1 - q) mu_0 + q mu_1, the
// mechanism is (alpha, R_alpha)-RDP with
//   R_alpha = log(A_alpha) / (alpha - 1),   A_alpha = E_{z ~ mu_0} [(mu(z) / mu_0(z))^alpha]
// (the paper shows this direction dominates the other). For q = 1, R_alpha = alpha / (2 sigma^2).
//
// Integer alpha: the binomial expansion of (1 - q + q mu_1/mu_0)^alpha is finite,
//   A_alpha = sum_{i=0}^{alpha} C(alpha, i) q^i (1 - q)^(alpha - i) exp((i^2 - i) / (2 sigma^2)).
// The weights C(alpha, i) q^i (1 - q)^(alpha - i) sum to 1, so
//   A_alpha - 1 = sum_{i=2}^{alpha} C(alpha, i) q^i (1 - q)^(alpha - i) expm1((i^2 - i) / (2 sigma^2)),
// a sum of positive terms, is summed in log space and log(A_alpha) = log1p(A_alpha - 1): full
// relative precision even when A_alpha - 1 is 1e-12 (tiny q), where log(A_alpha) would lose it.
//
// Fractional alpha (the paper's Sec. 3.3): split the integral at z0 = sigma^2 log(1/q - 1) + 1/2,
// where (1 - q) mu_0 = q mu_1, and expand (x + y)^alpha in the generalized binomial series
// around the larger of the two on each side:
//   A_0 = sum_i C(alpha, i) q^i (1 - q)^(alpha - i) exp((i^2 - i) / (2 sigma^2)) erfc((i - z0) / (sqrt 2 sigma)) / 2
//   A_1 = sum_i C(alpha, i) q^(alpha - i) (1 - q)^i exp((j^2 - j) / (2 sigma^2)) erfc((z0 - j) / (sqrt 2 sigma)) / 2,
//         j = alpha - i,
// A_alpha = A_0 + A_1. C(alpha, i) keeps its sign: past i = floor(alpha) + 1 the terms
// alternate, and the sum of their magnitudes (dp_accounting 0.6.0 sums those) is only an upper
// bound (R_1.5 at sigma = 1.5, q = 0.04: 10% too high). The tail decays only polynomially (about
// i^-(alpha + 2)) when z0 is small, so the series is summed until its terms fall below the
// rounding of the sum, or, after a fixed number of alternating terms, finished by repeated
// averaging of the partial sums (Euler's transform), which removes the alternating tail's
// error far below rounding (see sampled_gaussian_rdp.cpp).
#pragma once

#include <cstdint>

namespace descent {

// R_alpha of one step: sampling_rate q in (0, 1], noise_multiplier sigma > 0, order alpha > 1,
// all finite (ConfigError naming the argument otherwise). +infinity where A_alpha overflows
// a double (sigma tiny): no finite guarantee at this order.
double sampled_gaussian_rdp(double sampling_rate, double noise_multiplier, double order);

// log(A_alpha) by the integer expansion (alpha >= 2) and by the fractional series (any
// alpha > 1, integer ones included: there the series is finite and equals the expansion, a
// check of each against the other). For 0 < q < 1; exposed for tests.
double sampled_gaussian_log_moment_integer(double sampling_rate, double noise_multiplier, std::int64_t order);
double sampled_gaussian_log_moment_series(double sampling_rate, double noise_multiplier, double order);

}  // namespace descent
