// The generalized Cauchy point of L-BFGS-B (Byrd, Lu, Nocedal & Zhu, "A limited memory
// algorithm for bound constrained optimization", SIAM J. Sci. Comput. 16(5), 1995, Section 4):
// the first local minimizer of the quadratic model
//   m(z) = g.(z - x) + 1/2 (z - x)^T B (z - x)
// along the projected steepest-descent path z(t) = P(x - t g), P the projection onto the box
// [lower, upper]. The path is piecewise linear, bending where a variable reaches its bound
// (breakpoint t_i = (x_i - u_i)/g_i for g_i < 0, (x_i - l_i)/g_i for g_i > 0, infinity
// otherwise). Segment by segment, in order of the breakpoints, the model's first and second
// derivatives along the segment are updated in O(k) from the last ones (the paper's
// Algorithm CP, with B in compact form): a variable that reaches its bound is fixed there,
// and the search stops in the first segment whose quadratic has its minimizer inside it.
// The variables not fixed at the Cauchy point are the free ones the subspace step moves.
#pragma once

#include <span>
#include <vector>

#include "descent/solver/compact_bfgs.hpp"

namespace descent {

struct CauchyPoint {
  std::vector<double> point;  // z(t*)
  std::vector<bool> free;     // true for variables not fixed at a bound at z(t*)
  std::vector<double> c;      // W^T (z(t*) - x) (2k numbers), which the subspace step reuses
  double t = 0;               // t*
  int segments = 0;           // breakpoints passed
};

// x must lie in the box (lower[i] <= x[i] <= upper[i]; +-infinity for no bound).
CauchyPoint generalized_cauchy_point(std::span<const double> x, std::span<const double> g,
                                     std::span<const double> lower, std::span<const double> upper,
                                     const CompactBfgs& B);

}  // namespace descent
