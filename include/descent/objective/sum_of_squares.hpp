// Objectives that are sums of squared residuals, the form of nearly every problem in the
// More, Garbow & Hillstrom test set (ACM TOMS 7(1), 1981):
//   f(x) = sum_{i < m} r_i(x)^2,   r: R^n -> R^m,   J = dr/dx (m x n),
//   grad f(x) = 2 J^T r,
//   Hess f(x) v = 2 (J^T (J v) + sum_i r_i (Hess r_i) v).
// The Hessian-vector product is exact: the second term, which Gauss-Newton drops, is kept;
// gauss_newton_at gives the first alone.
// A problem supplies its residuals and three products with their derivatives; the base
// class turns them into the value, gradient and Hessian-vector product, and checks every
// span's length.
//
// Two ways to write a problem:
//   SumOfSquares<T>            the products J v, J^T w and sum_i w_i (Hess r_i) v directly,
//                              for problems of any dimension (banded or rank-one
//                              structure: O(n) per product);
//   ResidualwiseSumOfSquares<T> one residual at a time, with its gradient row and dense
//                              Hessian, for the small fixed-size problems (n <= 6), where
//                              O(m n^2) per product is nothing.
// Values are accumulated in double in a fixed order (as the other objectives do), so a
// float problem loses nothing to the summation of its squares.
#pragma once

#include <cstddef>
#include <span>

#include "descent/objective/objective.hpp"

namespace descent {

template <class T>
class SumOfSquares : public Differentiable<T> {
 public:
  // m, the number of residuals.
  virtual std::size_t residual_count() const = 0;
  // r = r(x); r has m elements. Length checks are the caller's (the public functions below).
  virtual void residuals(std::span<const T> x, std::span<T> r) const = 0;
  // out = J(x) v (m elements).
  virtual void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const = 0;
  // out = J(x)^T w (n elements).
  virtual void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const = 0;
  // out = sum_i w_i (Hess r_i(x)) v (n elements): the residuals' curvature, weighted.
  virtual void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                        std::span<T> out) const = 0;

  // The same with every length checked (MismatchError naming the argument), for callers
  // outside the class: Gauss-Newton and Levenberg-Marquardt methods, tests.
  void checked_residuals(std::span<const T> x, std::span<T> r) const;
  void checked_jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const;
  void checked_jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const;

  // sum_i r_i^2.
  T value(std::span<const T> x) const override;
  // 2 J^T r.
  T value_and_gradient(std::span<const T> x, std::span<T> gradient) const override;
  bool has_hessian_vector() const override { return true; }
  // 2 (J^T J v + sum_i r_i (Hess r_i) v).
  void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const override;
  // The Gauss-Newton matrix 2 J(x)^T J(x): the Hessian without the residuals' curvature, equal
  // to it where the residuals vanish (a zero-residual solution). Positive semidefinite; each
  // product is one J v and one J^T w at the x it was made at (kept as a copy).
  bool has_gauss_newton() const override { return true; }
  LinearOperatorPtr<T> gauss_newton_at(std::span<const T> x) const override;
};

template <class T>
class ResidualwiseSumOfSquares : public SumOfSquares<T> {
 public:
  // Returns r_i(x). When `gradient` is not empty (n elements) writes grad r_i(x) there; when
  // `hessian` is not empty (n x n, row-major) writes Hess r_i(x) there (every entry).
  virtual T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const = 0;

  void residuals(std::span<const T> x, std::span<T> r) const override;
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override;
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override;
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override;
};

}  // namespace descent
