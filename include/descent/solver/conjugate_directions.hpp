// The method of conjugate directions with a user-supplied direction map: the iteration of
// Kaneda, Akar, Chen, Kim & Teran, "A Deep Conjugate Direction Method for Iteratively
// Solving Linear Systems" (ICML 2023, Algorithm 1), in which a trained network maps the
// residual to a search direction. The library ships no network: `direction` is any callable
// r -> d. From x_0, r_0 = b - A x_0, each iteration
//   d_k      = direction(r_k)
//   d_k     <- d_k - sum_{i in window} (d_i^T A d_k / d_i^T A d_i) d_i   (Gram-Schmidt in the A inner product)
//   alpha_k  = r_k^T d_k / d_k^T A d_k                                    (exact line minimizer of the A-norm error)
//   x_{k+1}  = x_k + alpha_k d_k,    r_{k+1} = r_k - alpha_k A d_k
// where the window holds the last `window` directions (the paper uses 2). The directions in
// a window are mutually A-conjugate, so the classical and modified Gram-Schmidt agree in exact
// arithmetic; this uses the modified one, and keeps A d_i with each d_i so that an iteration
// costs one product with A (A d_k is updated by the same combination as d_k).
//
// Two cases pin it down (the tests): with direction(r) = r it is CG (the window's oldest
// directions get zero coefficients, as r_k is already A-conjugate to them), and with
// direction(r) = M^{-1} r it is PCG with M. With window >= n - 1 the directions are all
// mutually conjugate and x_k minimizes the A-norm error over x_0 + span{d_0, ..., d_{k-1}}, so
// any map whose directions stay independent reaches x* in at most n iterations.
//
// Stops as conjugate_gradient does (CgTermination); non_positive_curvature also means the
// direction fell into the span of the window (d_k = 0 after the Gram-Schmidt step).
#pragma once

#include <functional>

#include "descent/solver/conjugate_gradient.hpp"

namespace descent {

struct ConjugateDirectionsOptions {
  static constexpr const char* kName = "ConjugateDirectionsOptions";
  double tolerance = 1e-10;            // ||r|| <= tolerance ||b||; >= 0
  std::int64_t max_iterations = 1000;  // >= 0
  std::int64_t window = 2;             // earlier directions each new one is made A-conjugate to; >= 0
  static const std::vector<Field<ConjugateDirectionsOptions>>& fields();
  void validate() const;
};

// direction(residual, d): writes the search direction for `residual` into d (same length).
// It may return any vector; its scale does not matter (alpha absorbs it).
template <class T>
using DirectionMap = std::function<void(std::span<const T> residual, std::span<T> direction)>;

// Solves A x = b from the guess in `x`, leaving the last iterate there. MismatchError for
// mismatched lengths, ConfigError for bad options.
template <class T>
ConjugateGradientResult conjugate_directions(const LinearOperator<T>& A, std::span<const T> b, std::span<T> x,
                                             const DirectionMap<T>& direction,
                                             const ConjugateDirectionsOptions& options = {});

}  // namespace descent
