#include "descent/estimator/label_noise.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "descent/core/error.hpp"
#include "finite_sum_binding.hpp"

namespace descent {

const std::vector<Field<LabelNoiseOptions>>& LabelNoiseOptions::fields() {
  static const std::vector<Field<LabelNoiseOptions>> f = {
      {"batch_size", &LabelNoiseOptions::batch_size, Range::at_least(1),
       "samples per step, in shuffled epochs (without replacement)"},
      {"sigma", &LabelNoiseOptions::sigma, Range::non_negative(),
       "regression: each step's labels are y + sigma N(0, 1); unused by classifiers"},
      {"flip_probability", &LabelNoiseOptions::flip_probability, Range::unit_closed(),
       "classification: each step a label becomes a uniformly drawn other class with this probability"}};
  return f;
}

void LabelNoiseOptions::validate() const { descent::validate(*this); }

namespace {

// Whether y is a label of the space: any finite value for regression, negative_label or 1
// for binary labels, an index 0..K-1 for K >= 3 classes.
template <class T>
bool fits(const LabelSpace<T>& space, T y) {
  if (space.classes == 0) return std::isfinite(static_cast<double>(y));
  if (space.classes == 2) return y == space.negative_label || y == T(1);
  const double v = static_cast<double>(y);
  return v >= 0 && v < static_cast<double>(space.classes) && v == std::floor(v);
}

}  // namespace

template <class T>
LabelNoise<T>::LabelNoise(LabelNoiseOptions options, std::uint64_t seed)
    : options_(options), noise_(seed, Stream::noise) {
  options_.validate();
  sampler_ = shuffle_sampler(static_cast<std::size_t>(options_.batch_size), seed);
}

template <class T>
std::string LabelNoise<T>::spec() const {
  return to_spec("label_noise", options_);
}

template <class T>
void LabelNoise<T>::bind(const Differentiable<T>& objective) {
  const FiniteSum<T>& sum = detail::require_finite_sum(objective, "label_noise");
  if (!sum.accepts_label_override())
    throw MismatchError("the label_noise estimator needs an objective whose labels can be substituted (a model); '" +
                        sum.name() + "' has none");
  LabelSpace<T> space = sum.label_space();
  const std::size_t n = sum.num_samples();
  if (space.labels.size() != n)
    throw MismatchError("label_noise: '" + sum.name() + "' reports " + std::to_string(space.labels.size()) +
                        " labels for " + std::to_string(n) + " samples");
  if (space.classes == 1) throw MismatchError("label_noise: '" + sum.name() + "' reports a single class");
  if (space.classes == 2 && space.negative_label != T(0) && space.negative_label != T(-1))
    throw MismatchError("label_noise: '" + sum.name() + "' reports the negative label " +
                        format_number(static_cast<double>(space.negative_label)) + " (expected 0 or -1)");
  // Checked once here, so that a step never meets a label it cannot perturb.
  for (std::size_t i = 0; i < n; ++i)
    if (!fits(space, space.labels[i]))
      throw MismatchError("label_noise: label " + format_number(static_cast<double>(space.labels[i])) + " of sample " +
                          std::to_string(i) + " of '" + sum.name() + "' is not " +
                          (space.classes == 0   ? std::string("finite")
                           : space.classes == 2 ? "a binary label " + format_number(space.negative_label) + "/1"
                                                : "a class index 0.." + std::to_string(space.classes - 1)));
  sampler_->bind(n);
  const std::size_t most = std::min(static_cast<std::size_t>(options_.batch_size), n);
  batch_.reserve(most);
  labels_.reserve(most);
  space_ = space;
  sum_ = &sum;
}

template <class T>
T LabelNoise<T>::noisy_label(std::size_t i) {
  const T y = space_.labels[i];
  // y + sigma z rounded once (std::fma), so that the label has the same bits whether or not
  // the compiler contracts multiply-adds (the Release library does, a Debug build does not).
  if (space_.classes == 0) return static_cast<T>(std::fma(options_.sigma, noise_.normal(), static_cast<double>(y)));
  // The coin is drawn for every label, the other class only on a flip.
  if (!(noise_.uniform() < options_.flip_probability)) return y;
  if (space_.classes == 2) return y == T(1) ? space_.negative_label : T(1);
  // Uniform over the K - 1 classes other than c: draw o in 0..K-2 and skip c.
  const auto c = static_cast<std::uint64_t>(y);
  const std::uint64_t o = noise_.below(space_.classes - 1);
  return static_cast<T>(o < c ? o : o + 1);
}

template <class T>
Estimate<T> LabelNoise<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "label_noise");
  sampler_->next(batch_);
  labels_.resize(batch_.size());
  for (std::size_t k = 0; k < batch_.size(); ++k) labels_[k] = noisy_label(batch_[k]);
  const T value = sum_->batch_value_and_gradient_with_labels(x, batch_, labels_, direction);
  return {value, 1, static_cast<std::int64_t>(batch_.size())};
}

template <class T>
void LabelNoise<T>::save(BinaryWriter& out) const {
  out.i64(options_.batch_size);
  out.u64(noise_.position());
  sampler_->save(out);
}

template <class T>
void LabelNoise<T>::load(BinaryReader& in) {
  const std::int64_t batch_size = in.i64("label_noise batch_size");
  if (batch_size != options_.batch_size)
    in.fail("label_noise state was saved with batch_size = " + std::to_string(batch_size) + ", this estimator has " +
            std::to_string(options_.batch_size));
  const std::uint64_t position = in.u64("label_noise noise position");
  sampler_->load(in);  // checks everything before assigning; the last read that can fail
  noise_.seek(position);
}

template class LabelNoise<float>;
template class LabelNoise<double>;

}  // namespace descent
