#include "descent/estimator/weighted_sampler.hpp"

#include <bit>
#include <cmath>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

namespace {

void check_weight(std::size_t i, double w) {
  if (!(std::isfinite(w) && w >= 0))
    throw ConfigError("WeightedSampler: weight[" + std::to_string(i) + "] = " + format_number(w) +
                      " is not a finite number >= 0");
}

}  // namespace

WeightedSampler::WeightedSampler(double uniform_share, std::uint64_t seed, std::uint32_t substream)
    : share_(uniform_share), rng_(seed, Stream::sampling, substream) {
  require(uniform_share >= 0 && uniform_share <= 1, "WeightedSampler", "uniform_share", uniform_share,
          "0 <= uniform_share <= 1");
}

void WeightedSampler::reset(std::span<const double> weights) {
  for (std::size_t i = 0; i < weights.size(); ++i) check_weight(i, weights[i]);
  weights_.assign(weights.begin(), weights.end());
  rebuild();
}

void WeightedSampler::rebuild() {
  // O(n) construction: each node passes its partial sum on to its parent.
  const std::size_t n = weights_.size();
  tree_.assign(n + 1, 0.0);
  positive_ = 0;
  for (double w : weights_) positive_ += w > 0 ? 1 : 0;
  for (std::size_t i = 1; i <= n; ++i) {
    tree_[i] += weights_[i - 1];
    const std::size_t parent = i + (i & (~i + 1));
    if (parent <= n) tree_[parent] += tree_[i];
  }
  updates_since_rebuild_ = 0;
}

void WeightedSampler::set(std::size_t i, double weight) {
  if (i >= weights_.size())
    throw ConfigError("WeightedSampler: index " + std::to_string(i) + " beyond " + std::to_string(weights_.size()) +
                      " weights");
  check_weight(i, weight);
  const double delta = weight - weights_[i];
  positive_ += (weight > 0 ? 1 : 0) - (weights_[i] > 0 ? 1 : 0);
  weights_[i] = weight;
  if (++updates_since_rebuild_ >= weights_.size()) {
    rebuild();
    return;
  }
  for (std::size_t k = i + 1; k < tree_.size(); k += k & (~k + 1)) tree_[k] += delta;
}

double WeightedSampler::total() const {
  if (positive_ == 0) return 0;  // exactly, whatever rounding residue the partial sums hold
  double s = 0;
  for (std::size_t k = weights_.size(); k > 0; k -= k & (~k + 1)) s += tree_[k];
  // Deltas that cancel may leave a tiny negative rounding residue: the weights are >= 0.
  return s > 0 ? s : 0.0;
}

double WeightedSampler::probability(std::size_t i) const {
  const double n = static_cast<double>(weights_.size());
  const double w = total();
  if (!(w > 0)) return 1 / n;
  return (1 - share_) * weights_.at(i) / w + share_ / n;
}

std::size_t WeightedSampler::descend(double target) const {
  // Standard Fenwick search: the largest prefix whose sum is <= target, one power of two
  // at a time; the answer is the index right after it.
  const std::size_t n = weights_.size();
  std::size_t pos = 0;
  for (std::size_t step = std::bit_floor(n); step > 0; step >>= 1) {
    if (pos + step <= n && tree_[pos + step] <= target) {
      pos += step;
      target -= tree_[pos];
    }
  }
  // Rounding in the partial sums can land on an index of weight 0 (or past the end when
  // target is within rounding of W): take the nearest index with positive weight.
  if (pos < n && weights_[pos] > 0) return pos;
  for (std::size_t k = std::min(pos, n - 1) + 1; k-- > 0;)
    if (weights_[k] > 0) return k;
  for (std::size_t k = pos; k < n; ++k)
    if (weights_[k] > 0) return k;
  return std::min(pos, n - 1);
}

std::size_t WeightedSampler::draw() {
  const std::size_t n = weights_.size();
  if (n == 0) throw MismatchError("WeightedSampler: draw() with no weights");
  // One uniform decides the mixture component, a second the index within it; both are
  // always consumed, so the stream advances by a fixed amount per draw.
  const double component = rng_.uniform();
  const double where = rng_.uniform();
  const double w = total();
  if (component < share_ || !(w > 0)) {
    const auto i = static_cast<std::size_t>(where * static_cast<double>(n));
    return std::min(i, n - 1);
  }
  return descend(where * w);
}

void WeightedSampler::draw(std::size_t count, std::vector<std::size_t>& out) {
  out.clear();
  for (std::size_t k = 0; k < count; ++k) out.push_back(draw());
}

void WeightedSampler::save(BinaryWriter& out) const {
  out.u64(rng_.position());
  out.array(std::span<const double>(weights_));
  // The partial sums too: after set() they carry the rounding of their history, and a
  // tree rebuilt on load would differ in the last bits, so draws would not resume exactly.
  out.array(std::span<const double>(tree_));
  out.u64(updates_since_rebuild_);
}

void WeightedSampler::load(BinaryReader& in) {
  const std::uint64_t position = in.u64("weighted sampler rng position");
  auto weights = in.array<double>("weighted sampler weights");
  if (weights.size() != weights_.size())
    in.fail("weighted sampler has " + std::to_string(weights.size()) + " weights, expected " +
            std::to_string(weights_.size()));
  for (std::size_t i = 0; i < weights.size(); ++i)
    if (!(std::isfinite(weights[i]) && weights[i] >= 0))
      in.fail("weighted sampler weight " + std::to_string(i) + " is negative or not finite");
  auto tree = in.array<double>("weighted sampler partial sums");
  const std::uint64_t updates = in.u64("weighted sampler updates since rebuild");
  if (tree.size() != weights.size() + 1) in.fail("weighted sampler partial sums do not match the weights");
  for (double v : tree)
    if (!std::isfinite(v)) in.fail("weighted sampler partial sum is not finite");
  rng_.seek(position);
  weights_ = std::move(weights);
  rebuild();  // recounts the positive weights; then the saved sums replace the fresh ones
  tree_ = std::move(tree);
  updates_since_rebuild_ = static_cast<std::size_t>(updates);
}

}  // namespace descent
