#include "descent/estimator/sam.hpp"

#include <algorithm>
#include <cmath>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/estimator/bind_batches.hpp"

namespace descent {

const std::vector<Field<SamOptions>>& SamOptions::fields() {
  static const std::vector<Field<SamOptions>> f = {
      {"rho", &SamOptions::rho, Range::non_negative(),
       "ascent radius: eps = rho g / ||g|| (ASAM: rho T^2 g / ||T g||)"},
      {"adaptive", &SamOptions::adaptive, Range::any(), "ASAM (Kwon et al. 2021): scale eps by T = diag(|x_i| + eta)"},
      {"eta", &SamOptions::eta, Range::non_negative(), "ASAM's T = diag(|x_i| + eta); unused by SAM"},
      {"batch_size", &SamOptions::batch_size, Range::non_negative(),
       "|B| of the shuffled batch both gradients use; 0: the full gradient"}};
  return f;
}

void SamOptions::validate() const { descent::validate(*this); }

template <class T>
Sam<T>::Sam(SamOptions options, std::uint64_t seed) : options_(options) {
  options_.validate();
  if (options_.batch_size > 0) sampler_ = shuffle_sampler(static_cast<std::size_t>(options_.batch_size), seed);
}

template <class T>
std::string Sam<T>::spec() const {
  return to_spec("sam", options_);
}

template <class T>
void Sam<T>::bind(const Differentiable<T>& objective) {
  sum_ = bind_batches(objective, sampler_.get(), "sam", options_.batch_size, batch_);
  samples_per_call_ = sum_ ? static_cast<std::int64_t>(sum_->num_samples()) : 0;
  dimension_ = objective.dimension();
  if (perturbed_.size() != dimension_) perturbed_ = AlignedBuffer<T>(dimension_);
  partials_.assign(tile_count(dimension_), 0.0);
  bound_ = true;
}

template <class T>
bool Sam<T>::perturb(std::span<const T> x, std::span<const T> gradient) {
  if (options_.rho == 0) return false;
  const std::size_t n = dimension_;
  const T* xs = x.data();
  const T* gs = gradient.data();
  T* ps = perturbed_.data();
  const T eta = static_cast<T>(options_.eta);
  double squared_norm = 0;
  if (options_.adaptive) {
    // perturbed_ holds T g until the last pass: its norm is ASAM's denominator.
    for_each_tile(n, [=](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) ps[i] = (std::abs(xs[i]) + eta) * gs[i];
    });
    squared_norm = sum_of_squares(std::span<const T>(ps, n), std::span<double>(partials_));
  } else {
    squared_norm = sum_of_squares(gradient, std::span<double>(partials_));
  }
  const double norm = std::sqrt(squared_norm);
  // No ascent direction at a stationary point; a non-finite gradient is passed on as it is
  // (the loop's non-finite guard reports it) rather than turned into a NaN point.
  if (!(norm > 0) || !std::isfinite(norm)) return false;
  const T scale = static_cast<T>(options_.rho / norm);
  if (options_.adaptive) {
    // eps_i = rho t_i^2 g_i / ||T g|| = scale * t_i * (t_i g_i).
    for_each_tile(n, [=](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) ps[i] = xs[i] + scale * ((std::abs(xs[i]) + eta) * ps[i]);
    });
  } else {
    for_each_tile(n, [=](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) ps[i] = xs[i] + scale * gs[i];
    });
  }
  return true;
}

template <class T>
Estimate<T> Sam<T>::estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) {
  if (!bound_) throw MismatchError("sam estimator used before bind()");
  if (x.size() != dimension_ || direction.size() != dimension_ || objective.dimension() != dimension_)
    throw MismatchError("sam estimator: x has " + std::to_string(x.size()) + " elements, the direction " +
                        std::to_string(direction.size()) + ", the objective '" + objective.name() + "' dimension " +
                        std::to_string(objective.dimension()) + "; bound to dimension " + std::to_string(dimension_));
  // The first gradient is written into `direction`: it is only needed to build x + eps,
  // after which the second call overwrites it. One buffer of our own (x + eps) suffices.
  const std::span<const T> perturbed(perturbed_.data(), dimension_);
  if (sampler_) {
    sampler_->next(batch_);
    const std::int64_t batch = static_cast<std::int64_t>(batch_.size());
    const T value = sum_->batch_value_and_gradient(x, batch_, direction);
    if (!perturb(x, direction)) return {value, 1, batch};
    sum_->batch_value_and_gradient(perturbed, batch_, direction);
    return {value, 2, 2 * batch};
  }
  const T value = objective.value_and_gradient(x, direction);
  if (!perturb(x, direction)) return {value, 1, samples_per_call_};
  objective.value_and_gradient(perturbed, direction);
  return {value, 2, 2 * samples_per_call_};
}

template <class T>
void Sam<T>::save(BinaryWriter& out) const {
  out.i64(options_.batch_size);
  if (sampler_) sampler_->save(out);
}

template <class T>
void Sam<T>::load(BinaryReader& in) {
  const std::int64_t batch_size = in.i64("sam batch_size");
  if (batch_size != options_.batch_size)
    in.fail("sam state was saved with batch_size = " + std::to_string(batch_size) + ", this estimator has " +
            std::to_string(options_.batch_size));
  if (sampler_) sampler_->load(in);  // checks everything before assigning
}

template class Sam<float>;
template class Sam<double>;

}  // namespace descent
