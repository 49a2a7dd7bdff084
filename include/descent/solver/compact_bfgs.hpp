// The compact representation of the limited-memory BFGS matrix (Byrd, Nocedal & Schnabel,
// "Representations of quasi-Newton matrices and their use in limited memory methods", Math.
// Prog. 63, 1994, Theorem 2.3), which L-BFGS-B needs because it works with B (the Hessian
// approximation) on subsets of the variables rather than with H = B^-1 on all of them:
//   B = theta I - W M W^T,   W = [Y  theta S]  (n x 2k),
//   M = [[-D, L^T], [L, theta S^T S]]^-1      (2k x 2k),
// with S, Y the k <= m latest pairs (oldest first), S^T Y = L + D + U (L strictly lower,
// D diagonal) and theta = y.y / s.y of the newest pair. M is formed through the Schur
// complement of -D, which is the SPD matrix theta S^T S + L D^-1 L^T (Cholesky), so no
// indefinite matrix is ever factored:
//   M22 = (theta S^T S + L D^-1 L^T)^-1,  M21 = M22 L D^-1,  M11 = -D^-1 + D^-1 L^T M21.
// Everything is in double; adding a pair costs O(n m) (its inner products with the others).
// Matrices are stored column-major in std::vectors: owning Eigen types must not cross the
// library's boundary, since the library is compiled for AVX2 and its users may not be, and
// Eigen's aligned allocation then differs between the two sides.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace descent {

class CompactBfgs {
 public:
  // Throws ConfigError unless memory >= 1.
  CompactBfgs(std::size_t dimension, std::size_t memory);

  std::size_t dimension() const { return n_; }
  std::size_t size() const { return count_; }  // k pairs held
  bool empty() const { return count_ == 0; }
  double theta() const { return theta_; }  // 1 when empty
  void clear();

  // Adds (s, y), dropping the oldest pair when m are held. Throws ConfigError unless s.y > 0,
  // MismatchError for wrong sizes.
  void push(std::span<const double> s, std::span<const double> y);

  // W^T v (2k numbers: Y^T v, then theta S^T v).
  std::vector<double> transpose_times(std::span<const double> v) const;
  // Row i of W: (y_1[i], ..., y_k[i], theta s_1[i], ..., theta s_k[i]), into `out` (resized).
  void row(std::size_t i, std::vector<double>& out) const;
  // M (2k x 2k, column-major; symmetric).
  std::span<const double> middle() const { return M_; }
  // B v = theta v - W M W^T v (for tests and diagnostics).
  std::vector<double> times(std::span<const double> v) const;

 private:
  std::size_t storage(std::size_t logical) const { return order_[logical]; }
  const double* s_column(std::size_t logical) const { return S_.data() + storage(logical) * n_; }
  const double* y_column(std::size_t logical) const { return Y_.data() + storage(logical) * n_; }
  void form_middle();

  std::size_t n_, m_, count_ = 0;
  std::vector<double> S_, Y_;       // n x m; the columns of pair j (0 = oldest) at order_[j]
  std::vector<std::size_t> order_;  // logical position -> storage column
  std::vector<double> SS_, SY_;     // S^T S and S^T Y, k x k, in logical order
  std::vector<double> M_;           // 2k x 2k
  double theta_ = 1;
};

}  // namespace descent
