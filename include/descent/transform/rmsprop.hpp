// RMSProp (Tieleman & Hinton, Coursera lecture 6.5, 2012; centered form from Graves 2013),
// as in torch.optim.RMSprop:
//   g   <- g + weight_decay * p
//   s   <- alpha * s + (1 - alpha) * g^2
//   a   <- alpha * a + (1 - alpha) * g               (centered only)
//   r    = sqrt(s - a^2) or sqrt(s), plus eps
//   b   <- momentum * b + g / r;  update = -lr_t * b  (momentum > 0)
//   update = -lr_t * g / r                            (momentum = 0)
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct RmspropOptions {
  static constexpr const char* kName = "RmspropOptions";
  SchedulePtr lr = constant(1e-2);  // step size lr_t > 0
  double alpha = 0.99;              // decay of the squared-gradient average, 0 <= alpha < 1
  double eps = 1e-8;                // added to the root, >= 0
  double weight_decay = 0;          // coupled L2, >= 0
  double momentum = 0;              // 0 <= momentum < 1
  bool centered = false;            // divide by the estimated standard deviation instead
  static const std::vector<Field<RmspropOptions>>& fields();
};

TransformPtr rmsprop(RmspropOptions options = {});

}  // namespace descent
