// The Rastrigin function, a bowl covered with about 10^d local minima on the integer
// lattice: a test for methods that must escape local minima (noise, restarts,
// consensus-based optimization) rather than for local convergence rates:
//   f(x) = 10 d + sum_i (x_i^2 - 10 cos(2 pi x_i)),   global minimum f* = 0 at x* = 0.
// It is evaluated as sum_i x_i^2 + 20 sin^2(pi x_i) (the same function, since
// 1 - cos 2a = 2 sin^2 a): every term is >= 0, so values near the minimum keep full
// relative precision instead of being the difference of 10 d and a sum close to -10 d.
// Its gradient is Lipschitz with L = 2 + 40 pi^2 (the largest |f''(x_i)|).
#pragma once

#include "descent/objective/objective.hpp"

namespace descent {

template <class T>
class Rastrigin final : public Differentiable<T> {
 public:
  // Throws ConfigError "Rastrigin::dimension = 0 violates dimension >= 1".
  explicit Rastrigin(std::size_t dimension = 2);

  std::string name() const override { return "rastrigin"; }
  std::size_t dimension() const override { return dimension_; }
  T value(std::span<const T> x) const override;
  // g_i = 2 x_i + 20 pi sin(2 pi x_i).
  T value_and_gradient(std::span<const T> x, std::span<T> gradient) const override;
  bool has_hessian_vector() const override { return true; }
  // The Hessian is diagonal: H_ii = 2 + 40 pi^2 cos(2 pi x_i).
  void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const override;
  std::optional<T> smoothness() const override;
  std::optional<KnownMinimum<T>> known_minimum() const override;

 private:
  std::size_t dimension_;
};

}  // namespace descent
