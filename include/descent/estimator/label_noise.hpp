// Label-noise SGD (Damian, Ma & Lee, "Label Noise SGD Provably Prefers Flat Global
// Minimizers", NeurIPS 2021): the minibatch gradient at labels perturbed afresh at every step,
//   regression       y~_i = y_i + sigma z,  z ~ N(0, 1)
//   classification   y~_i = y_i with probability 1 - p, else a class drawn uniformly from the
//                    K - 1 others (binary labels: the other one, in the data's 0/1 or -1/+1)
//   direction        = grad f_B(x; y~) = (1/|B|) sum_{i in B} grad f_i(x; y~_i)
// with B from shuffled epochs of batch_size (as Minibatch). The noise is on the objective's
// side (FiniteSum::batch_value_and_gradient_with_labels): the data are never modified, and
// any model works; which of the two kinds applies comes from FiniteSum::label_space().
//
// Why it prefers flat minima: at a global minimum of an overparameterized regression every
// residual is 0, so plain SGD has zero gradient there and stays wherever it landed on the
// manifold of minima. With label noise each step still gets a kick -sigma z_i grad r_i(x)
// whose size grows with the curvature; the paper shows the iterates then follow, on a time
// scale of 1/(eta sigma^2), the gradient flow of the implicit regularizer tr(Hessian) along
// the manifold, ending at its flattest point (see tests/estimator/label_noise_test.cpp for an
// exact one-step identity on a two-parameter example).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct LabelNoiseOptions {
  static constexpr const char* kName = "LabelNoiseOptions";
  std::int64_t batch_size = 32;   // |B| >= 1, shuffled epochs
  double sigma = 0.1;             // regression: y + sigma N(0, 1), sigma >= 0; unused by classifiers
  double flip_probability = 0.1;  // classification: chance of another class, in [0, 1]; unused by regression
  static const std::vector<Field<LabelNoiseOptions>>& fields();
  // Throws ConfigError "LabelNoiseOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
class LabelNoise final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges. `seed` seeds the batch sampling
  // stream (Stream::sampling, the same batches as Minibatch with that seed) and the label
  // noise (Stream::noise).
  explicit LabelNoise(LabelNoiseOptions options = {}, std::uint64_t seed = 0);

  // "label_noise(batch_size=32, sigma=0.1, flip_probability=0.1)".
  std::string spec() const override;
  // Needs a FiniteSum with samples that accepts substitute labels (every Model does);
  // MismatchError otherwise, or when its labels do not fit its label space.
  void bind(const Differentiable<T>& objective) override;
  // One objective call on |B| samples with fresh noisy labels.
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  // The batch size (checked on load), the sampler's position and the noise stream's.
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  const LabelNoiseOptions& options() const noexcept { return options_; }
  // After bind(): 0 (regression: Gaussian noise) or the number of classes K (flips).
  std::size_t classes() const noexcept { return space_.classes; }
  double epochs() const { return sampler_->epochs(); }
  // The last step's batch and the labels it was evaluated with (for tests and diagnostics).
  std::span<const std::size_t> last_batch() const noexcept { return batch_; }
  std::span<const T> last_labels() const noexcept { return labels_; }

 private:
  // The noisy label of sample i (row `i` of the data); draws from noise_.
  T noisy_label(std::size_t i);

  LabelNoiseOptions options_;
  SamplerPtr sampler_;
  Random noise_;
  const FiniteSum<T>* sum_ = nullptr;
  LabelSpace<T> space_;
  std::vector<std::size_t> batch_;
  std::vector<T> labels_;
};

}  // namespace descent
