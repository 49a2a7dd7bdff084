// A test estimator: the exact gradient plus independent N(0, sigma^2) noise on every
// coordinate. On a quadratic, constant-step SGD with it is the textbook AR(1) chain, whose
// stationary spread and autocorrelation are known in closed form.
#pragma once

#include <cstdint>
#include <string>

#include "descent/core/random.hpp"
#include "descent/estimator/estimator.hpp"

namespace descent::testing {

template <class T>
class GaussianNoiseGradient final : public Estimator<T> {
 public:
  GaussianNoiseGradient(double sigma, std::uint64_t seed) : sigma_(sigma), rng_(seed, Stream::noise) {}
  std::string spec() const override { return "gaussian_noise_gradient"; }
  void bind(const Differentiable<T>&) override {}
  Estimate<T> estimate(const Differentiable<T>& f, std::span<const T> x, std::span<T> direction) override {
    const T value = f.value_and_gradient(x, direction);
    for (T& g : direction) g += static_cast<T>(sigma_ * rng_.normal());
    return {value, 1, 0};
  }
  void save(BinaryWriter& out) const override { out.u64(rng_.position()); }
  void load(BinaryReader& in) override { rng_.seek(in.u64("noise position")); }

 private:
  double sigma_;
  Random rng_;
};

}  // namespace descent::testing
