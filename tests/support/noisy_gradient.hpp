// Test helpers for stochastic runs: an estimator that adds independent N(0, sigma^2) noise
// to the exact gradient (on a quadratic, constant-step SGD with it is the textbook AR(1)
// chain, whose stationary spread and autocorrelation are known in closed form), and a
// callback that keeps the latest iterate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/loop/callback.hpp"

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

// Keeps only the latest iterate (long noisy runs are too long to copy them all).
template <class T>
class LastIterate final : public Callback<T> {
 public:
  std::optional<Stop> after_update(const StepReport<T>&, const LoopView<T>& loop) override {
    value.assign(loop.params.flat().begin(), loop.params.flat().end());
    return std::nullopt;
  }
  std::vector<T> value;
};

}  // namespace descent::testing
