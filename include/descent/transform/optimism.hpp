// Optimism: the update of the optimizer before it, extrapolated by the previous one,
//   u'_t = (1 + strength) u_t - strength u_{t-1}        (u_0 = 0)
// so that chain(sgd(lr=eta), optimism) is optimistic gradient descent
//   x_{t+1} = x_t - 2 eta g_t + eta g_{t-1}
// (Popov 1980; Rakhlin & Sridharan, "Optimization, learning, and games with predictable
// sequences", NeurIPS 2013: optimistic online mirror descent with the last gradient as
// the hint, in the Euclidean geometry), and chain(adam(...), optimism) is Optimistic Adam
// (Daskalakis, Ilyas, Syrgkanis & Zeng, "Training GANs with Optimism", ICLR 2018), whose
// step is 2 lr m_t/(sqrt(v_t)+eps) - lr m_{t-1}/(sqrt(v_{t-1})+eps).
//
// Why a transform after the optimizer rather than an optimizer of its own: optimism only
// needs the optimizer's last update, so one transform makes every optimizer optimistic.
// u_0 = 0 is optimistic mirror descent with no hint at the first step (its first move is
// then 2 u_1). On games (min-max problems written as one vector field) it turns the
// divergent simultaneous gradient descent-ascent on a bilinear game into a convergent
// iteration (tests/transform/optimism_test.cpp).
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct OptimismOptions {
  static constexpr const char* kName = "OptimismOptions";
  double strength = 1;  // extrapolation weight c >= 0: u' = (1 + c) u_t - c u_{t-1}; 1 is the papers'
  static const std::vector<Field<OptimismOptions>>& fields();
};

TransformPtr optimism(OptimismOptions options = {});

}  // namespace descent
