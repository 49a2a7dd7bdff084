// AdaGrad (Duchi, Hazan & Singer, JMLR 2011), diagonal version, as in torch.optim.Adagrad:
//   g     <- g + weight_decay * p
//   s     <- s + g^2                      (s starts at initial_accumulator)
//   lr'_t  = lr_t / (1 + (t - 1) * lr_decay)
//   update = -lr'_t * g / (sqrt(s) + eps)
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct AdagradOptions {
  static constexpr const char* kName = "AdagradOptions";
  SchedulePtr lr = constant(1e-2);  // step size lr_t > 0
  double lr_decay = 0;              // lr_t / (1 + (t - 1) lr_decay), >= 0
  double weight_decay = 0;          // coupled L2, >= 0
  double initial_accumulator = 0;   // s_0, >= 0
  double eps = 1e-10;               // added to sqrt(s), >= 0
  static const std::vector<Field<AdagradOptions>>& fields();
};

TransformPtr adagrad(AdagradOptions options = {});

}  // namespace descent
