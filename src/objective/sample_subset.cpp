#include "descent/objective/sample_subset.hpp"

#include "descent/core/error.hpp"

namespace descent {

template <class T>
SampleSubset<T>::SampleSubset(const FiniteSum<T>& whole, std::vector<std::size_t> indices)
    : whole_(whole), indices_(std::move(indices)) {
  if (indices_.empty()) throw MismatchError("a sample subset of '" + whole_.name() + "' needs at least one sample");
  for (std::size_t k = 0; k < indices_.size(); ++k)
    if (indices_[k] >= whole_.num_samples())
      throw MismatchError("sample subset of '" + whole_.name() + "': index " + std::to_string(indices_[k]) +
                          " (entry " + std::to_string(k) + ") is beyond its " + std::to_string(whole_.num_samples()) +
                          " samples");
  if (whole_.accepts_label_override()) {
    const LabelSpace<T> space = whole_.label_space();
    labels_.reserve(indices_.size());
    for (std::size_t i : indices_) labels_.push_back(space.labels[i]);
  }
}

template <class T>
std::string SampleSubset<T>::name() const {
  return whole_.name() + " (" + std::to_string(indices_.size()) + " of its " + std::to_string(whole_.num_samples()) +
         " samples)";
}

template <class T>
std::span<const std::size_t> SampleSubset<T>::mapped(std::span<const std::size_t> batch) const {
  buffer_.resize(batch.size());
  for (std::size_t k = 0; k < batch.size(); ++k) {
    if (batch[k] >= indices_.size())
      throw MismatchError(name() + ": sample " + std::to_string(batch[k]) + " is beyond the subset");
    buffer_[k] = indices_[batch[k]];
  }
  return buffer_;
}

template <class T>
T SampleSubset<T>::batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                                            std::span<T> gradient) const {
  return whole_.batch_value_and_gradient(x, mapped(batch), gradient);
}

template <class T>
void SampleSubset<T>::per_sample_gradients(std::span<const T> x, std::span<const std::size_t> batch,
                                           std::span<T> out) const {
  whole_.per_sample_gradients(x, mapped(batch), out);
}

template <class T>
void SampleSubset<T>::per_sample_gradient_norms(std::span<const T> x, std::span<const std::size_t> batch,
                                                std::span<T> norms) const {
  whole_.per_sample_gradient_norms(x, mapped(batch), norms);
}

template <class T>
T SampleSubset<T>::score_derivatives(std::span<const T> x, std::span<const std::size_t> batch,
                                     std::span<T> slopes) const {
  return whole_.score_derivatives(x, mapped(batch), slopes);
}

template <class T>
void SampleSubset<T>::add_sample_vectors(std::span<const std::size_t> batch, std::span<const T> coefficients,
                                         std::span<T> out) const {
  whole_.add_sample_vectors(mapped(batch), coefficients, out);
}

template <class T>
void SampleSubset<T>::add_regularizer_gradient(std::span<const T> x, std::span<T> out) const {
  whole_.add_regularizer_gradient(x, out);
}

template <class T>
T SampleSubset<T>::clipped_gradient_sum(std::span<const T> x, std::span<const std::size_t> batch,
                                        const GradientClipping& clipping, std::span<T> out) const {
  return whole_.clipped_gradient_sum(x, mapped(batch), clipping, out);
}

template <class T>
void SampleSubset<T>::add_unclipped_gradient(std::span<const T> x, std::span<T> out) const {
  whole_.add_unclipped_gradient(x, out);
}

template <class T>
T SampleSubset<T>::batch_value_and_gradient_with_labels(std::span<const T> x, std::span<const std::size_t> batch,
                                                        std::span<const T> labels, std::span<T> gradient) const {
  return whole_.batch_value_and_gradient_with_labels(x, mapped(batch), labels, gradient);
}

template <class T>
LabelSpace<T> SampleSubset<T>::label_space() const {
  LabelSpace<T> space = whole_.label_space();
  space.labels = labels_;
  return space;
}

template class SampleSubset<float>;
template class SampleSubset<double>;

}  // namespace descent
