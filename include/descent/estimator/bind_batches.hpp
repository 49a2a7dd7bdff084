// What an estimator that draws its own batches (sam, igt) checks when it is bound: with a
// sampler it needs a finite sum with samples, and it reserves the batch buffer so that the
// first step does not allocate. Returns the objective as a finite sum (null when it is not one
// and no sampler is used: such an estimator then takes the full gradient).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/objective/objective.hpp"

namespace descent {

template <class T>
const FiniteSum<T>* bind_batches(const Differentiable<T>& objective, Sampler* sampler, std::string_view estimator,
                                 std::int64_t batch_size, std::vector<std::size_t>& batch) {
  const auto* sum = dynamic_cast<const FiniteSum<T>*>(&objective);
  if (sampler == nullptr) return sum;
  const std::string name(estimator);
  if (sum == nullptr)
    throw MismatchError("the " + name + " estimator with batch_size = " + std::to_string(batch_size) +
                        " needs a finite-sum objective; '" + objective.name() +
                        "' is not one (use batch_size = 0 for the full gradient)");
  if (sum->num_samples() == 0)
    throw MismatchError("the " + name + " estimator: objective '" + sum->name() + "' has no samples");
  sampler->bind(sum->num_samples());
  // The shuffle sampler's batches never exceed batch_size.
  batch.reserve(std::min(static_cast<std::size_t>(batch_size), sum->num_samples()));
  return sum;
}

}  // namespace descent
