// Schedule refinement (Defazio, Cutkosky, Mehta & Mishchenko, "Optimal Linear Decay Learning
// Rate Schedules and Further Refinements", arXiv:2310.07831): from the gradient norms a run
// observed, the schedule its last-iterate bound prefers for a rerun of the same length.
//
// With G_t the (smoothed) norm at step t of T, the weights are
//   w_t = G_t^-p * sum_{s > t} G_s^-p,   then w / max(w),
// p = 2 for SGD-type updates (Euclidean norms, the paper's SGD algorithm) and p = 1 for
// element-wise updates such as Adam (l1 norms then). A constant G gives
// w_t = (T - 1 - t) / (T - 1): linear decay to 0 at the last step, the paper's worst-case
// optimum. Small later norms (a smooth region ahead) keep the steps large; large early
// norms make them small: the warm-up and the fast final annealing the paper derives.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct RefineOptions {
  static constexpr const char* kName = "RefineOptions";
  // Width of the centred median filter applied to the norms first (the paper smooths them
  // because single minibatch norms are noisy); 1 = no smoothing. Odd widths centre exactly.
  std::int64_t median_window = 1;
  // p above: 2 for SGD and momentum (Euclidean norms), 1 for Adam-type updates (l1 norms).
  double norm_power = 2;
  static const std::vector<Field<RefineOptions>>& fields();
};

// The refined schedule, one multiplier in [0, 1] per step (max 1), as long as `gradient_norms`.
// ConfigError for bad options; MismatchError for fewer than 2 norms, or a norm that is
// negative, not finite, or 0 after smoothing (its G^-p would be infinite).
std::vector<double> refine_schedule(std::span<const double> gradient_norms, const RefineOptions& options = {});

// The centred running median of `values` over `window` entries (shrunk at the ends).
std::vector<double> median_filter(std::span<const double> values, std::int64_t window);

}  // namespace descent
