// Step sizes from the extreme eigenvalues of the Hessian (found by lanczos_hessian), the
// choice Granziol, Zohren & Roberts ("Learning Rates as a Function of Batch Size: A Random
// Matrix Theory Approach to Neural Network Training", JMLR 2022) make on the fly from a
// Lanczos estimate of the batch Hessian's spectrum. On a quadratic with eigenvalues in
// [lambda_min, lambda_max], kappa = lambda_max / lambda_min:
//   gradient descent: lr = 2 / (lambda_max + lambda_min), contraction (kappa - 1)/(kappa + 1)
//     per step, the best constant step (Polyak, Introduction to Optimization, 1987, 1.4);
//   heavy ball: lr = 4 / (sqrt(lambda_max) + sqrt(lambda_min))^2,
//     momentum = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2, asymptotic contraction
//     (sqrt(kappa) - 1)/(sqrt(kappa) + 1) (Polyak 1964).
// When lambda_min <= 0 (a non-convex point, or a Ritz value not yet converged) only the top
// of the spectrum is trusted: lr = 1 / lambda_max (the largest step that is stable with a
// margin of 2 for the sharpest direction), no momentum, and no predicted contraction.
#pragma once

#include "descent/analysis/lanczos.hpp"

namespace descent {

enum class SpectralMethod { gradient_descent, heavy_ball };

struct SpectralStep {
  double lr = 0;
  double momentum = 0;
  double contraction = 1;  // predicted per-step factor of the error on a quadratic (1: none)
};

// Throws ConfigError unless lambda_max > 0 and both are finite.
SpectralStep spectral_step(double lambda_max, double lambda_min, SpectralMethod method);
// From a Lanczos result's extreme Ritz values.
SpectralStep spectral_step(const LanczosResult& spectrum, SpectralMethod method);

}  // namespace descent
