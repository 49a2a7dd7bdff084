// The Newton-Schulz iteration that Muon (and other orthogonalizing methods) uses to replace a
// matrix G = U S V^T by approximately its polar factor U V^T, with matrix products only:
//   X_0 = G / max(||G||_F, eps)                  (singular values in (0, 1])
//   X_{k+1} = a X_k + (b A_k + c A_k^2) X_k,     A_k = X_k X_k^T
// Every step maps each singular value s of X_k to p(s) = a s + b s^3 + c s^5 and keeps the
// singular vectors, so NS_k(G) = U p^k(S / max(||G||_F, eps)) V^T exactly in exact arithmetic.
//   (1.5, -0.5, 0), the cubic Newton-Schulz iteration (Higham, Functions of Matrices, 8.3):
//     p^k(s) -> 1 for every s in (0, 1], quadratically once s is near 1;
//   (3.4445, -4.7750, 2.0315), Keller Jordan's quintic for Muon: a steep p'(0) = a lifts small
//     singular values fast, and 5 steps put every s that is not tiny within about
//     [0.68, 1.2] (not at 1: Muon only needs the update's singular values near one).
// A wide matrix (rows <= cols) is iterated as it is, a tall one as its transpose, so that A_k
// is the smaller Gram matrix (min(rows, cols) squared), as torch.optim.Muon does.
//
// Products go through Eigen's sequential GEMM kernel cut into panels fixed by the shape
// (src/model/panel_gemm.hpp), so the result does not depend on the OpenMP thread count. The
// scratch matrices are the NewtonSchulz object's, and grow to the largest size seen: once
// warm, runs allocate nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace descent {

struct NewtonSchulzCoefficients {
  double a = 3.4445;
  double b = -4.7750;
  double c = 2.0315;
};

// Keller Jordan's quintic (Muon's default, also torch.optim.Muon's).
inline constexpr NewtonSchulzCoefficients kMuonQuintic{3.4445, -4.7750, 2.0315};
// The classical cubic iteration X <- X (3 I - X^T X) / 2: converges to the polar factor.
inline constexpr NewtonSchulzCoefficients kNewtonSchulzCubic{1.5, -0.5, 0.0};

template <class T>
class NewtonSchulz {
 public:
  NewtonSchulz();
  ~NewtonSchulz();
  NewtonSchulz(const NewtonSchulz&) = delete;
  NewtonSchulz& operator=(const NewtonSchulz&) = delete;

  // Replaces the rows x cols row-major matrix in `matrix` by NS_steps(matrix), in precision T
  // (the Frobenius norm is summed in double). Throws MismatchError if matrix.size() is not
  // rows * cols; an empty matrix is left as it is.
  void run(std::span<T> matrix, std::size_t rows, std::size_t cols, int steps,
           NewtonSchulzCoefficients coefficients = kMuonQuintic, double eps = 1e-7);

 private:
  struct Workspace;
  std::unique_ptr<Workspace> work_;
};

// NewtonSchulz::run with a workspace of the calling thread (kept for the thread's lifetime).
template <class T>
void newton_schulz(std::span<T> matrix, std::size_t rows, std::size_t cols, int steps,
                   NewtonSchulzCoefficients coefficients = kMuonQuintic, double eps = 1e-7);

}  // namespace descent
