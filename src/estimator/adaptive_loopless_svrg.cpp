#include "descent/estimator/adaptive_loopless_svrg.hpp"

#include <algorithm>
#include <cmath>

#include "finite_sum_binding.hpp"
#include "snapshot.hpp"

namespace descent {

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
      distribution_(options_.alpha, options_.learning_rate, seed),
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
  distribution_.bind(n);
  snapshot_->resize(sum_->dimension());
  row_x_.assign(sum_->dimension(), T(0));
  row_w_.assign(sum_->dimension(), T(0));
  probability_ = detail::snapshot_probability(options_.probability, options_.batch_size, n);
  snapshots_ = 0;
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
  distribution_.draw(static_cast<std::size_t>(options_.batch_size), batch_, probabilities_);
  observed_.resize(batch_.size());

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
  distribution_.observe(batch_, probabilities_, observed_, distance2);
}

template <class T>
void AdaptiveLooplessSvrg<T>::save(BinaryWriter& out) const {
  distribution_.save(out);
  out.u64(coin_.position());
  out.i64(snapshots_);
  snapshot_->save(out);
}

template <class T>
void AdaptiveLooplessSvrg<T>::load(BinaryReader& in) {
  AdaptiveSamplingDistribution distribution = distribution_;
  distribution.load(in);
  const std::uint64_t position = in.u64("lsvrg_as coin position");
  const std::int64_t snapshots = in.i64("lsvrg_as snapshots");
  if (snapshots < 0) in.fail("lsvrg_as snapshot count is negative");
  snapshot_->load(in);
  distribution_ = std::move(distribution);
  coin_.seek(position);
  snapshots_ = snapshots;
}

template class AdaptiveLooplessSvrg<float>;
template class AdaptiveLooplessSvrg<double>;

}  // namespace descent
