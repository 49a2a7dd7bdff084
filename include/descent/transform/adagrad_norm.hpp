// AdaGrad-Norm (Ward, Wu & Bottou, "AdaGrad stepsizes: sharp convergence over nonconvex
// landscapes", ICML 2019 / JMLR 2020, Algorithm 1): one step size for all coordinates,
// shrinking with the cumulative squared norm of the directions seen so far:
//   g      <- g + weight_decay * p            (coupled L2, as the other optimizers; 0 in the paper)
//   b_t^2   = b_{t-1}^2 + ||g_t||^2           (b_0 = b0 > 0; the norm over all blocks together)
//   update  = -lr_t * g_t / b_t
//
// Convention: the current direction enters b before the step, as in the paper's Algorithm 1
// (b_j^2 <- b_{j-1}^2 + ||G_{j-1}||^2, then x_j <- x_{j-1} - eta G_{j-1} / b_j). That is the
// algorithm the paper's theorems are about, and it bounds every step by lr_t (||g_t|| <= b_t),
// whatever the scale of the gradient: the property that lets it recover from a too-large lr.
// The delayed variant dividing by b_{t-1} (used in some analyses to decouple the step size
// from the current stochastic gradient) has no such bound on its early steps (lr ||g_1|| / b0).
//
// A reducing transform: ||g_t||^2 is summed in double over tiles in a fixed order, so the
// result does not depend on the thread count. With weight_decay = 0 that sum is the incoming
// direction's squared norm, which minimize() computes anyway and hands to apply(): a leading
// adagrad_norm then needs no pass of its own (reduces_to_squared_norm). State: the scalar
// b_t^2 ("b_squared"), saved and loaded with the transform state.
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct AdagradNormOptions {
  static constexpr const char* kName = "AdagradNormOptions";
  // eta_t > 0. A step moves the parameters by at most lr_t in Euclidean norm. 1 is the
  // value the paper keeps fixed in its experiments while it varies b0.
  SchedulePtr lr = constant(1);
  // b_0 > 0. Too small costs little (b catches up with the gradients within a few steps, the
  // paper's bounds grow only with log(1 / b0)); too large is plain gradient descent with the
  // small step lr / b0 until the gradients' sum outgrows b0^2. Hence a small default.
  double b0 = 0.01;
  double weight_decay = 0;  // coupled L2, >= 0
  static const std::vector<Field<AdagradNormOptions>>& fields();
};

TransformPtr adagrad_norm(AdagradNormOptions options = {});

}  // namespace descent
