// Weight decay in its two forms.
// weight_decay(rate): decoupled (Loshchilov & Hutter 2019), acts on the update and goes
//   after an optimizer:  d <- d - rate_t * p.   chain(adam(lr=a), weight_decay(a * w)) is AdamW.
// add_decayed_weights(coefficient): coupled L2, acts on the gradient and goes before an
//   optimizer:  d <- d + coefficient * p   (the gradient of coefficient/2 * ||p||^2).
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct WeightDecayOptions {
  static constexpr const char* kName = "WeightDecayOptions";
  SchedulePtr rate = constant(1e-4);  // shrink factor per step, >= 0 (number or schedule)
  static const std::vector<Field<WeightDecayOptions>>& fields();
};

struct AddDecayedWeightsOptions {
  static constexpr const char* kName = "AddDecayedWeightsOptions";
  double coefficient = 1e-4;  // >= 0
  static const std::vector<Field<AddDecayedWeightsOptions>>& fields();
};

TransformPtr weight_decay(WeightDecayOptions options = {});
TransformPtr weight_decay(double rate);
TransformPtr add_decayed_weights(double coefficient = 1e-4);

}  // namespace descent
