// Steihaug-Toint truncated conjugate gradients for the trust-region subproblem
//   min_s q(s) = g^T s + 1/2 s^T H s   subject to ||s||_M <= radius
// (Steihaug, SIAM J. Numer. Anal. 1983; Toint 1981; Nocedal & Wright, Numerical
// Optimization, 2nd ed., Algorithm 7.2; the preconditioned form as in Conn, Gould & Toint,
// Trust-Region Methods, 2000, Algorithm 7.5.1). PCG on H s = -g from s = 0, which stops
//   - at the boundary: a step would leave the region; s goes along the current direction p
//     to ||s + tau p||_M = radius (boundary);
//   - at negative curvature p^T H p <= 0: q decreases without bound along the line s + tau p,
//     so s goes along it to the boundary, to whichever of the two crossings (tau > 0 or
//     tau < 0) has the lower q, as Nocedal & Wright's Algorithm 7.2 (Steihaug's original
//     takes tau > 0; they differ only when s already has a large component along p)
//     (negative_curvature; with an infinite radius s stays where it is);
//   - at the residual tolerance ||r||_{M^{-1}} <= tolerance ||g||_{M^{-1}}, r = -g - H s
//     (converged, s inside the region), or at max_iterations.
// Each stop lowers q monotonically from q(0) = 0, and ||s||_M grows along the iterates, so
// the first crossing of the boundary is the right one to stop at.
//
// The norm: with a preconditioner M (applied as M^{-1}, like PCG), the radius bounds
// ||s||_M = sqrt(s^T M s). This is the subproblem in the variables s^ = E^T s (M = E E^T),
// where PCG is plain CG, and is what LIBLINEAR's preconditioned TRON does (Hsia, Chiang &
// Lin, ACML 2018). Without one, M = I and the norm is Euclidean. M itself is never
// applied: s^T M s, s^T M p and p^T M p follow from CG's recurrences (Conn, Gould & Toint,
// Section 7.5.1): with z = M^{-1} r, and s_0 = 0, p_0 = z_0,
//   s^T M p <- beta (s^T M p + alpha p^T M p),   p^T M p <- r^T z + beta^2 p^T M p,
//   s^T M s <- s^T M s + 2 alpha s^T M p + alpha^2 p^T M p,
// exact in exact arithmetic (they rest on r_{k+1} being orthogonal to s_{k+1} and p_k).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/objective/linear_operator.hpp"
#include "descent/solver/preconditioner.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct SteihaugOptions {
  static constexpr const char* kName = "SteihaugOptions";
  double tolerance = 0.1;           // ||r||_{M^-1} <= tolerance ||g||_{M^-1}; >= 0
  std::int64_t max_iterations = 0;  // >= 0; 0: max(n, 5), as LIBLINEAR
  static const std::vector<Field<SteihaugOptions>>& fields();
  void validate() const;
};

enum class SteihaugTermination { converged, boundary, negative_curvature, max_iterations, non_finite };

std::string to_string(SteihaugTermination termination);

struct SteihaugResult {
  SteihaugTermination termination = SteihaugTermination::max_iterations;
  std::int64_t iterations = 0;  // CG iterations (each one product with H)
  std::int64_t products = 0;    // products with H
  double step_norm = 0;         // ||s||_M
  double model_value = 0;       // q(s) = g^T s + 1/2 s^T H s = (g^T s - s^T r) / 2, r = -g - H s
  bool on_boundary() const {
    return termination == SteihaugTermination::boundary || termination == SteihaugTermination::negative_curvature;
  }
};

// Writes the step into `step`. radius > 0 (ConfigError otherwise; +inf: no trust region);
// MismatchError when the lengths of g, step, H and the preconditioner differ. On
// non_finite, `step` holds the last finite iterate.
template <class T>
SteihaugResult steihaug_toint(const LinearOperator<T>& H, std::span<const T> g, double radius, std::span<T> step,
                              const SteihaugOptions& options = {}, const Preconditioner<T>* preconditioner = nullptr);

}  // namespace descent
