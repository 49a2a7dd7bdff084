#include "descent/estimator/loopless_svrg.hpp"

#include <algorithm>

#include "finite_sum_binding.hpp"

namespace descent {

const std::vector<Field<LooplessSvrgOptions>>& LooplessSvrgOptions::fields() {
  static const std::vector<Field<LooplessSvrgOptions>> f = {
      {"batch_size", &LooplessSvrgOptions::batch_size, Range::at_least(1), "samples per step, drawn with replacement"},
      {"probability", &LooplessSvrgOptions::probability, Range::unit_closed(),
       "chance of w <- x (and a full gradient there) after each step; 0: batch_size / n"}};
  return f;
}

template <class T>
LooplessSvrg<T>::LooplessSvrg(LooplessSvrgOptions options, std::uint64_t seed)
    : options_(options), snapshot_(seed, "lsvrg") {
  validate(options_);
  sampler_ = replacement_sampler(static_cast<std::size_t>(options_.batch_size), seed);
}

template <class T>
std::string LooplessSvrg<T>::spec() const {
  return to_spec("lsvrg", options_);
}

template <class T>
void LooplessSvrg<T>::bind(const Differentiable<T>& objective) {
  sum_ = &detail::require_finite_sum(objective, "lsvrg");
  const std::size_t n = sum_->num_samples();
  sampler_->bind(n);
  snapshot_.bind(*sum_, options_.probability, options_.batch_size);
}

template <class T>
Estimate<T> LooplessSvrg<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "lsvrg");
  const auto n = static_cast<std::int64_t>(sum_->num_samples());
  Estimate<T> e;
  if (snapshot_.take_first(*sum_, x)) {
    e.objective_calls += 1;
    e.sample_gradients += n;
  }
  sampler_->next(batch_);
  e.value = snapshot_.anchor().corrected_direction(*sum_, x, batch_, direction);
  e.objective_calls += 2;
  e.sample_gradients += 2 * static_cast<std::int64_t>(batch_.size());
  // The coin is flipped after the direction is formed: w_{k+1} = x_k, not x_{k+1}.
  if (snapshot_.maybe_refresh(*sum_, x)) {
    e.objective_calls += 1;
    e.sample_gradients += n;
  }
  return e;
}

template <class T>
void LooplessSvrg<T>::save(BinaryWriter& out) const {
  sampler_->save(out);
  snapshot_.save(out);
}

template <class T>
void LooplessSvrg<T>::load(BinaryReader& in) {
  sampler_->load(in);
  snapshot_.load(in);
}

template class LooplessSvrg<float>;
template class LooplessSvrg<double>;

}  // namespace descent
