// LANTON (Hao, Gong, Xu, Wang & Liu, "Noise-Adaptive Layerwise Learning Rates: Accelerating
// Geometry-Aware Optimization for Deep Neural Network Training", arXiv 2510.14009, 2025) on
// top of Muon: every matrix block (layer) l gets its own learning rate, smaller where its
// gradient is noisier, the noise measured in the dual of the norm whose LMO makes the step.
// Muon's LMO is the spectral-norm ball's (the orthogonalized momentum), whose dual norm is the
// nuclear norm ||X||_* = sum of the singular values of X. For every block l, at step t, with
// its gradient G_t (the direction) and the previous step's gradient G_{t-1}:
//   H_t    = beta2 H_{t-1} + (1 - beta2) ||G_t - G_{t-1}||_*^2   (H_0 = 0; step 1 adds nothing)
//   a_t    = 1 / sqrt(alpha + H_t)                                (the block's noise-adaptive scale)
//   eta_t  = lr_t sqrt(a_t / max_k a_t^k)                         (max over the transform's blocks)
//          = lr_t ((alpha + min_k H_t^k) / (alpha + H_t))^(1/4)
//   B_t    = momentum B_{t-1} + (1 - momentum) G_t,  B~ as Muon's (Nesterov or not)
//   update = -eta_t weight_decay W - eta_t s(rows, cols) NS(B~)
// so the least noisy block steps with the base rate lr_t, a noisier one with less, and with
// no noise (deterministic gradients, or every block equally noisy) LANTON is Muon exactly.
// The paper estimates the noise from a second stochastic gradient at the same point; a
// transform sees one gradient per step, so the difference with the previous step's gradient
// stands in for it (an assumption, see docs/algorithms.md). The maximum runs over the blocks
// this transform is given: inside partition(...) that is its group, as in the paper, where
// the rates are normalized within each group of layers sharing a norm.
//
// Blocks as Muon's: a block of shape {r, c, ...} is the r x (c ...) matrix; blocks of fewer
// than 2 dimensions are refused at init() (route them elsewhere with partition(...)).
// State: slots momentum_buffer and previous_gradient (as long as the parameters), and one
// scalar per block, "noise_estimate:<block name>" = H_t, all saved with the state. The nuclear
// norm is computed exactly, in double, from the eigenvalues of the smaller Gram matrix
// (D D^T or D^T D); its scratch is kept per thread and per size, so steps allocate nothing
// once warm.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct LantonOptions {
  static constexpr const char* kName = "LantonOptions";
  SchedulePtr lr = constant(0.02);     // base step size lr_t > 0 (number or schedule)
  double momentum = 0.95;              // 0 <= momentum < 1 (Muon's)
  bool nesterov = true;                // orthogonalize (1 - momentum) g + momentum B instead of B
  double weight_decay = 0;             // decoupled, at the block's rate: -eta weight_decay W, >= 0
  std::string adjust_lr = "original";  // Muon's s(rows, cols): original, match_rms_adamw, ...
  std::int64_t ns_steps = 5;           // Newton-Schulz steps, 1 <= ns_steps <= 99
  double eps = 1e-7;                   // Newton-Schulz X_0 = B~ / max(||B~||_F, eps), eps > 0
  double beta2 = 0.9;                  // noise average H <- beta2 H + (1 - beta2) ||dG||_*^2, 0 <= beta2 < 1
  double alpha = 1e-8;                 // a = 1 / sqrt(alpha + H), alpha > 0
  static const std::vector<Field<LantonOptions>>& fields();
};

TransformPtr lanton(LantonOptions options = {});

// ||X||_* of the rows x cols row-major matrix x, in double: the sum of the square roots of
// the eigenvalues of the smaller Gram matrix. Uses a per-thread scratch (no allocation once
// a matrix of this size has been seen on the thread).
double nuclear_norm(std::span<const double> x, std::size_t rows, std::size_t cols);

}  // namespace descent
