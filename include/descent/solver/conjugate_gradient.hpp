// Conjugate gradients for A x = b with A symmetric positive definite (Hestenes & Stiefel,
// J. Res. NBS 1952), preconditioned when a Preconditioner M is given (PCG; Golub & Van Loan,
// Matrix Computations, 4th ed., Algorithm 11.5.1). From x_0, with r_0 = b - A x_0,
// z_0 = M^{-1} r_0, p_0 = z_0:
//   alpha_k = r_k^T z_k / p_k^T A p_k
//   x_{k+1} = x_k + alpha_k p_k,      r_{k+1} = r_k - alpha_k A p_k
//   z_{k+1} = M^{-1} r_{k+1},         beta_k = r_{k+1}^T z_{k+1} / r_k^T z_k
//   p_{k+1} = z_{k+1} + beta_k p_k
// (M = I: plain CG, z = r.) In exact arithmetic x_k minimizes the A-norm error over
// x_0 + span{z_0, (M^{-1}A) z_0, ..., (M^{-1}A)^{k-1} z_0}; hence at most as many iterations
// as M^{-1}A has distinct eigenvalues, and
//   ||x_k - x*||_A <= 2 ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^k ||x_0 - x*||_A,
// kappa the condition number of M^{-1}A. One product with A and one with M^{-1} per iteration.
//
// Stops when ||r_k||_2 <= tolerance * ||b||_2 (r_k: the recursively updated residual, which
// drifts from b - A x_k by rounding only), at max_iterations, at p^T A p <= 0 or
// r^T M^{-1} r <= 0 (A or M is not positive definite: x is the last iterate, the direction
// is not taken), or at a
// non-finite value (x: the last finite iterate). Dot products are accumulated in double.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/objective/linear_operator.hpp"
#include "descent/solver/preconditioner.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct ConjugateGradientOptions {
  static constexpr const char* kName = "ConjugateGradientOptions";
  double tolerance = 1e-10;            // ||r|| <= tolerance ||b||; >= 0
  std::int64_t max_iterations = 1000;  // >= 0
  static const std::vector<Field<ConjugateGradientOptions>>& fields();
  void validate() const;  // ConfigError naming the field
};

// Why a Krylov solve ended (CG, PCG, conjugate_directions).
enum class CgTermination {
  converged,               // ||r|| <= tolerance ||b||
  max_iterations,          // the iteration budget ran out
  non_positive_curvature,  // d^T A d <= 0 for a search direction d (A is not SPD, or d = 0),
                           // or r^T M^{-1} r <= 0 for r != 0 (M is not SPD)
  non_finite,              // NaN or Inf in a scalar of the iteration; x is the last finite iterate
};

std::string to_string(CgTermination termination);

struct ConjugateGradientResult {
  CgTermination termination = CgTermination::max_iterations;
  std::int64_t iterations = 0;         // updates of x
  std::int64_t operator_products = 0;  // products with A, the initial residual's included
  // ||r_k||_2 for k = 0, ..., iterations (the recursively updated residual).
  std::vector<double> residual_norms;
};

// Solves A x = b from the initial guess in `x`, leaving the last iterate there. Throws
// MismatchError when the lengths of b, x, A and the preconditioner differ, ConfigError for
// bad options.
template <class T>
ConjugateGradientResult conjugate_gradient(const LinearOperator<T>& A, std::span<const T> b, std::span<T> x,
                                           const ConjugateGradientOptions& options = {},
                                           const Preconditioner<T>* preconditioner = nullptr);

}  // namespace descent
