// Adaptive batch sizes (Lau, Liu & Kolar, "AdAdaGrad: Adaptive Batch Size Schemes for Adaptive
// Gradient Methods", 2024): the minibatch gradient, with a batch that grows whenever a test on
// the batch's own per-sample gradients says it was too noisy (batch_size_test.hpp):
//   direction_k = (1/b_k) sum_{i in B_k} grad f_i(x_k),   |B_k| = b_k
//   b_{k+1}     = b_k                                        if the test passes at (x_k, B_k)
//               = min(cap, max(b_k, ceil(required_batch)))   if it fails
// with required_batch the smallest batch that would have passed, e.g. for the norm test
//   required_batch = Var_{i in B_k}(grad f_i(x_k)) / (eta^2 ||direction_k||^2),
// the paper's rule (not a geometric factor). The size never decreases; cap = min(max_batch, n).
//
// An estimator, so it composes with any transform: AdAdaGrad is this estimator with the
// `adagrad` transform (test = coordinate is the variant its analysis uses), AdAdaGrad-Norm is it
// with `adagrad_norm` (test = norm). On the command line:
//   --estimator 'adaptive_batch(initial=8, test=0, eta=0.5)' --optimizer 'adagrad_norm(lr=1, b0=0.01)'
//
// Sampling: shuffled epochs, without replacement. Each epoch is a fresh permutation from which
// batches of the current size are cut; when fewer than b_k samples remain in it, a new epoch
// starts (the remainder is skipped, as a data loader's drop_last does). Every batch is thus a
// uniformly random b_k-subset with no repeated sample, and once b_k = n the batch is the whole data
// and the direction is the exact gradient: the method becomes deterministic AdaGrad(-Norm), which
// is the point of growing the batch. (Sampling with replacement would keep noise even at b = n.)
// The test's variance estimate ignores the finite-population factor (n - b)/(n - 1), as the paper
// does, so it errs towards larger batches.
//
// Cost per step: while b_k < cap, the test needs each sample's gradient. For a generalized-linear
// objective (least squares, logistic regression) they come from the scalar per-sample slopes of one
// pass, so a step costs b_k sample gradients in one call; otherwise the batch gradient and the
// per-sample gradients are two passes (2 b_k sample gradients, counted as such). At b_k = cap the
// size can no longer change, the test is skipped, and a step is one batch gradient (b_k).
#pragma once

#include <cstdint>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/batch_size_test.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct AdaptiveBatchOptions {
  static constexpr const char* kName = "AdaptiveBatchOptions";
  std::int64_t initial = 8;    // b_0 >= 2 (a sample variance needs two gradients); capped at n
  std::int64_t test = 0;       // 0: norm test, 1: augmented inner-product test, 2: coordinate-wise norm test
  double eta = 0.5;            // norm and coordinate tests: Var/b <= eta^2 ||g||^2 (resp. per coordinate), > 0
  double theta = 0.9;          // inner-product condition Var(<g_i, g>)/b <= theta^2 ||g||^4, > 0
  double nu = 5.84;            // orthogonality condition Var(g_i orthogonal to g)/b <= nu^2 ||g||^2, > 0
  std::int64_t max_batch = 0;  // cap on b_k: 0 (n) or >= initial; larger than n means n
  static const std::vector<Field<AdaptiveBatchOptions>>& fields();
};

// One change of the batch size: from `step` (0-based, counting estimate() calls) on, batches
// have `batch_size` samples.
struct BatchSizeChange {
  std::int64_t step = 0;
  std::int64_t batch_size = 0;
  bool operator==(const BatchSizeChange&) const = default;
};

template <class T>
class AdaptiveBatch final : public Estimator<T> {
 public:
  // Throws ConfigError naming the option for values outside their ranges. `seed` seeds the
  // sampling stream.
  explicit AdaptiveBatch(AdaptiveBatchOptions options = {}, std::uint64_t seed = 0);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  // Sampling position, the current size and the history of sizes; the last test's statistics
  // are diagnostics and are not saved.
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  // The size the next batch will have.
  std::int64_t batch_size() const noexcept { return size_; }
  // Every size used so far, as change points: {0, b_0} first, then one entry per growth. (Change
  // points rather than one entry per step, so that a long run's history stays small.)
  const std::vector<BatchSizeChange>& history() const noexcept { return history_; }
  // The statistics of the last test; samples == 0 before the first test.
  const BatchTestResult& last_test() const noexcept { return last_test_; }
  // The indices of the last batch drawn (no index repeats within a batch).
  const std::vector<std::size_t>& last_batch() const noexcept { return batch_; }
  // min(max_batch, n) once bound (max_batch = 0: n).
  std::int64_t cap() const noexcept { return cap_; }
  std::int64_t steps() const noexcept { return steps_; }
  // Epochs started so far.
  double epochs() const noexcept { return static_cast<double>(epoch_); }

 private:
  void draw_batch();
  T test_generalized_linear(std::span<const T> x, std::span<T> direction);
  T test_generic(std::span<const T> x, std::span<T> direction, std::int64_t* calls);

  AdaptiveBatchOptions options_;
  std::uint64_t seed_;
  Random rng_;
  BatchTestAccumulator accumulator_;
  const FiniteSum<T>* sum_ = nullptr;
  std::int64_t cap_ = 0;
  std::int64_t size_ = 0;
  std::int64_t steps_ = 0;
  std::vector<std::size_t> order_;  // this epoch's permutation
  std::size_t cursor_ = 0;          // next unused position in order_
  std::int64_t epoch_ = 0;
  std::vector<BatchSizeChange> history_;
  BatchTestResult last_test_;
  // Scratch, sized in bind() (slopes: to the cap) so that steps allocate nothing.
  std::vector<std::size_t> batch_;
  std::vector<T> slopes_, coefficients_, regularizer_, row_, rows_;
};

}  // namespace descent
