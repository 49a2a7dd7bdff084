// Importance sampling by per-sample gradient norm, the data-sampling half of PA&DA (Lu et
// al., "PA&DA: Jointly Sampling PAth and DAta for Consistent NAS", CVPR 2023): the
// variance of an importance-weighted minibatch gradient is smallest when p_i is
// proportional to ||grad f_i(x)||, so samples are drawn i.i.d. (with replacement) from
//   p_i = (1 - mix) q_i + mix / n,   q_i = g_i / sum_j g_j   (the normalized norms),
// where g_i is the last observed ||grad f_i||, and every drawn gradient is unbiased by
// its weight 1 / (n p_i):
//   direction = (1/|B|) sum_{k in B} grad f_{i_k}(x) / (n p_{i_k}),
// so E[direction] = sum_i p_i grad f_i(x) / (n p_i) = grad f(x) exactly, for any p with
// no zero entry; the uniform share `mix` > 0 guarantees that (p_i >= mix / n) even for a
// sample whose recorded norm is 0 but whose gradient has since grown.
//
// Norms: the first step computes all n (FiniteSum::per_sample_gradient_norms, one data
// pass, counted); after every step the norms of the samples just drawn are replaced by
// ||grad f_i(x)|| from the gradients the step computed anyway (no extra cost); with
// refresh_period = m > 0 all n norms are recomputed every m steps (one pass, counted).
// All draws of a step use the distribution from before the step's refresh.
#pragma once

#include <memory>
#include <vector>

#include "descent/estimator/estimator.hpp"
#include "descent/estimator/weighted_sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct ImportanceSamplingOptions {
  static constexpr const char* kName = "ImportanceSamplingOptions";
  std::int64_t batch_size = 1;      // |B| >= 1, drawn with replacement
  double mix = 0.1;                 // uniform share in (0, 1]: p_i >= mix / n
  std::int64_t refresh_period = 0;  // steps between recomputations of all n norms; 0: never
  static const std::vector<Field<ImportanceSamplingOptions>>& fields();
};

template <class T>
class ImportanceSampling final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges; `seed` seeds the draws.
  explicit ImportanceSampling(ImportanceSamplingOptions options = {}, std::uint64_t seed = 0);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  // The value is the importance-weighted batch mean (1/|B|) sum_k f_{i_k}(x) / (n p_{i_k}),
  // an unbiased estimate of f(x).
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  // The sampling distribution the next step will use (after bind() and a first step).
  const WeightedSampler& sampler() const noexcept { return sampler_; }
  // Steps taken so far.
  std::int64_t steps() const noexcept { return steps_; }

 private:
  void refresh_all(std::span<const T> x);

  ImportanceSamplingOptions options_;
  WeightedSampler sampler_;
  const FiniteSum<T>* sum_ = nullptr;
  std::vector<std::size_t> batch_, all_;
  std::vector<double> probabilities_;
  std::vector<T> row_, norms_;
  std::int64_t steps_ = 0;
  bool initialized_ = false;
};

}  // namespace descent
