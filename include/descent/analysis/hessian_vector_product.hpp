// Hessian-vector products at a fixed point x, for the spectrum tools: exact when the
// objective has them (has_hessian_vector), else a central difference of gradients,
//   H v ~ (g(x + h v) - g(x - h v)) / (2 h),
// two gradient calls per product, with h from finite_difference_step (hessian_spectrum.hpp)
// unless a step is given. Keeps its work vectors, so repeated products allocate nothing.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "descent/objective/objective.hpp"

namespace descent {

template <class T>
class HessianVectorProduct {
 public:
  // step = 0: the automatic step. f and x must outlive this object.
  HessianVectorProduct(const Differentiable<T>& f, std::span<const T> x, double step = 0);

  // out = H v; v and out have the objective's dimension and do not overlap.
  void apply(std::span<const T> v, std::span<T> out);

  bool exact() const noexcept { return exact_; }
  std::int64_t gradient_calls() const noexcept { return gradient_calls_; }

 private:
  const Differentiable<T>& f_;
  std::span<const T> x_;
  bool exact_;
  T h_ = 0;
  std::int64_t gradient_calls_ = 0;
  std::vector<T> point_, plus_, minus_;
};

}  // namespace descent
