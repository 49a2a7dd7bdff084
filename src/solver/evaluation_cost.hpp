// What one evaluation of an objective costs in per-sample gradients, for the solvers'
// counts (Summary::sample_gradients, data passes = that / n): n for a finite sum, whose
// value_and_gradient is a full pass, and 0 for a function without samples.
#pragma once

#include <cstdint>

#include "descent/objective/objective.hpp"

namespace descent::solver_detail {

template <class T>
std::int64_t samples_per_evaluation(const Differentiable<T>& f) {
  const auto* sum = dynamic_cast<const FiniteSum<T>*>(&f);
  return sum ? static_cast<std::int64_t>(sum->num_samples()) : 0;
}

}  // namespace descent::solver_detail
