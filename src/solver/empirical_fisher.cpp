#include "descent/solver/empirical_fisher.hpp"

#include <numeric>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

template <class T>
EmpiricalFisher<T>::EmpiricalFisher(const FiniteSum<T>& f, std::span<const T> x)
    : samples_(f.num_samples()), dimension_(f.dimension()) {
  if (x.size() != dimension_)
    throw MismatchError("EmpiricalFisher: x has " + std::to_string(x.size()) + " elements, objective '" + f.name() +
                        "' has dimension " + std::to_string(dimension_));
  if (samples_ == 0) throw MismatchError("EmpiricalFisher: objective '" + f.name() + "' has no samples");
  std::vector<std::size_t> all(samples_);
  std::iota(all.begin(), all.end(), std::size_t{0});
  gradients_.resize(samples_ * dimension_);
  f.per_sample_gradients(x, all, gradients_);
}

template <class T>
void EmpiricalFisher<T>::apply(std::span<const T> v, std::span<T> out) const {
  if (v.size() != dimension_ || out.size() != dimension_)
    throw MismatchError("EmpiricalFisher::apply: v has " + std::to_string(v.size()) + " and out " +
                        std::to_string(out.size()) + " elements, the operator has size " + std::to_string(dimension_));
  // One sweep over G: the score g_i . v, then its multiple of g_i added to the sum, while row i
  // is in cache.
  std::vector<double> sum(dimension_, 0.0);
  for (std::size_t i = 0; i < samples_; ++i) {
    const T* row = gradients_.data() + i * dimension_;
    double score = 0;
    for (std::size_t j = 0; j < dimension_; ++j) score += static_cast<double>(row[j]) * static_cast<double>(v[j]);
    for (std::size_t j = 0; j < dimension_; ++j) sum[j] += score * static_cast<double>(row[j]);
  }
  const double inverse = 1.0 / static_cast<double>(samples_);
  for (std::size_t j = 0; j < dimension_; ++j) out[j] = static_cast<T>(sum[j] * inverse);
}

template <class T>
void EmpiricalFisher<T>::diagonal(std::span<T> out) const {
  if (out.size() != dimension_)
    throw MismatchError("EmpiricalFisher::diagonal: out has " + std::to_string(out.size()) +
                        " elements, the operator has size " + std::to_string(dimension_));
  std::vector<double> sum(dimension_, 0.0);
  for (std::size_t i = 0; i < samples_; ++i) {
    const T* row = gradients_.data() + i * dimension_;
    for (std::size_t j = 0; j < dimension_; ++j) sum[j] += static_cast<double>(row[j]) * static_cast<double>(row[j]);
  }
  const double inverse = 1.0 / static_cast<double>(samples_);
  for (std::size_t j = 0; j < dimension_; ++j) out[j] = static_cast<T>(sum[j] * inverse);
}

template class EmpiricalFisher<float>;
template class EmpiricalFisher<double>;

}  // namespace descent
