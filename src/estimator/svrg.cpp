#include "descent/estimator/svrg.hpp"

#include <algorithm>

#include "descent/core/error.hpp"
#include "finite_sum_binding.hpp"

namespace descent {

const std::vector<Field<SvrgOptions>>& SvrgOptions::fields() {
  static const std::vector<Field<SvrgOptions>> f = {
      {"batch_size", &SvrgOptions::batch_size, Range::at_least(1), "samples per step, drawn with replacement"},
      {"epoch_length", &SvrgOptions::epoch_length, Range::at_least(0),
       "steps between snapshots w <- x, mu <- grad f(w); 0: 2n / batch_size"}};
  return f;
}

template <class T>
Svrg<T>::Svrg(SvrgOptions options, std::uint64_t seed)
    : options_(options) {
  validate(options_);
  sampler_ = replacement_sampler(static_cast<std::size_t>(options_.batch_size), seed);
}

template <class T>
std::string Svrg<T>::spec() const {
  return to_spec("svrg", options_);
}

template <class T>
void Svrg<T>::bind(const Differentiable<T>& objective) {
  sum_ = &detail::require_finite_sum(objective, "svrg");
  const std::size_t n = sum_->num_samples();
  sampler_->bind(n);
  snapshot_.resize(sum_->dimension());
  length_ = options_.epoch_length > 0
                ? options_.epoch_length
                : std::max<std::int64_t>(1, static_cast<std::int64_t>(2 * n) / options_.batch_size);
  since_snapshot_ = 0;
}

template <class T>
Estimate<T> Svrg<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "svrg");
  Estimate<T> e;
  if (!snapshot_.taken() || since_snapshot_ >= length_) {
    snapshot_.take(*sum_, x);
    since_snapshot_ = 0;
    e.objective_calls += 1;
    e.sample_gradients += static_cast<std::int64_t>(sum_->num_samples());
  }
  sampler_->next(batch_);
  e.value = snapshot_.corrected_direction(*sum_, x, batch_, direction);
  e.objective_calls += 2;
  e.sample_gradients += 2 * static_cast<std::int64_t>(batch_.size());
  ++since_snapshot_;
  return e;
}

template <class T>
void Svrg<T>::save(BinaryWriter& out) const {
  sampler_->save(out);
  snapshot_.save(out);
  out.i64(since_snapshot_);
}

template <class T>
void Svrg<T>::load(BinaryReader& in) {
  sampler_->load(in);
  snapshot_.load(in);
  const std::int64_t since = in.i64("svrg steps since the snapshot");
  if (since < 0 || since > length_) in.fail("svrg steps since the snapshot out of range");
  since_snapshot_ = since;
}

template class Svrg<float>;
template class Svrg<double>;

}  // namespace descent
