// The exact gradient: direction = grad f(x). Deterministic, no state.
#pragma once

#include "descent/estimator/estimator.hpp"

namespace descent {

template <class T>
class FullGradient final : public Estimator<T> {
 public:
  std::string spec() const override { return "full_gradient"; }
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter&) const override {}
  void load(BinaryReader&) override {}

 private:
  std::int64_t samples_per_call_ = 0;  // n for a finite sum (one full pass), 0 otherwise
};

}  // namespace descent
