// An estimator turns the objective and the current x into a direction (usually an
// estimate of the gradient). It is the axis where most of the gradient-descent
// literature lives, so the interface leaves room for all of it:
//   - several objective calls per step (SAM: gradient at a perturbed point);
//   - state of its own across steps (SVRG snapshots, SAGA tables, a privacy ledger),
//     saved and restored with save()/load() so that checkpoints resume bit for bit;
//   - finite-sum structure (minibatches, per-sample gradients for DP-SGD), obtained
//     once in bind() by checking the objective's interface, with a clear error when the
//     objective lacks it.
// Randomness comes from a Random stream the estimator owns; its position is saved.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "descent/core/binary_io.hpp"
#include "descent/objective/objective.hpp"
#include "descent/privacy/accountant.hpp"

namespace descent {

template <class T>
struct Estimate {
  T value = 0;                        // the objective (or batch) value at x the estimate saw
  std::int64_t objective_calls = 0;   // value-and-gradient calls made
  std::int64_t sample_gradients = 0;  // per-sample gradients computed (data passes = this / n)
};

template <class T>
class Estimator {
 public:
  virtual ~Estimator() = default;
  virtual std::string spec() const = 0;

  // Called once before the first step with the objective it will be used on; checks
  // that the objective has the structure the estimator needs and sizes buffers.
  virtual void bind(const Differentiable<T>& objective) = 0;

  // Writes the direction at x. Must be called after bind() with the same objective.
  virtual Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) = 0;

  // The samples one step uses in expectation, for an estimator that fixes it itself
  // (DP-SGD: q n under Poisson sampling, or its batch size): train() then makes an epoch
  // round(n / this) steps, one pass of fresh samples, whatever TrainOptions::batch_size says.
  // nullopt (every other estimator): TrainOptions::batch_size and sampling decide, as they
  // always have for them.
  virtual std::optional<double> samples_per_step(std::size_t /*n*/) const { return std::nullopt; }

  // What a private estimator (DP-SGD) has spent: the Gaussian steps it has run, counted
  // across a resume, for an accountant (privacy/accountant.hpp) to turn into epsilon at a
  // delta. nullopt for every estimator that gives no privacy guarantee.
  virtual std::optional<GaussianSteps> privacy_ledger() const { return std::nullopt; }

  // Persistent state for checkpoints (RNG position, snapshots, tables).
  virtual void save(BinaryWriter& out) const = 0;
  virtual void load(BinaryReader& in) = 0;
};

template <class T>
using EstimatorPtr = std::shared_ptr<Estimator<T>>;

}  // namespace descent
