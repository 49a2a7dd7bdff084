#include "descent/estimator/minibatch.hpp"

#include <numeric>

#include "descent/core/error.hpp"

namespace descent {

template <class T>
Minibatch<T>::Minibatch(MinibatchOptions options) : options_(options), rng_(options.seed, Stream::sampling) {
  require(options_.batch_size >= 1, "MinibatchOptions", "batch_size", static_cast<double>(options_.batch_size),
          "batch_size >= 1");
}

template <class T>
std::string Minibatch<T>::spec() const {
  return "minibatch(batch_size=" + std::to_string(options_.batch_size) + ", seed=" + std::to_string(options_.seed) +
         ")";
}

template <class T>
void Minibatch<T>::bind(const Differentiable<T>& objective) {
  sum_ = dynamic_cast<const FiniteSum<T>*>(&objective);
  if (sum_ == nullptr)
    throw MismatchError("the minibatch estimator needs a finite-sum objective; '" + objective.name() +
                        "' is not one (use the full gradient)");
  if (order_.size() != sum_->num_samples()) {
    order_.resize(sum_->num_samples());
    cursor_ = order_.size();  // the first estimate starts a fresh epoch
  }
}

template <class T>
void Minibatch<T>::reshuffle() {
  // Fisher-Yates over the identity, so the permutation depends only on the RNG position.
  std::iota(order_.begin(), order_.end(), std::size_t{0});
  for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_.below(i)]);
  cursor_ = 0;
}

template <class T>
Estimate<T> Minibatch<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  if (sum_ == nullptr) throw MismatchError("minibatch estimator used before bind()");
  if (order_.empty()) throw MismatchError("minibatch estimator: objective '" + sum_->name() + "' has no samples");
  if (cursor_ >= order_.size()) {
    ++epoch_;  // epochs started so far, 1-based
    reshuffle();
  }
  const std::size_t take = std::min(options_.batch_size, order_.size() - cursor_);
  std::span<const std::size_t> batch(order_.data() + cursor_, take);
  cursor_ += take;
  const T value = sum_->batch_value_and_gradient(x, batch, direction);
  return {value, 1, static_cast<std::int64_t>(take)};
}

template <class T>
void Minibatch<T>::save(BinaryWriter& out) const {
  // The permutation is a function of the RNG position before the shuffle; saving the
  // order itself keeps load() simple and independent of how the shuffle is written.
  out.u64(rng_.position());
  out.u64(cursor_);
  out.i64(epoch_);
  out.array(std::span<const std::size_t>(order_));
}

template <class T>
void Minibatch<T>::load(BinaryReader& in) {
  // Everything is read and checked before anything is assigned: a bad blob leaves the
  // estimator as it was.
  const std::uint64_t position = in.u64("minibatch rng position");
  const std::uint64_t cursor = in.u64("minibatch cursor");
  const std::int64_t epoch = in.i64("minibatch epoch");
  auto order = in.array<std::size_t>("minibatch order");
  if (sum_ != nullptr && order.size() != sum_->num_samples())
    in.fail("minibatch order has " + std::to_string(order.size()) + " entries, the objective " +
            std::to_string(sum_->num_samples()) + " samples");
  if (cursor > order.size()) in.fail("minibatch cursor beyond the epoch");
  for (std::size_t v : order)
    if (v >= order.size()) in.fail("minibatch order holds an index out of range");
  rng_.seek(position);
  epoch_ = epoch;
  order_ = std::move(order);
  cursor_ = cursor;
}

template class Minibatch<float>;
template class Minibatch<double>;

}  // namespace descent
