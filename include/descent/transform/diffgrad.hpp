// diffGrad (Dubey, Chakraborty, Roy, Mukherjee, Singh & Chaudhuri, "diffGrad: An
// Optimization Method for Convolutional Neural Networks", IEEE TNNLS 31(11), 2020):
// Adam whose bias-corrected first moment is damped, coordinate by coordinate, by a
// "friction" that depends on how much the gradient changed since the previous step:
//   g     <- g + weight_decay * p                 (coupled L2; 0 in the paper)
//   m     <- beta1 * m + (1 - beta1) * g
//   v     <- beta2 * v + (1 - beta2) * g^2
//   xi    =  1 / (1 + exp(-|g_prev - g|))         (g_prev = 0 at the first step)
//   update = -lr_t * xi * m / (1 - beta1^t) / (sqrt(v / (1 - beta2^t)) + eps)
//   g_prev <- g
// xi lies in [1/2, 1): a coordinate whose gradient does not change (a flat stretch, or
// near a minimum where it changes little) takes half of Adam's step, one whose gradient
// changes fast takes nearly all of it. The moments are Adam's, untouched by xi.
//
// eps is added to sqrt(v_hat) as in the paper's Algorithm 1 (and descent's adam). The
// torch-optimizer implementation adds eps to sqrt(v) before the bias correction, i.e.
// uses eps / sqrt(1 - beta2^t) here: the two agree for eps = 0.
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct DiffGradOptions {
  static constexpr const char* kName = "DiffGradOptions";
  SchedulePtr lr = constant(1e-3);  // step size lr_t > 0 (number or schedule)
  double beta1 = 0.9;               // first-moment decay, 0 <= beta1 < 1
  double beta2 = 0.999;             // second-moment decay, 0 <= beta2 < 1
  double eps = 1e-8;                // added to sqrt(v_hat), >= 0
  double weight_decay = 0;          // coupled L2, >= 0
  static const std::vector<Field<DiffGradOptions>>& fields();
};

TransformPtr diffgrad(DiffGradOptions options = {});

}  // namespace descent
