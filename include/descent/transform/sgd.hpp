// Stochastic gradient descent with optional heavy-ball or Nesterov momentum, in the
// formulation of PyTorch's torch.optim.SGD (Sutskever et al. 2013 for Nesterov):
//   g   <- g + weight_decay * p                 (coupled L2 decay)
//   b   <- momentum * b + g                     (b starts at 0, so b_1 = g)
//   u   <- nesterov ? g + momentum * b : b      (u = g when momentum = 0)
//   update = -lr_t * u
// Polyak's heavy ball p_{t+1} = p_t - lr g_t + momentum (p_t - p_{t-1}) is the same
// iteration for a constant learning rate.
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct SgdOptions {
  static constexpr const char* kName = "SgdOptions";
  SchedulePtr lr = constant(1e-2);  // step size lr_t > 0 (number or schedule)
  double momentum = 0;              // 0 <= momentum < 1; 0 is plain SGD
  bool nesterov = false;            // Nesterov's look-ahead; needs momentum > 0
  double weight_decay = 0;          // coupled L2 coefficient, >= 0
  static const std::vector<Field<SgdOptions>>& fields();
};

TransformPtr sgd(SgdOptions options = {});
// sgd with momentum = beta (heavy ball).
TransformPtr momentum(double lr = 1e-2, double beta = 0.9);
// sgd with Nesterov momentum beta.
TransformPtr nesterov(double lr = 1e-2, double beta = 0.9);

}  // namespace descent
