#include "descent/estimator/adaptive_loopless_svrg.hpp"

#include <algorithm>
#include <cmath>

#include "finite_sum_binding.hpp"
#include "snapshot.hpp"

namespace descent {

namespace {
// Weights only grow (every observed loss gradient is <= 0); they are rescaled by their
// total when it passes this bound, which leaves p unchanged and keeps them finite.
constexpr double kRescaleAbove = 1e100;
}  // namespace

const std::vector<Field<AdaptiveLooplessSvrgOptions>>& AdaptiveLooplessSvrgOptions::fields() {
  static const std::vector<Field<AdaptiveLooplessSvrgOptions>> f = {
      {"batch_size", &AdaptiveLooplessSvrgOptions::batch_size, Range::at_least(1),
       "samples per step, drawn with replacement from the learned p"},
      {"probability", &AdaptiveLooplessSvrgOptions::probability, Range::unit_closed(),
       "chance of w <- x (and a full gradient there) after each step; 0: batch_size / n"},
      {"alpha", &AdaptiveLooplessSvrgOptions::alpha, Range{0, 1, true, false},
       "uniform share: p = (1 - alpha) q + alpha / n, so p_i >= alpha / n"},
      {"learning_rate", &AdaptiveLooplessSvrgOptions::learning_rate, Range::positive(),
       "exponentiated-gradient step on q (change of log q_i per n draws at the optimal p)"}};
  return f;
}

template <class T>
AdaptiveLooplessSvrg<T>::AdaptiveLooplessSvrg(AdaptiveLooplessSvrgOptions options, std::uint64_t seed)
    : options_((validate(options), options)),
      sampler_(options_.alpha, seed),
      coin_(seed, Stream::sampling, 1),
      snapshot_(std::make_unique<detail::Snapshot<T>>()) {}

template <class T>
AdaptiveLooplessSvrg<T>::~AdaptiveLooplessSvrg() = default;

template <class T>
std::string AdaptiveLooplessSvrg<T>::spec() const {
  return to_spec("lsvrg_as", options_);
}

template <class T>
void AdaptiveLooplessSvrg<T>::bind(const Differentiable<T>& objective) {
  sum_ = &detail::require_finite_sum(objective, "lsvrg_as");
  const std::size_t n = sum_->num_samples();
  sampler_.reset(std::vector<double>(n, 1.0));  // the paper starts from the uniform distribution
  snapshot_->resize(sum_->dimension());
  row_x_.assign(sum_->dimension(), T(0));
  row_w_.assign(sum_->dimension(), T(0));
  probability_ = options_.probability > 0
                     ? options_.probability
                     : std::min(1.0, static_cast<double>(options_.batch_size) / static_cast<double>(n));
  snapshots_ = 0;
  loss_sum_ = 0;
  loss_count_ = 0;
}

template <class T>
Estimate<T> AdaptiveLooplessSvrg<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "lsvrg_as");
  const auto n = static_cast<std::int64_t>(sum_->num_samples());
  const double nd = static_cast<double>(n);
  Estimate<T> e;
  if (!snapshot_->taken()) {
    snapshot_->take(*sum_, x);  // w_0 = x_0
    ++snapshots_;
    e.objective_calls += 1;
    e.sample_gradients += n;
  }
  sampler_.draw(static_cast<std::size_t>(options_.batch_size), batch_);
  probabilities_.resize(batch_.size());
  observed_.resize(batch_.size());
  for (std::size_t k = 0; k < batch_.size(); ++k) probabilities_[k] = sampler_.probability(batch_[k]);

  const auto mu = snapshot_->gradient();
  std::copy(mu.begin(), mu.end(), direction.begin());
  const double b = static_cast<double>(batch_.size());
  double value = 0;
  for (std::size_t k = 0; k < batch_.size(); ++k) {
    const std::span<const std::size_t> one(&batch_[k], 1);
    value += static_cast<double>(sum_->batch_value_and_gradient(x, one, row_x_));
    sum_->batch_value_and_gradient(snapshot_->point(), one, row_w_);
    const double weight = 1 / (b * nd * probabilities_[k]);
    double a = 0;
    for (std::size_t j = 0; j < row_x_.size(); ++j) {
      const T d = row_x_[j] - row_w_[j];
      direction[j] += static_cast<T>(weight) * d;
      a += static_cast<double>(d) * static_cast<double>(d);
    }
    observed_[k] = a;
  }
  e.value = static_cast<T>(value / b);
  e.objective_calls += 2 * static_cast<std::int64_t>(batch_.size());
  e.sample_gradients += 2 * static_cast<std::int64_t>(batch_.size());
  learn(x);
  // The coin is flipped after the direction is formed: w_{k+1} = x_k, as in L-SVRG.
  if (coin_.uniform() < probability_) {
    snapshot_->take(*sum_, x);
    ++snapshots_;
    e.objective_calls += 1;
    e.sample_gradients += n;
  }
  return e;
}

template <class T>
void AdaptiveLooplessSvrg<T>::learn(std::span<const T> x) {
  const auto w = snapshot_->point();
  double distance2 = 0;
  for (std::size_t j = 0; j < x.size(); ++j) {
    const double d = static_cast<double>(x[j]) - static_cast<double>(w[j]);
    distance2 += d * d;
  }
  if (!(distance2 > 0)) return;  // x = w: every a_i is 0, nothing is observed
  const double n = static_cast<double>(sampler_.size());
  const double b = static_cast<double>(batch_.size());
  // The step's loss estimate (1/|B|) sum_k r_k / (n^2 p_k^2), unbiased for l_t(p) / |x - w|^2.
  double estimate = 0;
  for (std::size_t k = 0; k < batch_.size(); ++k)
    estimate += observed_[k] / distance2 / (n * n * probabilities_[k] * probabilities_[k]) / b;
  loss_sum_ += estimate;
  ++loss_count_;
  const double mean_loss = loss_sum_ / static_cast<double>(loss_count_);
  if (!(mean_loss > 0)) return;
  const double share = options_.alpha;
  for (std::size_t k = 0; k < batch_.size(); ++k) {
    const double p = probabilities_[k];
    // -eta_t (1 - alpha) ghat_i for this draw, with eta_t = learning_rate |x - w|^2 / (n mean_loss):
    const double relative = observed_[k] / distance2 / (n * n * p * p) / mean_loss;
    const double exponent = options_.learning_rate * (1 - share) * relative / (n * p * b);
    const std::size_t i = batch_[k];
    sampler_.set(i, sampler_.weight(i) * std::exp(std::min(exponent, 1.0)));
  }
  const double total = sampler_.total();
  if (total > kRescaleAbove) {
    std::vector<double> q(sampler_.size());
    for (std::size_t i = 0; i < q.size(); ++i) q[i] = sampler_.weight(i) / total;
    sampler_.reset(q);
  }
}

template <class T>
void AdaptiveLooplessSvrg<T>::save(BinaryWriter& out) const {
  sampler_.save(out);
  out.u64(coin_.position());
  out.i64(snapshots_);
  out.f64(loss_sum_);
  out.i64(loss_count_);
  snapshot_->save(out);
}

template <class T>
void AdaptiveLooplessSvrg<T>::load(BinaryReader& in) {
  WeightedSampler sampler = sampler_;
  sampler.load(in);
  const std::uint64_t position = in.u64("lsvrg_as coin position");
  const std::int64_t snapshots = in.i64("lsvrg_as snapshots");
  const double loss_sum = in.f64("lsvrg_as loss sum");
  const std::int64_t loss_count = in.i64("lsvrg_as loss count");
  if (snapshots < 0 || loss_count < 0) in.fail("lsvrg_as counts are negative");
  if (!(std::isfinite(loss_sum) && loss_sum >= 0)) in.fail("lsvrg_as loss sum is negative or not finite");
  snapshot_->load(in);
  sampler_ = std::move(sampler);
  coin_.seek(position);
  snapshots_ = snapshots;
  loss_sum_ = loss_sum;
  loss_count_ = loss_count;
}

template class AdaptiveLooplessSvrg<float>;
template class AdaptiveLooplessSvrg<double>;

}  // namespace descent
