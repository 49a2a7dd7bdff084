// Continuized Nesterov acceleration (Even, Berthier, Bach, Flammarion, Gaillard, Hendrikx,
// Massoulié & Taylor, "A Continuized View on Nesterov Acceleration for Stochastic Gradient
// Descent and Randomized Gossip", NeurIPS 2021). Two sequences x and z mix continuously,
//   dx = eta (z - x) dt,   dz = eta' (x - z) dt,
// and take gradient steps at the times of a Poisson process of rate 1,
//   x <- x - gamma grad f(x),   z <- z - gamma' grad f(x).
// Between two events the mixing has a closed form, so the process is simulated exactly:
// the parameters are x just before each event (where the gradient is taken), and an event
// k is one call of this transform. With lr = gamma = 1/L:
//   mu > 0 (mu-strongly convex): eta = eta' = sqrt(mu lr), gamma' = sqrt(lr / mu); then
//     E[f(x_t) - f* + mu/2 |z_t - x*|^2] <= (f(x_0) - f* + mu/2 |x_0 - x*|^2) exp(-sqrt(mu lr) t);
//   mu = 0 (convex): eta_t = 2/t, eta' = 0, gamma'_t = lr t / 2; then
//     E[f(x_t) - f*] <= 2 |x_0 - x*|^2 / (lr t^2).
// Event k happens at T_k = tau_1 + ... + tau_k with tau_j ~ Exp(1) drawn from `seed` by a
// counter-based generator, so a run is reproducible and resumes bit for bit (the state
// keeps z and T_k). In expectation T_k = k: the discrete iteration is Nesterov's method
// with random parameters, with the accelerated rate per gradient step.
#pragma once

#include <cstdint>

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct ContinuizedNesterovOptions {
  static constexpr const char* kName = "ContinuizedNesterovOptions";
  double lr = 1e-2;       // gamma = 1/L, L the smoothness constant; > 0
  double mu = 0;          // strong convexity mu >= 0 (0: the convex schedule); needs mu * lr <= 1
  std::int64_t seed = 0;  // seed of the Poisson clock's Exp(1) waiting times
  static const std::vector<Field<ContinuizedNesterovOptions>>& fields();
};

TransformPtr continuized_nesterov(ContinuizedNesterovOptions options = {});

// The k-th waiting time tau_k ~ Exp(1) (k >= 1) of the clock of `seed`.
double continuized_waiting_time(std::int64_t seed, std::int64_t k);

}  // namespace descent
