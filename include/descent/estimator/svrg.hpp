// SVRG (Johnson & Zhang, "Accelerating stochastic gradient descent using predictive
// variance reduction", NeurIPS 2013), with the snapshot taken at the last iterate
// (the paper's option I, the one its experiments use). Every epoch_length steps:
//   w <- x,  mu <- grad f(w)                      (one full pass)
// and at every step, for a batch B of batch_size indices drawn uniformly with replacement:
//   direction = grad f_B(x) - grad f_B(w) + mu.
// With plain sgd(lr) as the transform this is the paper's inner loop x <- x - lr * direction;
// any other transform chain composes with it. Counts per step: 2|B| sample gradients in 2
// objective calls, plus n in one more call on a snapshot step.
#pragma once

#include <vector>

#include "descent/estimator/estimator.hpp"
#include "descent/estimator/snapshot.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct SvrgOptions {
  static constexpr const char* kName = "SvrgOptions";
  std::int64_t batch_size = 1;    // |B| >= 1
  std::int64_t epoch_length = 0;  // m >= 0 steps between snapshots; 0: 2n / batch_size (the paper's m = 2n)
  static const std::vector<Field<SvrgOptions>>& fields();
};

template <class T>
class Svrg final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges. `seed` seeds the sampling stream.
  explicit Svrg(SvrgOptions options = {}, std::uint64_t seed = 0);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  // Steps between snapshots once bound (epoch_length, or its default for this n).
  std::int64_t epoch_length() const noexcept { return length_; }

 private:
  SvrgOptions options_;
  SamplerPtr sampler_;
  const FiniteSum<T>* sum_ = nullptr;
  Snapshot<T> snapshot_;
  std::vector<std::size_t> batch_;
  std::int64_t length_ = 0;
  std::int64_t since_snapshot_ = 0;  // steps taken with the current snapshot
};

}  // namespace descent
