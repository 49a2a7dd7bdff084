#include "descent/solver/block_selection.hpp"

#include <algorithm>
#include <numeric>

#include "descent/core/error.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

const std::vector<std::string>& block_rule_names() {
  static const std::vector<std::string> names = {"cyclic",
                                                 "random",
                                                 "lipschitz_sampling",
                                                 "gauss_southwell",
                                                 "gauss_southwell_lipschitz",
                                                 "gauss_southwell_quadratic"};
  return names;
}

BlockRule block_rule(const std::string& name) {
  const auto& names = block_rule_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw ConfigError("unknown block rule '" + name + "': " + describe_choices(names));
  return static_cast<BlockRule>(it - names.begin());
}

bool is_greedy(BlockRule rule) {
  return rule == BlockRule::gauss_southwell || rule == BlockRule::gauss_southwell_lipschitz ||
         rule == BlockRule::gauss_southwell_quadratic;
}

BlockPartition::BlockPartition(std::vector<std::size_t> order, std::size_t size) : order_(std::move(order)) {
  if (size == 0) throw ConfigError("a block partition needs blocks of at least one coordinate");
  const std::size_t d = order_.size();
  for (std::size_t start = 0; start < d; start += size) offsets_.push_back(start);
  offsets_.push_back(d);
  block_of_.resize(d);
  for (std::size_t b = 0; b + 1 < offsets_.size(); ++b)
    for (std::size_t k = offsets_[b]; k < offsets_[b + 1]; ++k) block_of_[order_[k]] = b;
}

BlockPartition BlockPartition::contiguous(std::size_t dimension, std::size_t size) {
  std::vector<std::size_t> order(dimension);
  std::iota(order.begin(), order.end(), std::size_t{0});
  return BlockPartition(std::move(order), size);
}

BlockPartition BlockPartition::sorted(std::span<const double> lipschitz, std::size_t size) {
  std::vector<std::size_t> order(lipschitz.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return lipschitz[a] > lipschitz[b]; });
  return BlockPartition(std::move(order), size);
}

BlockSelector::BlockSelector(BlockRule rule, const BlockPartition& blocks, std::vector<double> block_lipschitz,
                             std::vector<std::vector<double>> inverse_curvatures, std::uint64_t seed)
    : rule_(rule),
      blocks_(blocks),
      lipschitz_(std::move(block_lipschitz)),
      inverse_curvatures_(std::move(inverse_curvatures)),
      random_(seed, Stream::sampling) {
  const std::size_t m = blocks_.size();
  if (lipschitz_.size() != m)
    throw MismatchError("block selection: " + std::to_string(lipschitz_.size()) + " Lipschitz constants for " +
                        std::to_string(m) + " blocks");
  if (rule_ == BlockRule::gauss_southwell_quadratic) {
    if (inverse_curvatures_.size() != m)
      throw MismatchError("block selection: " + std::to_string(inverse_curvatures_.size()) +
                          " inverse curvature matrices for " + std::to_string(m) + " blocks");
    for (std::size_t b = 0; b < m; ++b)
      if (inverse_curvatures_[b].size() != blocks_.block(b).size() * blocks_.block(b).size())
        throw MismatchError("block selection: the inverse curvature matrix of block " + std::to_string(b) + " has " +
                            std::to_string(inverse_curvatures_[b].size()) + " entries");
  }
  if (rule_ == BlockRule::lipschitz_sampling) {
    cumulative_.resize(m);
    std::partial_sum(lipschitz_.begin(), lipschitz_.end(), cumulative_.begin());
  }
  if (is_greedy(rule_)) {
    while (leaves_ < m) leaves_ *= 2;
    scores_.assign(m, 0.0);
    winner_.assign(2 * leaves_, 0);
    pending_.assign(m, 0);
  }
}

double BlockSelector::block_score(std::size_t b, std::span<const double> g) const {
  const auto block = blocks_.block(b);
  if (rule_ == BlockRule::gauss_southwell_quadratic) {
    const std::vector<double>& inverse = inverse_curvatures_[b];
    const std::size_t m = block.size();
    double quadratic = 0;
    for (std::size_t r = 0; r < m; ++r) {
      double row = 0;
      for (std::size_t c = 0; c < m; ++c) row += inverse[r * m + c] * g[block[c]];
      quadratic += g[block[r]] * row;
    }
    return quadratic;
  }
  double squares = 0;
  for (std::size_t j : block) squares += g[j] * g[j];
  if (rule_ == BlockRule::gauss_southwell) return squares;
  // A block with L_b = 0 is one f does not depend on: its gradient is 0 and so is its score.
  return lipschitz_[b] > 0 ? squares / lipschitz_[b] : 0.0;
}

void BlockSelector::replay(std::size_t node) {
  for (node /= 2; node >= 1; node /= 2) {
    const std::size_t left = winner_[2 * node], right = winner_[2 * node + 1];
    // Ties to the lower index: the right subtree holds higher indices and wins only when strictly better.
    winner_[node] = scores_[right] > scores_[left] ? right : left;
  }
}

void BlockSelector::rescore(std::span<const double> gradient) {
  if (!is_greedy(rule_)) return;
  const std::size_t m = blocks_.size();
  if (gradient.size() != blocks_.dimension())
    throw MismatchError("block selection: a gradient of " + std::to_string(gradient.size()) + " entries for " +
                        std::to_string(blocks_.dimension()) + " coordinates");
  for (std::size_t b = 0; b < m; ++b) scores_[b] = block_score(b, gradient);
  // Padding leaves stand for the last block: a subtree of padding only always answers the
  // last block, and every subtree mixing padding and real leaves holds the last block's
  // leaf, so replaying that leaf's path keeps the whole tree current.
  for (std::size_t leaf = 0; leaf < leaves_; ++leaf) winner_[leaves_ + leaf] = std::min(leaf, m - 1);
  for (std::size_t node = leaves_ - 1; node >= 1; --node) {
    const std::size_t left = winner_[2 * node], right = winner_[2 * node + 1];
    winner_[node] = scores_[right] > scores_[left] ? right : left;
  }
}

void BlockSelector::rescore(std::span<const double> gradient, std::span<const std::size_t> changed) {
  if (!is_greedy(rule_)) return;
  pending_list_.clear();
  for (std::size_t j : changed) {
    const std::size_t b = blocks_.block_of(j);
    if (pending_[b]) continue;
    pending_[b] = 1;
    pending_list_.push_back(b);
  }
  for (std::size_t b : pending_list_) {
    pending_[b] = 0;
    scores_[b] = block_score(b, gradient);
    replay(leaves_ + b);
  }
}

std::size_t BlockSelector::next() {
  const std::size_t m = blocks_.size();
  switch (rule_) {
    case BlockRule::cyclic:
      return static_cast<std::size_t>(step_++ % m);
    case BlockRule::random:
      return static_cast<std::size_t>(random_.below(m));
    case BlockRule::lipschitz_sampling: {
      const double total = cumulative_.back();
      if (!(total > 0)) return static_cast<std::size_t>(random_.below(m));
      // The first block whose running sum exceeds u total: probability L_b / total.
      const double u = random_.uniform() * total;
      const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
      return std::min(static_cast<std::size_t>(it - cumulative_.begin()), m - 1);
    }
    default:
      return winner_[1];
  }
}

}  // namespace descent
