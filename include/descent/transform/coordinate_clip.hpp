// Coordinate-wise clipping at a quantile (Pan & Li, "Toward Understanding Why Adam
// Converges Faster Than SGD for Transformers", 2023). The paper measures an update u by its
// directional sharpness u^T H u / ||u||^2, finds that SGD's is poor because a few
// coordinates carry large entries along sharp directions, and proposes to clip them:
//   k   = floor(fraction * n)                 (n: all coordinates, every block together)
//   tau = the (k+1)-th largest |d_i|
//   d_i <- clamp(d_i, -tau, tau)
// so the k coordinates largest in magnitude are cut down to the largest magnitude among the
// others, signs kept; the rest are unchanged. That is the rule of the authors' released code
// (threshold = the |d| sorted in decreasing order at index int(n * fraction)); a fixed
// threshold instead of a quantile is clip_by_value. fraction = 0 leaves d unchanged.
//
// Where it goes in a chain decides what is clipped: chain(coordinate_clip(fraction=0.1),
// sgd(lr=...)) clips the gradient that SGD then follows, chain(adam, coordinate_clip(...))
// clips Adam's update.
//
// A global transform, not a reducing one: a quantile is not a sum, so it cannot come from
// the per-tile partial sums the reducing interface adds up. It selects tau with
// std::nth_element on a copy of |d| (O(n) on average) in a per-thread scratch buffer that
// grows to the largest size seen and then stays (no allocation per step in steady state).
// Ties do not matter: tau is a value, and clamping at it is the same whichever tied
// coordinate the selection put at position k.
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct CoordinateClipOptions {
  static constexpr const char* kName = "CoordinateClipOptions";
  // Share of coordinates clipped, 0 <= fraction < 1. 0.1 is descent's default, not the
  // paper's: the paper shows that a small fraction suffices and compares several.
  double fraction = 0.1;
  static const std::vector<Field<CoordinateClipOptions>>& fields();
};

TransformPtr coordinate_clip(double fraction = 0.1);

}  // namespace descent
