// M-FAC (Frantar, Kurtic & Alistarh, "M-FAC: Efficient Matrix-Free Approximations of
// Second-Order Information", NeurIPS 2021) as a transform: the direction g becomes
//   F^{-1} g,     F = damping I + (1/m) sum_{i in window} g_i g_i^T,
// the inverse of the damped empirical Fisher of a window of at most m directions, without
// forming a d x d matrix: memory m d (the window) plus m (m + 1) / 2 coefficients, time
// O(m d + m^2) per step (two passes over the window; mfac_coefficients.hpp has the m x m
// algebra). Before m directions have entered, the missing ones count as zero: the 1/m stays,
// as in the paper's optimizer.
//
//   dynamic = true (the paper's dynamic algorithm): the incoming direction enters the window
//     first, replacing the oldest once the window is full; the preconditioner always uses the
//     last m directions, the current one included.
//   dynamic = false (the static algorithm): the directions of steps 1 .. m enter (as above),
//     then the window is kept fixed and later directions are only multiplied by its inverse.
//     With refresh = k > 0 it is renewed every k steps: the directions of steps
//     j k + 1 .. j k + m enter, replacing the oldest, the others do not (k >= m; k = m is
//     the dynamic algorithm).
//
// A direction with a non-finite entry still gets F^{-1} g (not finite either) but enters the
// window as zeros, so the window is clean again once it would have slid out.
//
// Typical use, as in the paper's experiments (momentum on the preconditioned direction):
//   chain(mfac(m=16, damping=1e-4), sgd(lr=1e-3, momentum=0.9)).
// The update has the scale 1 / damping on directions outside the window's span, so the
// learning rate goes with the damping.
//
// A global transform (it reads the whole direction before writing any of it). State: slots
// gradient_0 .. gradient_{m-1} (the window, in the parameters' precision), scalars next (the
// slot the next entering direction takes), filled (directions in the window) and D(i,j)
// (the paper's coefficient matrix, packed upper triangle, oldest first), all saved with the
// state. Scalar products and the combination x - sum_i w_i g_i are accumulated in double.
#pragma once

#include <cstdint>

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct MfacOptions {
  static constexpr const char* kName = "MfacOptions";
  std::int64_t m = 16;       // window size, 1 <= m <= 1024
  double damping = 1e-4;     // lambda > 0 added to the Fisher's diagonal
  bool dynamic = true;       // sliding window (true) or a fixed window collected in steps 1..m (false)
  std::int64_t refresh = 0;  // static only: renew the window every refresh steps (0: never; else >= m)
  static const std::vector<Field<MfacOptions>>& fields();
};

TransformPtr mfac(MfacOptions options = {});

}  // namespace descent
