// Coordinate-wise clipping: d_i <- clamp(d_i, -limit, limit)  (optax.clip, torch clip_grad_value_).
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct ClipByValueOptions {
  static constexpr const char* kName = "ClipByValueOptions";
  double limit = 1;  // > 0
  static const std::vector<Field<ClipByValueOptions>>& fields();
};

TransformPtr clip_by_value(double limit = 1);

}  // namespace descent
