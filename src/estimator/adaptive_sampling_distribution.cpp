#include "descent/estimator/adaptive_sampling_distribution.hpp"

#include <algorithm>
#include <cmath>

namespace descent {

namespace {
// Weights only grow (every observed loss gradient is <= 0); they are rescaled by their
// total when it passes this bound, which leaves p unchanged and keeps them finite.
constexpr double kRescaleAbove = 1e100;
}  // namespace

AdaptiveSamplingDistribution::AdaptiveSamplingDistribution(double alpha, double learning_rate, std::uint64_t seed)
    : sampler_(alpha, seed), alpha_(alpha), learning_rate_(learning_rate) {}

void AdaptiveSamplingDistribution::bind(std::size_t n) {
  sampler_.reset(std::vector<double>(n, 1.0));  // the paper starts from the uniform distribution
  loss_sum_ = 0;
  loss_count_ = 0;
}

void AdaptiveSamplingDistribution::draw(std::size_t count, std::vector<std::size_t>& batch,
                                        std::vector<double>& probabilities) {
  sampler_.draw(count, batch);
  probabilities.resize(batch.size());
  for (std::size_t k = 0; k < batch.size(); ++k) probabilities[k] = sampler_.probability(batch[k]);
}

void AdaptiveSamplingDistribution::observe(std::span<const std::size_t> batch, std::span<const double> probabilities,
                                           std::span<const double> observed, double distance2) {
  if (!(distance2 > 0)) return;  // x = w: every a_i is 0, nothing is observed
  const double n = static_cast<double>(sampler_.size());
  const double b = static_cast<double>(batch.size());
  // The step's loss estimate (1/|B|) sum_k a_k / (n^2 p_k^2), unbiased for l_t(p) / |x - w|^2.
  double estimate = 0;
  for (std::size_t k = 0; k < batch.size(); ++k)
    estimate += observed[k] / distance2 / (n * n * probabilities[k] * probabilities[k]) / b;
  loss_sum_ += estimate;
  ++loss_count_;
  const double mean_loss = loss_sum_ / static_cast<double>(loss_count_);
  if (!(mean_loss > 0)) return;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const double p = probabilities[k];
    // -eta_t (1 - alpha) ghat_i for this draw, with eta_t = learning_rate |x - w|^2 / (n mean_loss):
    const double relative = observed[k] / distance2 / (n * n * p * p) / mean_loss;
    const double exponent = learning_rate_ * (1 - alpha_) * relative / (n * p * b);
    const std::size_t i = batch[k];
    sampler_.set(i, sampler_.weight(i) * std::exp(std::min(exponent, 1.0)));
  }
  const double total = sampler_.total();
  if (total > kRescaleAbove) {
    std::vector<double> q(sampler_.size());
    for (std::size_t i = 0; i < q.size(); ++i) q[i] = sampler_.weight(i) / total;
    sampler_.reset(q);
  }
}

void AdaptiveSamplingDistribution::save(BinaryWriter& out) const {
  sampler_.save(out);
  out.f64(loss_sum_);
  out.i64(loss_count_);
}

void AdaptiveSamplingDistribution::load(BinaryReader& in) {
  WeightedSampler sampler = sampler_;
  sampler.load(in);
  const double loss_sum = in.f64("adaptive sampling loss sum");
  const std::int64_t loss_count = in.i64("adaptive sampling loss count");
  if (loss_count < 0) in.fail("adaptive sampling loss count is negative");
  if (!(std::isfinite(loss_sum) && loss_sum >= 0)) in.fail("adaptive sampling loss sum is negative or not finite");
  sampler_ = std::move(sampler);
  loss_sum_ = loss_sum;
  loss_count_ = loss_count;
}

}  // namespace descent
