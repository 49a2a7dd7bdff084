#include "descent/estimator/adaptive_loopless_svrg.hpp"

#include <algorithm>
#include <cmath>

#include "finite_sum_binding.hpp"

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
      snapshot_(seed, "lsvrg_as") {}

template <class T>
std::string AdaptiveLooplessSvrg<T>::spec() const {
  return to_spec("lsvrg_as", options_);
}

template <class T>
void AdaptiveLooplessSvrg<T>::bind(const Differentiable<T>& objective) {
  sum_ = &detail::require_finite_sum(objective, "lsvrg_as");
  distribution_.bind(sum_->num_samples());
  snapshot_.bind(*sum_, options_.probability, options_.batch_size);
}

template <class T>
Estimate<T> AdaptiveLooplessSvrg<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "lsvrg_as");
  const auto n = static_cast<std::int64_t>(sum_->num_samples());
  Estimate<T> e;
  if (snapshot_.take_first(*sum_, x)) {
    e.objective_calls += 1;
    e.sample_gradients += n;
  }
  distribution_.draw(static_cast<std::size_t>(options_.batch_size), batch_, probabilities_);
  Snapshot<T>& anchor = snapshot_.anchor();
  e.value = anchor.weighted_corrected_direction(*sum_, x, batch_, probabilities_, direction, observed_);
  e.objective_calls += 2 * static_cast<std::int64_t>(batch_.size());
  e.sample_gradients += 2 * static_cast<std::int64_t>(batch_.size());
  // The learner's normalization is the distance to the snapshot the gradients were taken at.
  distribution_.observe(batch_, probabilities_, observed_, anchor.squared_distance(x));
  // The coin is flipped after the direction is formed: w_{k+1} = x_k, as in L-SVRG.
  if (snapshot_.maybe_refresh(*sum_, x)) {
    e.objective_calls += 1;
    e.sample_gradients += n;
  }
  return e;
}

template <class T>
void AdaptiveLooplessSvrg<T>::save(BinaryWriter& out) const {
  distribution_.save(out);
  snapshot_.save(out);
}

template <class T>
void AdaptiveLooplessSvrg<T>::load(BinaryReader& in) {
  AdaptiveSamplingDistribution distribution = distribution_;
  distribution.load(in);
  snapshot_.load(in);
  distribution_ = std::move(distribution);
}

template class AdaptiveLooplessSvrg<float>;
template class AdaptiveLooplessSvrg<double>;

}  // namespace descent
