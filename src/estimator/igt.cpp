#include "descent/estimator/igt.hpp"

#include <algorithm>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/estimator/bind_batches.hpp"

namespace descent {

const std::vector<Field<IgtOptions>>& IgtOptions::fields() {
  static const std::vector<Field<IgtOptions>> f = {
      {"gamma", &IgtOptions::gamma, Range::unit_closed_open(),
       "v <- gamma v + (1 - gamma) g(x + gamma/(1 - gamma) (x - x_prev)); 0: gamma_t = t/(t+1)"},
      {"batch_size", &IgtOptions::batch_size, Range::non_negative(),
       "|B| of the shuffled batch per step; 0: the full gradient"}};
  return f;
}

void IgtOptions::validate() const { descent::validate(*this); }

template <class T>
Igt<T>::Igt(IgtOptions options, std::uint64_t seed) : options_(options) {
  options_.validate();
  if (options_.batch_size > 0) sampler_ = shuffle_sampler(static_cast<std::size_t>(options_.batch_size), seed);
}

template <class T>
std::string Igt<T>::spec() const {
  return to_spec("igt", options_);
}

template <class T>
double Igt<T>::gamma(std::int64_t steps) const {
  if (options_.gamma > 0) return options_.gamma;
  return static_cast<double>(steps) / static_cast<double>(steps + 1);
}

template <class T>
void Igt<T>::bind(const Differentiable<T>& objective) {
  sum_ = bind_batches(objective, sampler_.get(), "igt", options_.batch_size, batch_);
  samples_per_call_ = sum_ ? static_cast<std::int64_t>(sum_->num_samples()) : 0;
  dimension_ = objective.dimension();
  for (auto* buffer : {&previous_x_, &average_, &shifted_})
    if (buffer->size() != dimension_) *buffer = AlignedBuffer<T>(dimension_);
  bound_ = true;
}

template <class T>
Estimate<T> Igt<T>::estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) {
  if (!bound_) throw MismatchError("igt estimator used before bind()");
  if (x.size() != dimension_ || direction.size() != dimension_ || objective.dimension() != dimension_)
    throw MismatchError("igt estimator: x has " + std::to_string(x.size()) + " elements, the direction " +
                        std::to_string(direction.size()) + ", the objective '" + objective.name() + "' dimension " +
                        std::to_string(objective.dimension()) + "; bound to dimension " + std::to_string(dimension_));
  const std::size_t n = dimension_;
  const double g = gamma(steps_);
  const T* xs = x.data();
  T* previous = previous_x_.data();
  T* shifted = shifted_.data();
  // At the first step there is no past to transport: the gradient at x itself.
  const T reach = static_cast<T>(steps_ == 0 ? 0.0 : g / (1 - g));
  for_each_tile(n, [=](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) shifted[i] = xs[i] + reach * (xs[i] - previous[i]);
  });
  const std::span<const T> point(shifted, n);
  T value;
  std::int64_t samples;
  if (sampler_) {
    sampler_->next(batch_);
    value = sum_->batch_value_and_gradient(point, batch_, direction);
    samples = static_cast<std::int64_t>(batch_.size());
  } else {
    value = objective.value_and_gradient(point, direction);
    samples = samples_per_call_;
  }
  const T keep = static_cast<T>(steps_ == 0 ? 0.0 : g), fresh = static_cast<T>(steps_ == 0 ? 1.0 : 1 - g);
  T* v = average_.data();
  T* d = direction.data();
  for_each_tile(n, [=](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      v[i] = keep * v[i] + fresh * d[i];
      d[i] = v[i];
      previous[i] = xs[i];
    }
  });
  ++steps_;
  return {value, 1, samples};
}

template <class T>
void Igt<T>::save(BinaryWriter& out) const {
  out.i64(options_.batch_size);
  out.i64(steps_);
  out.array(std::span<const T>(previous_x_.data(), previous_x_.size()));
  out.array(std::span<const T>(average_.data(), average_.size()));
  if (sampler_) sampler_->save(out);
}

template <class T>
void Igt<T>::load(BinaryReader& in) {
  const std::int64_t batch_size = in.i64("igt batch_size");
  if (batch_size != options_.batch_size)
    in.fail("igt state was saved with batch_size = " + std::to_string(batch_size) + ", this estimator has " +
            std::to_string(options_.batch_size));
  const std::int64_t steps = in.i64("igt steps");
  if (steps < 0) in.fail("igt state has a negative step count");
  std::vector<T> previous = in.template array<T>("igt previous iterate");
  std::vector<T> average = in.template array<T>("igt transported average");
  if (previous.size() != dimension_ || average.size() != dimension_)
    in.fail("igt state is for dimension " + std::to_string(previous.size()) + ", this run has " +
            std::to_string(dimension_));
  if (sampler_) sampler_->load(in);
  steps_ = steps;
  std::copy(previous.begin(), previous.end(), previous_x_.data());
  std::copy(average.begin(), average.end(), average_.data());
}

template class Igt<float>;
template class Igt<double>;

}  // namespace descent
