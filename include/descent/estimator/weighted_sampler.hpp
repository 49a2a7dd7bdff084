// I.i.d. indices drawn with probabilities proportional to nonnegative weights that change
// as the run goes (importance sampling, adaptive sampling for L-SVRG), optionally mixed
// with the uniform distribution:
//   p_i = (1 - u) w_i / W + u / n,   W = sum_i w_i,   u = uniform share in [0, 1].
// A share u > 0 keeps every p_i >= u / n, which bounds the unbiasing weights 1 / (n p_i)
// by 1 / u. When all weights are 0 the distribution is uniform.
//
// The weights live in a Fenwick (binary indexed) tree of doubles, so setting one weight
// and drawing one index both cost O(log n). Repeated `set()` calls add and subtract
// deltas in the tree's partial sums, which accumulates rounding; the tree is therefore
// rebuilt exactly from the stored weights every n updates (O(n) every n updates, O(1)
// amortized), so the drift never grows beyond n rounding errors.
//
// Randomness: its own Random stream (Stream::sampling, a substream chosen by the owner);
// save()/load() keep the position and the weights, so a checkpoint resumes bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/core/binary_io.hpp"
#include "descent/core/random.hpp"

namespace descent {

class WeightedSampler {
 public:
  // Throws ConfigError unless 0 <= uniform_share <= 1.
  WeightedSampler(double uniform_share, std::uint64_t seed, std::uint32_t substream = 0);

  // n weights, all set at once (O(n)); ConfigError naming the index for a negative,
  // NaN or infinite weight.
  void reset(std::span<const double> weights);
  // w_i <- weight in O(log n); same checks.
  void set(std::size_t i, double weight);

  std::size_t size() const noexcept { return weights_.size(); }
  double uniform_share() const noexcept { return share_; }
  double weight(std::size_t i) const { return weights_.at(i); }
  // W, exact to the tree's rounding (see the header comment).
  double total() const;
  // p_i as defined above.
  double probability(std::size_t i) const;

  // One index drawn from p. Needs size() >= 1.
  std::size_t draw();
  // `count` i.i.d. draws into `out` (replaced, capacity kept).
  void draw(std::size_t count, std::vector<std::size_t>& out);

  std::uint64_t position() const noexcept { return rng_.position(); }
  void save(BinaryWriter& out) const;
  // Checks the count and every weight before assigning anything.
  void load(BinaryReader& in);

 private:
  void rebuild();
  std::size_t descend(double target) const;  // the index whose cumulative-weight interval holds target

  double share_;
  Random rng_;
  std::vector<double> weights_;
  std::vector<double> tree_;  // 1-based Fenwick tree of the weights
  std::size_t updates_since_rebuild_ = 0;
  std::ptrdiff_t positive_ = 0;  // weights > 0: all zero means uniform, exactly
};

}  // namespace descent
