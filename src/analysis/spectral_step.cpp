#include "descent/analysis/spectral_step.hpp"

#include <cmath>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

SpectralStep spectral_step(double lambda_max, double lambda_min, SpectralMethod method) {
  if (!std::isfinite(lambda_max) || !std::isfinite(lambda_min) || !(lambda_max > 0))
    throw ConfigError("spectral_step: lambda_max = " + format_number(lambda_max) + ", lambda_min = " +
                      format_number(lambda_min) + " (needs a finite lambda_max > 0: no positive curvature to step by)");
  SpectralStep step;
  if (!(lambda_min > 0)) {
    step.lr = 1 / lambda_max;
    return step;
  }
  const double kappa = lambda_max / lambda_min;
  if (method == SpectralMethod::gradient_descent) {
    step.lr = 2 / (lambda_max + lambda_min);
    step.contraction = (kappa - 1) / (kappa + 1);
  } else {
    const double root = std::sqrt(lambda_max) + std::sqrt(lambda_min);
    const double ratio = (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1);
    step.lr = 4 / (root * root);
    step.momentum = ratio * ratio;
    step.contraction = ratio;
  }
  return step;
}

SpectralStep spectral_step(const LanczosResult& spectrum, SpectralMethod method) {
  if (spectrum.ritz_values.empty()) throw ConfigError("spectral_step: the Lanczos result has no Ritz values");
  return spectral_step(spectrum.largest(), spectrum.smallest(), method);
}

}  // namespace descent
