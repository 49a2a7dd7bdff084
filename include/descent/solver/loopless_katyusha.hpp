// L-Katyusha, loopless Katyusha (Kovalev, Horváth & Richtárik, "Don't jump through hoops
// and remove those loops: SVRG and Katyusha are better without the outer loop", ALT 2020,
// Algorithm 2): Nesterov-type acceleration of L-SVRG with Katyusha's negative momentum
// towards the snapshot. With sigma = mu / L and eta = theta2 / ((1 + theta2) theta1), from
// y_0 = z_0 = w_0 = x_0:
//   x_k     = theta1 z_k + theta2 w_k + (1 - theta1 - theta2) y_k
//   g_k     = grad f_B(x_k) - grad f_B(w_k) + grad f(w_k)            (B uniform, with replacement)
//   z_{k+1} = (eta sigma x_k + z_k - (eta / L) g_k) / (1 + eta sigma)
//   y_{k+1} = x_k + theta1 (z_{k+1} - z_k)
//   w_{k+1} = y_k with probability p, else w_k
// The paper's choice, used when theta1 = 0: theta1 = min(sqrt(2 sigma / (3 p)), 1/2),
// theta2 = 1/2, p = |B| / n. It converges linearly in O((n + sqrt(n L / mu)) log(1/eps))
// sample gradients for mu-strongly convex f with L-smooth f_i, against O((n + L/mu) ...)
// for L-SVRG: the accelerated rate matters when L / mu is large next to n.
//
// Adaptive sampling (Zhao, Lyu & Kolar, TMLR 2023): with adaptive_sampling = true the batch
// is drawn from a distribution p learned online (estimator/adaptive_sampling_distribution.hpp,
// the same learner as lsvrg_as), and the correction is unbiased by 1/(n p_i):
//   g_k = grad f(w_k) + (1/|B|) sum_{i in B} (grad f_i(x_k) - grad f_i(w_k)) / (n p_i).
// The smoothness to give is then the one the sampling achieves (near the mean of the L_i
// rather than their maximum, as for importance sampling): that is where the gain is.
//
// A solver, not an estimator: the gradient is taken at x_k, a combination of three
// sequences the method owns, and the update of z, y and w is the method, so no transform
// chain can be put after it. It shares the objectives, the Summary and the seeded streams
// of the loop; `on_step` sees every iterate and may stop the run. The iterate it returns
// in `params` is y (the sequence the paper's guarantees are about).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/loop/summary.hpp"
#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct LooplessKatyushaOptions {
  static constexpr const char* kName = "LooplessKatyushaOptions";
  double smoothness = 0;        // L > 0: a smoothness constant of every f_i (max_i L_i for uniform sampling)
  double strong_convexity = 0;  // mu >= 0 (of f); 0 gives sigma = 0 and no strong-convexity pull
  double theta1 = 0;            // (0, 1): weight of z in x_k; 0: min(sqrt(2 sigma / (3 p)), 1/2)
  double theta2 = 0.5;          // (0, 1): weight of the snapshot w (Katyusha momentum); theta1 + theta2 <= 1
  double probability = 0;       // p in [0, 1]: snapshot refresh chance per step; 0: batch_size / n
  std::int64_t batch_size = 1;  // |B| >= 1
  std::int64_t max_steps = 1000;
  bool adaptive_sampling = false;     // draw from a learned p (Zhao, Lyu & Kolar) instead of uniformly
  double alpha = 0.1;                 // adaptive: uniform share, p_i >= alpha / n; in (0, 1]
  double sampling_learning_rate = 1;  // adaptive: the learner's step (see AdaptiveLooplessSvrgOptions); > 0
  std::uint64_t seed = 0;             // batches (Stream::sampling) and the coin (its substream 1), as LooplessSvrg
  static const std::vector<Field<LooplessKatyushaOptions>>& fields();
  // Range checks of the table, plus smoothness > 0 and theta1 + theta2 <= 1 (ConfigError).
  void validate() const;
};

// One iterate, as `on_step` sees it.
template <class T>
struct KatyushaStep {
  std::int64_t step = 0;              // iterations done
  std::span<const T> y;               // the iterate returned at the end
  T batch_value = 0;                  // f_B(x_k) of the step's batch
  std::int64_t sample_gradients = 0;  // so far, snapshots included
  std::int64_t snapshots = 0;         // full gradients taken so far (the first, at x_0, included)
};

// Runs L-Katyusha from `params` and leaves y there. Throws MismatchError for an objective
// without samples or parameters of the wrong size, ConfigError for bad options. Stops with
// max_steps, or user_stop when on_step returns true, or non_finite (parameters: the last
// finite y) when the direction or the iterate stops being finite.
template <class T>
Summary<T> loopless_katyusha(const FiniteSum<T>& objective, Parameters<T>& params,
                             const LooplessKatyushaOptions& options,
                             const std::function<bool(const KatyushaStep<T>&)>& on_step = {});

}  // namespace descent
