// Adam (Kingma & Ba, ICLR 2015), AdamW (Loshchilov & Hutter, ICLR 2019) and the
// AMSGrad variant (Reddi, Kale & Kumar, ICLR 2018), as in PyTorch's torch.optim.Adam/AdamW:
//   g    <- g + weight_decay * p                    (adam only: coupled L2 decay)
//   m    <- beta1 * m + (1 - beta1) * g
//   v    <- beta2 * v + (1 - beta2) * g^2
//   vmax <- max(vmax, v)                            (amsgrad only; v below means vmax)
//   update = -lr_t / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//            - lr_t * weight_decay * p              (adamw only: decoupled decay)
// AMSGrad keeps Adam's bias correction, as PyTorch does; the paper's Algorithm 2 has none.
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct AdamOptions {
  static constexpr const char* kName = "AdamOptions";
  SchedulePtr lr = constant(1e-3);  // step size lr_t > 0 (number or schedule)
  double beta1 = 0.9;               // first-moment decay, 0 <= beta1 < 1
  double beta2 = 0.999;             // second-moment decay, 0 <= beta2 < 1
  double eps = 1e-8;                // added to sqrt(v_hat), >= 0
  double weight_decay = 0;          // adam: coupled L2; adamw: decoupled rate; >= 0
  bool amsgrad = false;             // use the running maximum of v
  static const std::vector<Field<AdamOptions>>& fields();
};

TransformPtr adam(AdamOptions options = {});
// AdamW: weight_decay is decoupled (PyTorch's default weight_decay for AdamW is 0.01).
TransformPtr adamw(AdamOptions options = {.weight_decay = 1e-2});
// adam with amsgrad = true.
TransformPtr amsgrad(AdamOptions options = {.amsgrad = true});

}  // namespace descent
