// The step of a regularized Newton method: d solving
//   (B + lambda I) d = -g,    lambda > 0,
// for a symmetric curvature matrix B known through its products. Where B is positive
// semidefinite the system is positive definite for every lambda > 0; where B is indefinite (an
// exact Hessian away from convexity) it is only for lambda above -lambda_min(B), and the
// solvers say so rather than return a step.
//
// Two solvers:
//   regularized_step_cg      conjugate gradients (conjugate_gradient.hpp) from d = 0, until
//                                ||(B + lambda I) d + g|| <= theta lambda ||d||.
//                            The residual r = (B + lambda I) d + g makes d the exact step for
//                            the gradient g - r; measured against lambda ||d||, the size of the
//                            regularization's own term, it enters the analysis of a
//                            gradient-regularized step only as factors (1 + theta) and (1 - theta)
//                            (gradient_regularized_newton.hpp), and since lambda = ||g|| / gamma
//                            it is O(||g||^2) near a solution: the forcing term under which an
//                            inexact Newton method keeps its quadratic rate (Dembo, Eisenstat &
//                            Steihaug, SIAM J. Numer. Anal. 1982). conjugate_gradient stops on
//                            ||r|| <= tol ||g||, and ||d|| is known only afterwards, so the solve
//                            runs CG at tol = theta, then, while the test fails, continues from the
//                            current d at tol = theta lambda ||d|| / (2 ||g||) (each restart
//                            costs one product for the true residual). Optionally Jacobi-
//                            preconditioned with diag(B) + lambda (the residual test stays in
//                            the 2-norm).
//   DenseRegularizedSystem   B formed once from n products (B e_j, then (B + B^T) / 2), and for
//                            each lambda a Cholesky factorization of B + lambda I in double:
//                            exact to rounding, O(n^3) per lambda, for small n.
// Both are used by gradient_regularized_newton, which solves one system per trial lambda.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/objective/linear_operator.hpp"

namespace descent {

enum class RegularizedStepStatus {
  solved,                 // the test above holds (CG), or the factorization succeeded
  inexact,                // CG's iteration budget ran out first: d is its last iterate
  not_positive_definite,  // B + lambda I is not positive definite (no step)
  non_finite,             // NaN or Inf in the solve (no step)
};

std::string to_string(RegularizedStepStatus status);

struct RegularizedStepResult {
  RegularizedStepStatus status = RegularizedStepStatus::solved;
  std::int64_t iterations = 0;  // CG iterations, all rounds
  std::int64_t products = 0;    // products with B
  double residual_norm = 0;     // ||(B + lambda I) d + g|| (CG's recursively updated residual; 0 for Cholesky)
  double step_norm = 0;         // ||d||
};

// d = -(B + lambda I)^{-1} g by CG as above; `diagonal`: diag(B) for Jacobi preconditioning,
// or empty for none. theta in (0, 1), lambda > 0 and max_iterations >= 1, else ConfigError;
// MismatchError when lengths differ from B's size.
template <class T>
RegularizedStepResult regularized_step_cg(const LinearOperator<T>& B, std::span<const T> g, double lambda,
                                          std::span<T> d, double theta, std::int64_t max_iterations,
                                          std::span<const T> diagonal = {});

template <class T>
class DenseRegularizedSystem {
 public:
  // B as a dense matrix, from B.size() products.
  explicit DenseRegularizedSystem(const LinearOperator<T>& B);
  std::size_t size() const { return n_; }
  std::int64_t products() const { return static_cast<std::int64_t>(n_); }
  // d = -(B + lambda I)^{-1} g (lambda > 0, else ConfigError): solved, not_positive_definite
  // (the factorization met a pivot <= 0) or non_finite. MismatchError for wrong lengths.
  RegularizedStepResult solve(double lambda, std::span<const T> g, std::span<T> d) const;

 private:
  std::size_t n_ = 0;
  std::vector<double> matrix_;  // column-major n x n, symmetric
};

}  // namespace descent
