#include "descent/estimator/minibatch.hpp"

#include <algorithm>

#include "descent/core/error.hpp"

namespace descent {

template <class T>
Minibatch<T>::Minibatch(MinibatchOptions options) {
  require(options.batch_size >= 1, "MinibatchOptions", "batch_size", static_cast<double>(options.batch_size),
          "batch_size >= 1");
  sampler_ = shuffle_sampler(options.batch_size, options.seed);
}

template <class T>
Minibatch<T>::Minibatch(SamplerPtr sampler) : sampler_(std::move(sampler)) {
  if (!sampler_) throw ConfigError("Minibatch: the sampler is null");
}

template <class T>
std::string Minibatch<T>::spec() const {
  return "minibatch(" + sampler_->spec() + ")";
}

template <class T>
void Minibatch<T>::bind(const Differentiable<T>& objective) {
  sum_ = dynamic_cast<const FiniteSum<T>*>(&objective);
  if (sum_ == nullptr)
    throw MismatchError("the minibatch estimator needs a finite-sum objective; '" + objective.name() +
                        "' is not one (use the full gradient)");
  sampler_->bind(sum_->num_samples());
}

template <class T>
Estimate<T> Minibatch<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  if (sum_ == nullptr) throw MismatchError("minibatch estimator used before bind()");
  if (sum_->num_samples() == 0)
    throw MismatchError("minibatch estimator: objective '" + sum_->name() + "' has no samples");
  sampler_->next(batch_);
  const T value = sum_->batch_value_and_gradient(x, batch_, direction);
  return {value, 1, static_cast<std::int64_t>(batch_.size())};
}

template <class T>
void Minibatch<T>::save(BinaryWriter& out) const {
  sampler_->save(out);
}

template <class T>
void Minibatch<T>::load(BinaryReader& in) {
  sampler_->load(in);
}

template class Minibatch<float>;
template class Minibatch<double>;

}  // namespace descent
