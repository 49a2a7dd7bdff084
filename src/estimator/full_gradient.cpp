#include "descent/estimator/full_gradient.hpp"

namespace descent {

template <class T>
void FullGradient<T>::bind(const Differentiable<T>& objective) {
  const auto* sum = dynamic_cast<const FiniteSum<T>*>(&objective);
  samples_per_call_ = sum ? static_cast<std::int64_t>(sum->num_samples()) : 0;
}

template <class T>
Estimate<T> FullGradient<T>::estimate(const Differentiable<T>& objective, std::span<const T> x,
                                      std::span<T> direction) {
  return {objective.value_and_gradient(x, direction), 1, samples_per_call_};
}

template class FullGradient<float>;
template class FullGradient<double>;

}  // namespace descent
