// A symmetric linear map v -> A v on R^n, known only through its products: the Hessian of
// an objective at a fixed point (Newton-CG, trust regions, Lanczos), or the matrix of an SPD
// system that conjugate gradients solve. Methods that multiply by the same A many times take
// one of these rather than a callback so that the implementation can cache what does not
// change between products (a model's per-sample curvatures at x: each product is then one
// pass over the data instead of two).
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace descent {

template <class T>
class LinearOperator {
 public:
  virtual ~LinearOperator() = default;
  // n: the length of v and of A v.
  virtual std::size_t size() const = 0;
  // out = A v; `out` must not alias `v`.
  virtual void apply(std::span<const T> v, std::span<T> out) const = 0;
  // diag(A), for Jacobi preconditioning, where the operator knows it without n products.
  virtual bool has_diagonal() const { return false; }
  // Throws MismatchError unless has_diagonal().
  virtual void diagonal(std::span<T> out) const;
};

template <class T>
using LinearOperatorPtr = std::unique_ptr<LinearOperator<T>>;

}  // namespace descent
