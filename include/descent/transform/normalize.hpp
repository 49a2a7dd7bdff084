// Gradient normalization: the direction divided by its Euclidean norm,
//   d <- d / max(||d||_2, eps),
// the norm taken over all blocks together. chain(normalize, sgd(lr=eta)) is normalized
// gradient descent, w <- w - eta g / ||g||: every step has length eta whatever the scale of
// the gradient, which is what lets it keep making progress where the loss flattens out
// (logistic regression on separable data: Nacson, Lee, Gunasekar, Savarese, Srebro &
// Soudry, AISTATS 2019; the large-stepsize regime of Wu, Bartlett, Telgarsky & Yu, 2024).
//
// eps only guards the zero direction (0 / eps = 0, never 0 / 0): above it the update has
// norm 1 up to rounding. It must sit below every gradient norm of the run, and normalized GD
// is used precisely where gradients become tiny: on separable logistic regression the
// gradient norm falls like exp(-margin * ||w||), below 1e-12 within ~20 steps of length 2.
// Hence a default of 1e-30 (the squared norm is summed in double, exact down to ~1e-154). A reducing transform: ||d||^2
// is summed in double over tiles in a fixed order (deterministic); at the head of a chain that is the squared norm
// minimize() has at hand already, so it costs no pass of its own (reduces_to_squared_norm).
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct NormalizeOptions {
  static constexpr const char* kName = "NormalizeOptions";
  double eps = 1e-30;  // > 0: the divisor is max(||d||, eps)
  static const std::vector<Field<NormalizeOptions>>& fields();
};

TransformPtr normalize(NormalizeOptions options = {});

}  // namespace descent
