// The checks every finite-sum estimator makes in bind() and estimate(), with one wording.
#pragma once

#include <string>

#include "descent/core/error.hpp"
#include "descent/objective/objective.hpp"

namespace descent::detail {

// The objective as a finite sum with at least one sample, or MismatchError naming the estimator.
template <class T>
const FiniteSum<T>& require_finite_sum(const Differentiable<T>& objective, const char* estimator) {
  const auto* sum = dynamic_cast<const FiniteSum<T>*>(&objective);
  if (sum == nullptr)
    throw MismatchError(std::string("the ") + estimator + " estimator needs a finite-sum objective; '" +
                        objective.name() + "' is not one (use the full gradient)");
  if (sum->num_samples() == 0)
    throw MismatchError(std::string("the ") + estimator + " estimator: objective '" + sum->name() +
                        "' has no samples");
  return *sum;
}

template <class T>
void require_bound(const FiniteSum<T>* sum, const char* estimator) {
  if (sum == nullptr) throw MismatchError(std::string(estimator) + " estimator used before bind()");
}

}  // namespace descent::detail
