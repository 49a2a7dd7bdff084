// Noise injection after an optimizer (Orvieto, Kersting, Proske, Bach & Lucchi,
// "Anticorrelated Noise Injection for Improved Generalization", ICML 2022). The update u_t of
// the transforms before it becomes
//   independent      u_t + xi_t               (perturbed GD, "PGD")
//   anticorrelated   u_t + xi_t - xi_{t-1}    ("Anti-PGD")
// with xi_0, xi_1, ... iid N(0, sigma^2 I) and t = 1, 2, ... the step, so that
// chain(sgd(lr=eta), perturb(sigma=s, kind=anticorrelated)) is
//   x_{t+1} = x_t - eta grad f(x_t) + (xi_{t+1} - xi_t)
// in the paper's indexing. Consecutive Anti-PGD perturbations have correlation -1/2 and their
// sum telescopes: x_T = x_0 - eta sum_t grad f(x_t) + xi_T - xi_0, so the noise never
// accumulates into a random walk as PGD's does.
//
// Why it prefers flat minima: y_t = x_t - xi_t obeys y_{t+1} = y_t - eta grad f(y_t + xi_t),
// which is SGD on the Gaussian smoothing f_sigma(y) = E f(y + xi) = f(y) + sigma^2/2 tr H(y) +
// O(sigma^4), with a fresh xi each step: Anti-PGD minimizes the loss plus a multiple of the
// Hessian's trace (the paper's Theorem 3.3 in its continuous-time form).
//
// xi_t is not stored: coordinate j of xi_t is sigma times normal draw number t n + j (n the
// number of parameters) of Random(seed, Stream::noise, substream "pert"), computed from the
// counter (core/random.hpp), so a run is reproducible, independent of the thread count, and
// resumes bit for bit from the step count alone. Anti-PGD pays two draws per coordinate per
// step for that instead of a slot of n numbers. The transform is global (it sees the whole
// vector, so that inside a partition a group's scattered blocks share one counter range instead
// of repeating the same draws per block); two perturb transforms with the same seed over
// vectors of the same length draw the same noise, so give different groups different seeds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct PerturbOptions {
  static constexpr const char* kName = "PerturbOptions";
  double sigma = 0.01;                  // standard deviation of each xi coordinate, >= 0
  std::string kind = "anticorrelated";  // anticorrelated: + xi_t - xi_{t-1}; independent: + xi_t
  std::int64_t seed = 0;                // seed of the noise stream, >= 0
  static const std::vector<Field<PerturbOptions>>& fields();
};

TransformPtr perturb(PerturbOptions options = {});

// xi_t[j] / sigma: the standard normal draw number t n + j of the noise stream of `seed`, for
// step t >= 0 and coordinate j < n.
double perturb_standard_normal(std::int64_t seed, std::int64_t t, std::size_t n, std::size_t j);

}  // namespace descent
