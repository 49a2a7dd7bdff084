// The extended (chained) Rosenbrock function, a curved narrow valley that defeats
// plain gradient descent and rewards curvature-aware methods (Rosenbrock 1960; the
// chained form as in More, Garbow & Hillstrom's test set and scipy.optimize.rosen):
//   f(x) = sum_{i < d-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2,   d >= 2,
// with the global minimum f* = 0 at x* = (1, ..., 1). Its gradient is not globally
// Lipschitz (the Hessian grows like 1200 x_i^2), so smoothness() is empty.
#pragma once

#include "descent/objective/objective.hpp"

namespace descent {

template <class T>
class Rosenbrock final : public Differentiable<T> {
 public:
  // Throws ConfigError "Rosenbrock::dimension = <d> violates dimension >= 2".
  explicit Rosenbrock(std::size_t dimension = 2);

  std::string name() const override { return "rosenbrock"; }
  std::size_t dimension() const override { return dimension_; }
  T value(std::span<const T> x) const override;
  T value_and_gradient(std::span<const T> x, std::span<T> gradient) const override;
  bool has_hessian_vector() const override { return true; }
  // The Hessian is tridiagonal: H_ii = 1200 x_i^2 - 400 x_{i+1} + 2 (+ 200 for i > 0),
  // H_{i,i+1} = H_{i+1,i} = -400 x_i; the product costs O(d).
  void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const override;
  std::optional<KnownMinimum<T>> known_minimum() const override;

 private:
  std::size_t dimension_;
};

}  // namespace descent
