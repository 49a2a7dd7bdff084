// Minibatch gradient of a finite sum: direction = (1/|B|) sum_{i in B} grad f_i(x), with
// B drawn by a Sampler (shuffled epochs by default; see sampler.hpp). An empty batch
// (possible under Poisson sampling) gives direction 0 and value 0.
#pragma once

#include <vector>

#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"

namespace descent {

struct MinibatchOptions {
  std::size_t batch_size = 32;  // >= 1
  std::uint64_t seed = 0;       // sampling stream seed
};

template <class T>
class Minibatch final : public Estimator<T> {
 public:
  // Shuffled epochs of batch_size.
  explicit Minibatch(MinibatchOptions options);
  explicit Minibatch(SamplerPtr sampler);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  // Epochs so far (see Sampler::epochs).
  double epochs() const { return sampler_->epochs(); }
  const Sampler& sampler() const { return *sampler_; }

 private:
  SamplerPtr sampler_;
  const FiniteSum<T>* sum_ = nullptr;
  std::vector<std::size_t> batch_;
};

}  // namespace descent
