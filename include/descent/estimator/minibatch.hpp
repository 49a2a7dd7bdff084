// Minibatch gradient of a finite sum: direction = (1/|B|) sum_{i in B} grad f_i(x).
// Batches are drawn by shuffling: each epoch visits a fresh permutation of 0..n-1 in
// consecutive slices of batch_size (without replacement, as PyTorch's DataLoader with
// shuffle=True and drop_last=False; the last batch of an epoch may be shorter).
// The permutation comes from the estimator's own Random stream (Stream::sampling), so a
// run is reproducible from its seed and resumable from a checkpoint.
#pragma once

#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/estimator.hpp"

namespace descent {

struct MinibatchOptions {
  std::size_t batch_size = 32;  // >= 1
  std::uint64_t seed = 0;       // sampling stream seed
};

template <class T>
class Minibatch final : public Estimator<T> {
 public:
  explicit Minibatch(MinibatchOptions options);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  std::int64_t epoch() const noexcept { return epoch_; }

 private:
  void reshuffle();

  MinibatchOptions options_;
  Random rng_;
  const FiniteSum<T>* sum_ = nullptr;
  std::vector<std::size_t> order_;  // current epoch's permutation
  std::size_t cursor_ = 0;          // next position in order_
  std::int64_t epoch_ = 0;
};

}  // namespace descent
