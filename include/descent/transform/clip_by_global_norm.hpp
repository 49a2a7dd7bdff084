// Global-norm clipping (Pascanu, Mikolov & Bengio, ICML 2013; optax.clip_by_global_norm):
//   d <- d * max_norm / ||d||   when ||d|| > max_norm, unchanged otherwise.
// torch.nn.utils.clip_grad_norm_ divides by ||d|| + 1e-6 instead; we use the exact norm.
// A reducing transform: the norm is summed over tiles in a fixed order (deterministic).
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct ClipByGlobalNormOptions {
  static constexpr const char* kName = "ClipByGlobalNormOptions";
  double max_norm = 1;  // > 0
  static const std::vector<Field<ClipByGlobalNormOptions>>& fields();
};

TransformPtr clip_by_global_norm(double max_norm = 1);

}  // namespace descent
