#include "descent/privacy/accountant.hpp"

#include <cmath>

#include "descent/core/error.hpp"

namespace descent {

void validate(const GaussianSteps& steps) {
  const double sigma = steps.noise_multiplier, q = steps.sampling_rate;
  require(std::isfinite(sigma) && sigma > 0, "GaussianSteps", "noise_multiplier", sigma, "noise_multiplier > 0");
  require(std::isfinite(q) && q > 0 && q <= 1, "GaussianSteps", "sampling_rate", q, "0 < sampling_rate <= 1");
  require(steps.steps >= 0, "GaussianSteps", "steps", static_cast<double>(steps.steps), "steps >= 0");
}

}  // namespace descent
