// Which block (block) coordinate descent updates next: the partition of the coordinates into
// fixed blocks, and the selection rules of Nutini et al. (ICML 2015; JMLR 2022, section 2).
// With g = grad f(x_k), L_b the block's Lipschitz constant and M_b its curvature matrix
// (solver/coordinate_problem.hpp), the rules pick
//   cyclic                      b = k mod (number of blocks), in partition order
//   random                      b uniform
//   lipschitz_sampling          b with probability L_b / sum_c L_c
//   gauss_southwell             argmax_b |g_b|              (GS)
//   gauss_southwell_lipschitz   argmax_b |g_b|^2 / L_b      (GSL)
//   gauss_southwell_quadratic   argmax_b g_b^T M_b^{-1} g_b (GSQ; the pseudo-inverse where
//                               M_b is singular)
// For one-coordinate blocks GS is argmax |g_j| and GSL and GSQ are argmax |g_j| / sqrt(L_j).
// Ties go to the lowest block index. The greedy scores are the progress each block's update
// guarantees, up to a factor 1/2: f(x - g_b / L_b) <= f(x) - |g_b|^2 / (2 L_b) and
// f(x - M_b^{-1} g_b) <= f(x) - g_b^T M_b^{-1} g_b / 2.
//
// The greedy scores sit in a tournament tree, so that after a move that changed a few
// gradient entries (sparse data) the next choice costs O(changed log blocks), not O(d).
// Randomness comes from Random(seed, Stream::sampling): one below() draw per step for
// random, one uniform() draw for lipschitz_sampling.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/core/random.hpp"

namespace descent {

enum class BlockRule {
  cyclic,
  random,
  lipschitz_sampling,
  gauss_southwell,
  gauss_southwell_lipschitz,
  gauss_southwell_quadratic
};

// The rules' spec names, in the enum's order.
const std::vector<std::string>& block_rule_names();
// Throws ConfigError for a name not in block_rule_names().
BlockRule block_rule(const std::string& name);
// True for the Gauss-Southwell family, which needs the whole gradient.
bool is_greedy(BlockRule rule);

// A partition of coordinates 0..d-1 into fixed blocks.
class BlockPartition {
 public:
  // Blocks of `size` consecutive coordinates (the last may be smaller).
  static BlockPartition contiguous(std::size_t dimension, std::size_t size);
  // Blocks of `size` coordinates taken in decreasing order of L_j (ties: lower index first),
  // so that each block gathers coordinates of similar curvature and L_b stays close to
  // its members' L_j (the "sorted" fixed partition Nutini et al. 2022 compare).
  static BlockPartition sorted(std::span<const double> lipschitz, std::size_t size);

  std::size_t size() const noexcept { return offsets_.size() - 1; }  // number of blocks
  std::size_t dimension() const noexcept { return order_.size(); }
  std::span<const std::size_t> block(std::size_t b) const {
    return std::span<const std::size_t>(order_).subspan(offsets_[b], offsets_[b + 1] - offsets_[b]);
  }
  std::size_t block_of(std::size_t j) const { return block_of_[j]; }

 private:
  BlockPartition(std::vector<std::size_t> order, std::size_t size);
  std::vector<std::size_t> order_;    // coordinates, block after block
  std::vector<std::size_t> offsets_;  // blocks + 1
  std::vector<std::size_t> block_of_;
};

class BlockSelector {
 public:
  // block_lipschitz: L_b for each block of `blocks`. inverse_curvatures: for
  // gauss_southwell_quadratic, M_b^{-1} (|b| x |b| row-major) for each block; ignored
  // otherwise. Throws MismatchError when the sizes do not match the partition. `blocks` is
  // kept by reference and must outlive the selector.
  BlockSelector(BlockRule rule, const BlockPartition& blocks, std::vector<double> block_lipschitz,
                std::vector<std::vector<double>> inverse_curvatures, std::uint64_t seed);

  BlockRule rule() const noexcept { return rule_; }
  // Greedy rules: scores every block from the gradient (O(d)).
  void rescore(std::span<const double> gradient);
  // Greedy rules: rescores the blocks holding the `changed` coordinates only.
  void rescore(std::span<const double> gradient, std::span<const std::size_t> changed);
  // The block to update now (greedy rules: from the last rescore).
  std::size_t next();
  // A greedy rule's score of block b as of the last rescore (see the header comment).
  double score(std::size_t b) const { return scores_[b]; }

 private:
  double block_score(std::size_t b, std::span<const double> gradient) const;
  void replay(std::size_t leaf);  // the tournament from leaf `leaf` up to the root

  BlockRule rule_;
  const BlockPartition& blocks_;
  std::vector<double> lipschitz_, cumulative_;  // cumulative: lipschitz_sampling's sums
  std::vector<std::vector<double>> inverse_curvatures_;
  Random random_;
  std::uint64_t step_ = 0;
  std::vector<double> scores_;
  std::size_t leaves_ = 1;           // a power of two >= number of blocks
  std::vector<std::size_t> winner_;  // 2 * leaves_: the winning block of each subtree
  std::vector<char> pending_;        // rescore(changed)'s flags, one per block
  std::vector<std::size_t> pending_list_;
};

}  // namespace descent
