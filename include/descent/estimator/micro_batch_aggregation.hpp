// Coherent-gradient estimators: the step's minibatch B (|B| = batch_size, shuffled epochs as
// Minibatch) is cut into k micro-batches B_1..B_k of consecutive batch positions, sizes
// differing by at most one, and the direction is a robust combination of their mean gradients
// g_i = grad f_{B_i}(x) (estimator/robust_aggregation.hpp) instead of their mean grad f_B(x):
//
//   median_of_means(batch_size, k)      coordinate-wise median of the g_i ("M3", Zielinski,
//                                       Krishnan & Chatterjee 2020)
//   winsorized_mean(batch_size, k, c)   coordinate-wise winsorized mean, the c largest and c
//                                       smallest clamped (Chatterjee, ICLR 2020; k = batch_size
//                                       is the paper's per-example winsorized GD)
//   gradient_surgery(batch_size, k)     PCGrad's projection of conflicting gradients (Yu et
//                                       al., NeurIPS 2020) across the micro-batches, averaged
//
// Why (Coherent Gradients): the mean gradient moves the parameters most along directions in
// which many examples agree ("strong" directions), but a few examples with large, idiosyncratic
// gradients (mislabeled ones) still get fitted. A median or a winsorized mean ignores what only
// a minority of micro-batches push for, so those examples are fitted more slowly (less
// memorization) while the directions the majority share are kept. Any transform follows: the
// estimator axis composes with adam, momentum, ...
//
// The value reported is f_B(x), the micro-batch values weighted by their sizes. A micro-batch
// with an empty sample set cannot occur (batch_size >= k is required); a step at the end of an
// epoch whose batch is shorter than k uses as many micro-batches as it has samples.
#pragma once

#include <cstdint>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct MedianOfMeansOptions {
  static constexpr const char* kName = "MedianOfMeansOptions";
  std::int64_t batch_size = 32;  // |B| >= k
  std::int64_t k = 4;            // micro-batches >= 1 (1: the minibatch gradient)
  static const std::vector<Field<MedianOfMeansOptions>>& fields();
};

struct WinsorizedMeanOptions {
  static constexpr const char* kName = "WinsorizedMeanOptions";
  std::int64_t batch_size = 32;  // |B| >= k
  std::int64_t k = 32;           // micro-batches; k = batch_size: per-example gradients (the paper's)
  std::int64_t c = 1;            // values clamped at each end of every coordinate, 2 c < k
  static const std::vector<Field<WinsorizedMeanOptions>>& fields();
};

struct GradientSurgeryOptions {
  static constexpr const char* kName = "GradientSurgeryOptions";
  std::int64_t batch_size = 32;  // |B| >= k
  std::int64_t k = 2;            // micro-batches >= 1
  static const std::vector<Field<GradientSurgeryOptions>>& fields();
};

// The field tables plus batch_size >= k (and 2 c < k): ConfigError naming the field.
void validate(const MedianOfMeansOptions& options);
void validate(const WinsorizedMeanOptions& options);
void validate(const GradientSurgeryOptions& options);

enum class MicroBatchRule { median_of_means, winsorized_mean, gradient_surgery };

template <class T>
class MicroBatchAggregation final : public Estimator<T> {
 public:
  // `seed` seeds the batch sampling stream (Stream::sampling: the same batches as Minibatch
  // with that seed) and, for gradient_surgery, the projection orders (Stream::noise).
  MicroBatchAggregation(MedianOfMeansOptions options, std::uint64_t seed);
  MicroBatchAggregation(WinsorizedMeanOptions options, std::uint64_t seed);
  MicroBatchAggregation(GradientSurgeryOptions options, std::uint64_t seed);

  // "median_of_means(batch_size=32, k=4)", "winsorized_mean(batch_size=32, k=32, c=1)",
  // "gradient_surgery(batch_size=32, k=2)".
  std::string spec() const override;
  // Needs a FiniteSum with samples (MismatchError otherwise); sizes the buffers.
  void bind(const Differentiable<T>& objective) override;
  // k objective calls on the micro-batches; sample_gradients = |B|.
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  // The rule, batch size and k (checked on load), the sampler's and the order stream's positions.
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  MicroBatchRule rule() const noexcept { return rule_; }
  double epochs() const { return sampler_->epochs(); }
  // The last step's batch (micro-batch i is positions [i |B| / k, (i + 1) |B| / k)) and its
  // micro-batch gradients, k rows of the dimension (for tests and diagnostics).
  std::span<const std::size_t> last_batch() const noexcept { return batch_; }
  std::span<const T> last_micro_batch_gradients() const noexcept { return {rows_.data(), used_ * dimension_}; }
  std::size_t last_micro_batches() const noexcept { return used_; }

 private:
  MicroBatchAggregation(MicroBatchRule rule, std::size_t batch_size, std::size_t k, std::size_t c, std::string spec,
                        std::uint64_t seed);
  // PCGrad's order: for each i a uniformly random permutation of the others.
  void draw_orders(std::size_t k);

  MicroBatchRule rule_;
  std::size_t batch_size_, k_, c_;
  std::string spec_;
  SamplerPtr sampler_;
  Random order_stream_;
  const FiniteSum<T>* sum_ = nullptr;
  std::size_t dimension_ = 0;
  std::size_t used_ = 0;
  std::vector<std::size_t> batch_;
  std::vector<T> rows_;
  std::vector<T> scratch_;
  std::vector<std::size_t> order_;
};

}  // namespace descent
