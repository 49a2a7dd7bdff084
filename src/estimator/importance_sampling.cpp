#include "descent/estimator/importance_sampling.hpp"

#include <cmath>
#include <numeric>

#include "finite_sum_binding.hpp"

namespace descent {

const std::vector<Field<ImportanceSamplingOptions>>& ImportanceSamplingOptions::fields() {
  static const std::vector<Field<ImportanceSamplingOptions>> f = {
      {"batch_size", &ImportanceSamplingOptions::batch_size, Range::at_least(1),
       "samples per step, drawn with replacement from p"},
      {"mix", &ImportanceSamplingOptions::mix, Range{0, 1, true, false},
       "uniform share: p_i = (1 - mix) |g_i| / sum_j |g_j| + mix / n"},
      {"refresh_period", &ImportanceSamplingOptions::refresh_period, Range::at_least(0),
       "steps between recomputations of all n gradient norms (one data pass); 0: only the drawn samples"}};
  return f;
}

template <class T>
ImportanceSampling<T>::ImportanceSampling(ImportanceSamplingOptions options, std::uint64_t seed)
    : options_((validate(options), options)), sampler_(options_.mix, seed) {}

template <class T>
std::string ImportanceSampling<T>::spec() const {
  return to_spec("importance", options_);
}

template <class T>
void ImportanceSampling<T>::bind(const Differentiable<T>& objective) {
  sum_ = &detail::require_finite_sum(objective, "importance");
  const std::size_t n = sum_->num_samples();
  all_.resize(n);
  std::iota(all_.begin(), all_.end(), std::size_t{0});
  norms_.assign(n, T(0));
  row_.assign(sum_->dimension(), T(0));
  sampler_.reset(std::vector<double>(n, 1.0));  // uniform until the first step measures the norms
  steps_ = 0;
  initialized_ = false;
}

template <class T>
void ImportanceSampling<T>::refresh_all(std::span<const T> x) {
  sum_->per_sample_gradient_norms(x, all_, norms_);
  std::vector<double> w(norms_.begin(), norms_.end());
  sampler_.reset(w);
}

template <class T>
Estimate<T> ImportanceSampling<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "importance");
  const auto n = static_cast<std::int64_t>(sum_->num_samples());
  Estimate<T> e;
  const bool periodic = options_.refresh_period > 0 && steps_ > 0 && steps_ % options_.refresh_period == 0;
  if (!initialized_ || periodic) {
    refresh_all(x);
    initialized_ = true;
    e.objective_calls += 1;
    e.sample_gradients += n;
  }
  sampler_.draw(static_cast<std::size_t>(options_.batch_size), batch_);
  // Every draw of this step was made from the current p: record p_{i_k} before any refresh.
  probabilities_.resize(batch_.size());
  for (std::size_t k = 0; k < batch_.size(); ++k) probabilities_[k] = sampler_.probability(batch_[k]);
  std::fill(direction.begin(), direction.end(), T(0));
  const double b = static_cast<double>(batch_.size());
  double value = 0;
  for (std::size_t k = 0; k < batch_.size(); ++k) {
    const T f_i = sum_->batch_value_and_gradient(x, std::span<const std::size_t>(&batch_[k], 1), row_);
    const double weight = 1 / (b * static_cast<double>(n) * probabilities_[k]);
    double squared = 0;
    for (std::size_t j = 0; j < row_.size(); ++j) {
      direction[j] += static_cast<T>(weight) * row_[j];
      squared += static_cast<double>(row_[j]) * static_cast<double>(row_[j]);
    }
    value += weight * static_cast<double>(f_i);
    sampler_.set(batch_[k], std::sqrt(squared));  // the drawn sample's norm at x, free
  }
  e.value = static_cast<T>(value);
  e.objective_calls += static_cast<std::int64_t>(batch_.size());
  e.sample_gradients += static_cast<std::int64_t>(batch_.size());
  ++steps_;
  return e;
}

template <class T>
void ImportanceSampling<T>::save(BinaryWriter& out) const {
  out.u8(initialized_ ? 1 : 0);
  out.i64(steps_);
  sampler_.save(out);
}

template <class T>
void ImportanceSampling<T>::load(BinaryReader& in) {
  const bool initialized = in.u8("importance initialized flag") != 0;
  const std::int64_t steps = in.i64("importance steps");
  if (steps < 0) in.fail("importance step count is negative");
  sampler_.load(in);
  initialized_ = initialized;
  steps_ = steps;
}

template class ImportanceSampling<float>;
template class ImportanceSampling<double>;

}  // namespace descent
