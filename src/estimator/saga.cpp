#include "descent/estimator/saga.hpp"

#include <algorithm>
#include <numeric>

#include "finite_sum_binding.hpp"

namespace descent {

const std::vector<Field<SagaOptions>>& SagaOptions::fields() {
  static const std::vector<Field<SagaOptions>> f = {
      {"batch_size", &SagaOptions::batch_size, Range::at_least(1), "samples per step, drawn with replacement"},
      {"scalar_table", &SagaOptions::scalar_table, Range::any(),
       "keep s_j(phi_j) (n scalars) instead of grad f_j(phi_j) (n x d) for generalized-linear sums"}};
  return f;
}

template <class T>
Saga<T>::Saga(SagaOptions options, std::uint64_t seed) : options_(options) {
  validate(options_);
  sampler_ = replacement_sampler(static_cast<std::size_t>(options_.batch_size), seed);
}

template <class T>
std::string Saga<T>::spec() const {
  return to_spec("saga", options_);
}

template <class T>
void Saga<T>::bind(const Differentiable<T>& objective) {
  sum_ = &detail::require_finite_sum(objective, "saga");
  const std::size_t n = sum_->num_samples(), d = sum_->dimension();
  const auto b = static_cast<std::size_t>(options_.batch_size);
  sampler_->bind(n);
  scalar_ = options_.scalar_table && sum_->is_generalized_linear();
  table_.assign(scalar_ ? n : n * d, T(0));
  mean_.assign(d, T(0));
  slopes_.assign(b, T(0));
  coefficients_.assign(b, T(0));
  rows_.assign(scalar_ ? 0 : b * d, T(0));
  initialized_ = false;
}

template <class T>
void Saga<T>::initialize(std::span<const T> x) {
  const std::size_t n = sum_->num_samples(), d = sum_->dimension();
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  std::fill(mean_.begin(), mean_.end(), T(0));
  if (scalar_) {
    sum_->score_derivatives(x, all, table_);
    std::vector<T> weights(n);
    for (std::size_t i = 0; i < n; ++i) weights[i] = table_[i] / static_cast<T>(n);
    sum_->add_sample_vectors(all, weights, mean_);
  } else {
    sum_->per_sample_gradients(x, all, table_);
    std::vector<double> total(d, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < d; ++j) total[j] += static_cast<double>(table_[i * d + j]);
    for (std::size_t j = 0; j < d; ++j) mean_[j] = static_cast<T>(total[j] / static_cast<double>(n));
  }
  initialized_ = true;
}

template <class T>
T Saga<T>::estimate_scalar(std::span<const T> x, std::span<T> direction) {
  const std::size_t m = batch_.size();
  const T n = static_cast<T>(sum_->num_samples());
  const std::span<T> slopes(slopes_.data(), m), coefficients(coefficients_.data(), m);
  const T value = sum_->score_derivatives(x, batch_, slopes);
  // direction = mean + r(x) + (1/|B|) sum_k (s_k(x) - s_k(phi)) u_k, with every phi taken
  // before this step's updates (a repeated index uses its old entry both times).
  std::copy(mean_.begin(), mean_.end(), direction.begin());
  sum_->add_regularizer_gradient(x, direction);
  for (std::size_t k = 0; k < m; ++k) coefficients[k] = (slopes[k] - table_[batch_[k]]) / static_cast<T>(m);
  sum_->add_sample_vectors(batch_, coefficients, direction);
  // phi_j <- x: the mean moves by (s_new - s_old) u_j / n per distinct j (a repeat finds
  // its entry already updated and adds nothing).
  for (std::size_t k = 0; k < m; ++k) {
    T& entry = table_[batch_[k]];
    coefficients[k] = (slopes[k] - entry) / n;
    entry = slopes[k];
  }
  sum_->add_sample_vectors(batch_, coefficients, mean_);
  return value;
}

template <class T>
T Saga<T>::estimate_full(std::span<const T> x, std::span<T> direction) {
  const std::size_t m = batch_.size(), d = sum_->dimension();
  const T n = static_cast<T>(sum_->num_samples());
  const T inv_m = T(1) / static_cast<T>(m);
  std::copy(mean_.begin(), mean_.end(), direction.begin());
  double value = 0;
  // First the direction, against the table as it was before this step; the batch's
  // gradients are kept for the table update below.
  for (std::size_t k = 0; k < m; ++k) {
    T* row = rows_.data() + k * d;
    value += static_cast<double>(
        sum_->batch_value_and_gradient(x, std::span<const std::size_t>(&batch_[k], 1), std::span<T>(row, d)));
    const T* old = table_.data() + batch_[k] * d;
    for (std::size_t j = 0; j < d; ++j) direction[j] += (row[j] - old[j]) * inv_m;
  }
  // Then the table and its mean; a repeated index finds its entry already equal to the
  // new gradient, so its second update adds nothing.
  for (std::size_t k = 0; k < m; ++k) {
    const T* row = rows_.data() + k * d;
    T* entry = table_.data() + batch_[k] * d;
    for (std::size_t j = 0; j < d; ++j) {
      mean_[j] += (row[j] - entry[j]) / n;
      entry[j] = row[j];
    }
  }
  return static_cast<T>(value / static_cast<double>(m));
}

template <class T>
Estimate<T> Saga<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "saga");
  Estimate<T> e;
  if (!initialized_) {
    initialize(x);
    e.objective_calls += 1;
    e.sample_gradients += static_cast<std::int64_t>(sum_->num_samples());
  }
  sampler_->next(batch_);
  e.value = scalar_ ? estimate_scalar(x, direction) : estimate_full(x, direction);
  // The scalar form evaluates the batch in one call, the full form one call per sample.
  e.objective_calls += scalar_ ? 1 : static_cast<std::int64_t>(batch_.size());
  e.sample_gradients += static_cast<std::int64_t>(batch_.size());
  return e;
}

template <class T>
void Saga<T>::save(BinaryWriter& out) const {
  sampler_->save(out);
  out.u8(initialized_ ? 1 : 0);
  out.u8(scalar_ ? 1 : 0);
  out.array(std::span<const T>(table_));
  out.array(std::span<const T>(mean_));
}

template <class T>
void Saga<T>::load(BinaryReader& in) {
  sampler_->load(in);
  const bool initialized = in.u8("saga table flag") != 0;
  const bool scalar = in.u8("saga table kind") != 0;
  if (scalar != scalar_)
    in.fail(std::string("saga table kind differs: the checkpoint has a ") + (scalar ? "scalar" : "gradient") +
            " table, this run a " + (scalar_ ? "scalar" : "gradient") + " one");
  std::vector<T> table(table_.size()), mean(mean_.size());
  in.array_into(std::span<T>(table), "saga table");
  in.array_into(std::span<T>(mean), "saga mean");
  table_ = std::move(table);
  mean_ = std::move(mean);
  initialized_ = initialized;
}

template class Saga<float>;
template class Saga<double>;

}  // namespace descent
