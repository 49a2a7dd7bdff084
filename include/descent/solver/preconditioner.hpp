// A preconditioner for conjugate gradients: an SPD matrix M, approximating the system's A,
// that the solvers use only through z = M^{-1} r. PCG on A x = b is CG on the transformed
// system E^{-1} A E^{-T} y = E^{-1} b (M = E E^T, x = E^{-T} y), so its iteration count
// follows the condition number of M^{-1} A instead of that of A; M itself is never needed.
// Implementations: JacobiPreconditioner (diag(A)), IncompleteCholesky (IC(0) of a sparse
// matrix), or any user class (an exact inverse, a multigrid cycle).
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace descent {

template <class T>
class Preconditioner {
 public:
  virtual ~Preconditioner() = default;
  // n: the length of r and z.
  virtual std::size_t size() const = 0;
  // z = M^{-1} r; `z` must not alias `r`. M must be symmetric positive definite for the
  // solvers' guarantees (and for r^T M^{-1} r > 0, which they check).
  virtual void apply(std::span<const T> r, std::span<T> z) const = 0;
};

template <class T>
using PreconditionerPtr = std::unique_ptr<Preconditioner<T>>;

}  // namespace descent
