// Where to look for DP-SGD's clip norm: the guidance of Das, Kale, Xu, Zhang & Sanghavi,
// "Beyond Uniform Lipschitz Condition in Differentially Private Optimization" (ICML 2023).
//
// Their setting: each sample's loss has its own Lipschitz constant L_i (a bound on
// ||grad loss_i(w)|| over all w), and the problem is convex and over-parameterized, as a
// linear classifier on features from a network pre-trained on public data is. Their
// recommendation: tune the clip norm C only over values up to min_i L_i. Below that bound,
// every per-sample gradient is clipped (DP-SGD then behaves as normalized SGD with noise
// sigma C, and C only trades the step size against the noise); above it, the extra range
// adds noise faster than it lets gradients through.
//
// The constants are exact (suprema over w) for the models whose per-sample gradient factors
// as (loss derivative) x (input), u_i = (x_i, 1) with an intercept, (x_i) without:
//   logistic regression:  grad = (s(z) - y) u_i,   |s(z) - y| < 1  ->  L_i = ||u_i||;
//   softmax regression:   grad = (p - e_y) u_i^T,  ||p - e_y|| < sqrt(2) (all mass on one
//                         wrong class)  ->  L_i = sqrt(2) ||u_i||.
// The L2 term is not a per-sample loss (DP-SGD adds its gradient outside the clipping), so
// it does not enter. Least squares has no finite L_i (its gradient grows with w) and an MLP
// none known in closed form: both are refused with a message that says so.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "descent/data/dataset.hpp"

namespace descent {

struct ClipNormGuide {
  std::string model;               // "logistic" or "softmax"
  std::size_t samples = 0;         // rows with L_i > 0 (a zero row's gradient is always 0: never clipped)
  std::size_t zero_rows = 0;       // rows left out for that reason
  double min_lipschitz = 0;        // min_i L_i: the top of the recommended range
  double median_lipschitz = 0;     // for scale: how far the typical sample is above it
  double max_lipschitz = 0;        // the uniform Lipschitz constant of the classical analyses
  std::vector<double> candidates;  // a geometric grid ending at min_i L_i, factor 2 apart
};

// The per-sample Lipschitz constants of `kind` ("logistic" or "softmax", with an intercept
// when `bias`) on `data`, and `grid` (>= 1) clip-norm candidates min L / 2^(grid-1), ...,
// min L. Throws ConfigError for another kind, a grid of 0, or data without a nonzero row.
template <class T>
ClipNormGuide clip_norm_guide(const std::string& kind, bool bias, const Dataset<T>& data, std::size_t grid = 5);

}  // namespace descent
