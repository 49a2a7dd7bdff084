// L-SVRG, loopless SVRG (Kovalev, Horváth & Richtárik, "Don't jump through hoops and
// remove those loops: SVRG and Katyusha are better without the outer loop", ALT 2020,
// Algorithm 1). No epochs: at step k, for a batch B drawn uniformly with replacement,
//   direction = grad f_B(x_k) - grad f_B(w_k) + grad f(w_k)
// and then, with probability p, w_{k+1} = x_k (the point just estimated at; a full pass
// recomputes grad f there), else w_{k+1} = w_k. The first call takes w_0 = x_0. With
// p = |B| / n the expected cost per step is a constant number of sample gradients; the
// paper proves linear convergence for strongly convex f with step 1/(6L) and plain SGD.
#pragma once

#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/estimator/snapshot.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct LooplessSvrgOptions {
  static constexpr const char* kName = "LooplessSvrgOptions";
  std::int64_t batch_size = 1;  // |B| >= 1
  double probability = 0;       // p in [0, 1]: chance of a new snapshot after a step; 0: |B| / n
  static const std::vector<Field<LooplessSvrgOptions>>& fields();
};

template <class T>
class LooplessSvrg final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges. `seed` seeds the sampling stream
  // (batches) and, on its own substream, the snapshot coin.
  explicit LooplessSvrg(LooplessSvrgOptions options = {}, std::uint64_t seed = 0);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  // The snapshot probability once bound.
  double probability() const noexcept { return snapshot_.probability(); }
  // Snapshots taken so far (the first, at x_0, included).
  std::int64_t snapshots() const noexcept { return snapshot_.count(); }

 private:
  LooplessSvrgOptions options_;
  SamplerPtr sampler_;
  const FiniteSum<T>* sum_ = nullptr;
  LooplessSnapshot<T> snapshot_;  // with its coin and count
  std::vector<std::size_t> batch_;
};

}  // namespace descent
