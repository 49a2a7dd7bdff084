// Extreme eigenvalues of the Hessian at x by the Lanczos iteration with full
// reorthogonalization (Lanczos 1950; Golub & Van Loan, Matrix Computations, 4th ed.,
// Sections 10.1-10.3): m Hessian-vector products build an orthonormal basis Q of the Krylov
// space span{q_1, H q_1, ..., H^(m-1) q_1} and the tridiagonal T = Q^T H Q; the eigenvalues of
// T (Ritz values) approximate H's, the extreme ones first and fast (Kaniel-Paige). Each Ritz
// value theta_i comes with the residual |beta_m s_mi| (s_i its eigenvector of T): some
// eigenvalue of H lies within that distance of theta_i. With m = dimension (or an
// invariant Krylov space, detected when beta_j falls to rounding level) the Ritz values are
// H's eigenvalues.
//
// Full reorthogonalization keeps Q orthonormal in floating point (without it, converged
// Ritz values reappear as spurious copies); it costs O(m^2 d) and m vectors of memory,
// which is what a few dozen extreme eigenvalues of a model's Hessian need.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct LanczosOptions {
  static constexpr const char* kName = "LanczosOptions";
  std::int64_t steps = 30;  // Krylov dimension m >= 1 (at most the objective's dimension is used)
  double step = 0;          // finite-difference h along a unit vector; 0: automatic
  std::uint64_t seed = 0;   // the Gaussian start vector (not in fields(): no range to check)
  static const std::vector<Field<LanczosOptions>>& fields();
  void validate() const;
};

struct LanczosResult {
  std::vector<double> ritz_values;  // ascending
  std::vector<double> residuals;    // |beta_m s_mi| for each Ritz value, in the same order
  std::int64_t products = 0;        // Hessian-vector products computed
  std::int64_t gradient_calls = 0;  // 2 per product on the finite-difference path
  bool exact = false;               // the objective's own Hessian-vector products were used
  bool invariant = false;           // the Krylov space became invariant: the Ritz values are eigenvalues
  double largest() const { return ritz_values.back(); }
  double smallest() const { return ritz_values.front(); }
};

// Throws ConfigError for bad options, MismatchError when x does not fit the objective.
template <class T>
LanczosResult lanczos_hessian(const Differentiable<T>& f, std::span<const T> x, const LanczosOptions& options = {});

}  // namespace descent
