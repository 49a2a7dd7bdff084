// The empirical Fisher matrix of a finite sum f(x) = (1/n) sum_i f_i(x) at a point x,
//   F(x) = (1/n) sum_i g_i g_i^T = (1/n) G^T G,    g_i = grad f_i(x),  G = [g_1 ... g_n]^T (n x d),
// as an operator: F v = (1/n) G^T (G v), never formed. Building it takes the n per-sample
// gradients once (FiniteSum::per_sample_gradients: one pass over the data) and keeps G, n d
// numbers; each product then costs 2 n d multiply-adds and no pass over the data. The
// diagonal, (1/n) sum_i g_ij^2, is known (Jacobi preconditioning).
//
// Empirical versus true Fisher. For a model p(y | a, x) trained by its negative
// log-likelihood, the true Fisher is E_{y ~ p(. | a_i, x)}[grad log p grad log p^T] averaged over
// the inputs: labels drawn from the model, not the data's. The empirical Fisher puts the
// observed labels in their place. The true Fisher of a generalized-linear model with its
// canonical link (logistic and softmax regression; least squares with unit noise variance)
// equals its Gauss-Newton matrix and the Hessian of its loss, so there the exact Hessian
// operator is the true Fisher (plus the regularizer's curvature); the empirical one is not, and equals it only in
// expectation over labels drawn from the model (Kunstner, Balles & Hennig, "Limitations of the empirical Fisher
// approximation for natural gradient descent", NeurIPS 2019). F is positive semidefinite, of
// rank at most n, and scales like g^2 rather than like the curvature: near a minimizer where
// every g_i is small it is small too.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "descent/objective/linear_operator.hpp"
#include "descent/objective/objective.hpp"

namespace descent {

template <class T>
class EmpiricalFisher final : public LinearOperator<T> {
 public:
  // The matrix at x (MismatchError when x's length is not f's dimension; f needs n >= 1).
  EmpiricalFisher(const FiniteSum<T>& f, std::span<const T> x);

  std::size_t size() const override { return dimension_; }
  // out = (1/n) G^T (G v), accumulated in double in sample order.
  void apply(std::span<const T> v, std::span<T> out) const override;
  bool has_diagonal() const override { return true; }
  void diagonal(std::span<T> out) const override;

  std::size_t samples() const { return samples_; }

 private:
  std::size_t samples_ = 0, dimension_ = 0;
  std::vector<T> gradients_;  // G, row-major
};

}  // namespace descent
