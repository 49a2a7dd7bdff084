// The sampling distribution of Zhao, Lyu & Kolar ("L-SVRG and L-Katyusha with Adaptive
// Sampling", TMLR 2023), learned online while the iterates move, with no smoothness
// constants given. Shared by L-SVRG with adaptive sampling (adaptive_loopless_svrg.hpp,
// where the derivation and the deviations from the paper are written out) and by
// L-Katyusha (solver/loopless_katyusha.hpp):
//   p = (1 - alpha) q + alpha / n,
// and after each step, for every drawn index i with p_i and its observed
//   a_i = |grad f_i(x) - grad f_i(w)|^2,
// an exponentiated-gradient step on q against the bandit estimate of the gradient of
//   l_t(p) = (1/n^2) sum_i a_i / p_i,
// with the step made free of the problem's scale (observations divided by |x - w|^2 and by
// the running mean of the loss estimates; one exponent capped at 1). Draws and updates are
// O(log n) (WeightedSampler).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "descent/core/binary_io.hpp"
#include "descent/estimator/weighted_sampler.hpp"

namespace descent {

class AdaptiveSamplingDistribution {
 public:
  // alpha in (0, 1]: the uniform share; learning_rate > 0 (validated by the owner's options).
  AdaptiveSamplingDistribution(double alpha, double learning_rate, std::uint64_t seed);

  // Starts from the uniform distribution over n samples.
  void bind(std::size_t n);
  // Replaces `batch` by `count` i.i.d. draws and `probabilities` by their p_i.
  void draw(std::size_t count, std::vector<std::size_t>& batch, std::vector<double>& probabilities);
  // Learns from the last draw: observed[k] = |grad f_{batch[k]}(x) - grad f_{batch[k]}(w)|^2,
  // distance2 = |x - w|^2 (nothing is learned when it is 0).
  void observe(std::span<const std::size_t> batch, std::span<const double> probabilities,
               std::span<const double> observed, double distance2);

  const WeightedSampler& sampler() const noexcept { return sampler_; }
  void save(BinaryWriter& out) const;
  void load(BinaryReader& in);  // checks everything before assigning

 private:
  WeightedSampler sampler_;
  double alpha_;
  double learning_rate_;
  double loss_sum_ = 0;          // sum of the normalized loss estimates so far
  std::int64_t loss_count_ = 0;  // and how many
};

}  // namespace descent
