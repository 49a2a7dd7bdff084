// The selection rules of block coordinate descent against hand-written references: which
// coordinate or block each rule picks for a given gradient and given Lipschitz constants,
// ties, the replay of the seeded draws, and the tournament tree's partial rescoring.
#include "descent/solver/block_selection.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {
namespace {

const std::vector<std::vector<double>> kNoInverses;

TEST(BlockSelection, RuleNamesRoundTrip) {
  for (const std::string& name : block_rule_names()) EXPECT_EQ(block_rule_names()[std::size_t(block_rule(name))], name);
  EXPECT_THROW(block_rule("steepest"), ConfigError);
  EXPECT_FALSE(is_greedy(BlockRule::cyclic));
  EXPECT_FALSE(is_greedy(BlockRule::lipschitz_sampling));
  EXPECT_TRUE(is_greedy(BlockRule::gauss_southwell_lipschitz));
}

TEST(BlockSelection, CoordinateRulesPickTheReferenceCoordinate) {
  // g and L chosen so that every greedy rule disagrees with the others:
  //   |g_j|            = 0.3, 2.0, 1.0, 0.5, 0.05   -> GS picks 1
  //   |g_j| / sqrt(L_j) = 0.3, 0.5, 1.0, 1.58, 0.5  -> GSL (and GSQ, M_j = L_j) pick 3
  const std::vector<double> g = {0.3, -2.0, 1.0, -0.5, 0.05};
  const std::vector<double> L = {1.0, 16.0, 1.0, 0.1, 0.01};
  const BlockPartition blocks = BlockPartition::contiguous(5, 1);
  ASSERT_EQ(blocks.size(), 5u);
  std::vector<std::vector<double>> inverses;
  for (double l : L) inverses.push_back({1 / l});

  // The reference: argmax of the rule's score by a plain scan, lowest index on ties.
  auto argmax = [&](auto score) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < g.size(); ++j)
      if (score(j) > score(best)) best = j;
    return best;
  };
  const std::size_t gs = argmax([&](std::size_t j) { return std::abs(g[j]); });
  const std::size_t gsl = argmax([&](std::size_t j) { return std::abs(g[j]) / std::sqrt(L[j]); });
  ASSERT_EQ(gs, 1u);
  ASSERT_EQ(gsl, 3u);

  BlockSelector by_gs(BlockRule::gauss_southwell, blocks, L, kNoInverses, 0);
  by_gs.rescore(g);
  EXPECT_EQ(by_gs.next(), gs);
  EXPECT_DOUBLE_EQ(by_gs.score(1), 4.0);  // |g_1|^2
  BlockSelector by_gsl(BlockRule::gauss_southwell_lipschitz, blocks, L, kNoInverses, 0);
  by_gsl.rescore(g);
  EXPECT_EQ(by_gsl.next(), gsl);
  EXPECT_DOUBLE_EQ(by_gsl.score(3), 0.25 / 0.1);  // |g_3|^2 / L_3
  BlockSelector by_gsq(BlockRule::gauss_southwell_quadratic, blocks, L, inverses, 0);
  by_gsq.rescore(g);
  EXPECT_EQ(by_gsq.next(), gsl);
}

TEST(BlockSelection, BlockRulesPickTheReferenceBlock) {
  // Blocks {0, 1}, {2, 3}, {4}: |g_b|^2 = 4.09, 1.25, 0.0025.
  const std::vector<double> g = {0.3, -2.0, 1.0, -0.5, 0.05};
  const BlockPartition blocks = BlockPartition::contiguous(5, 2);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks.block(2).size(), 1u);
  // L_b chosen so that GSL prefers block 1: 4.09 / 10 = 0.409 < 1.25 / 2 = 0.625 > 0.0025 / 0.01 = 0.25.
  const std::vector<double> L = {10.0, 2.0, 0.01};
  // M_b^{-1} for GSQ: block 0 gets diag(1/0.01, 1) so that g_0^2 / 0.01 = 9 dominates,
  // block 1 the inverse of [[2, 1], [1, 2]] = [[2, -1], [-1, 2]] / 3, block 2 [1 / 0.01].
  const std::vector<std::vector<double>> inverses = {
      {100.0, 0.0, 0.0, 1.0}, {2.0 / 3, -1.0 / 3, -1.0 / 3, 2.0 / 3}, {100.0}};
  // References: GSQ's scores written out, g_b^T M_b^{-1} g_b.
  const double gsq0 = 100 * 0.09 + 4.0;                                        // 13
  const double gsq1 = (2 * 1.0 * 1.0 - 2 * 1.0 * -0.5 + 2 * -0.5 * -0.5) / 3;  // (2 g0^2 - 2 g0 g1 + 2 g1^2) / 3
  const double gsq2 = 100 * 0.0025;

  BlockSelector by_gs(BlockRule::gauss_southwell, blocks, L, kNoInverses, 0);
  by_gs.rescore(g);
  EXPECT_EQ(by_gs.next(), 0u);
  EXPECT_NEAR(by_gs.score(0), 4.09, 1e-15);
  BlockSelector by_gsl(BlockRule::gauss_southwell_lipschitz, blocks, L, kNoInverses, 0);
  by_gsl.rescore(g);
  EXPECT_EQ(by_gsl.next(), 1u);
  EXPECT_NEAR(by_gsl.score(1), 0.625, 1e-15);
  BlockSelector by_gsq(BlockRule::gauss_southwell_quadratic, blocks, L, inverses, 0);
  by_gsq.rescore(g);
  EXPECT_EQ(by_gsq.next(), 0u);
  EXPECT_NEAR(by_gsq.score(0), gsq0, 1e-13);
  EXPECT_NEAR(by_gsq.score(1), gsq1, 1e-15);
  EXPECT_NEAR(by_gsq.score(2), gsq2, 1e-15);
}

TEST(BlockSelection, TiesGoToTheLowestIndex) {
  const std::vector<double> g = {1.0, -3.0, 2.0, 3.0, -3.0, 0.0};
  const BlockPartition blocks = BlockPartition::contiguous(6, 1);
  BlockSelector s(BlockRule::gauss_southwell, blocks, std::vector<double>(6, 1.0), kNoInverses, 0);
  s.rescore(g);
  EXPECT_EQ(s.next(), 1u);
}

TEST(BlockSelection, PartialRescoringEqualsAFullOne) {
  // 13 blocks (not a power of two, so the tree has padding leaves): change a few gradient
  // entries at a time and compare the choice with a selector rescored from scratch.
  const std::size_t d = 25;
  const BlockPartition blocks = BlockPartition::contiguous(d, 2);
  std::vector<double> L(blocks.size());
  for (std::size_t b = 0; b < L.size(); ++b) L[b] = 1.0 + double(b % 4);
  std::vector<double> g(d);
  Random rng(3, Stream::noise);
  for (auto& v : g) v = rng.normal();
  BlockSelector partial(BlockRule::gauss_southwell_lipschitz, blocks, L, kNoInverses, 0);
  partial.rescore(g);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> changed;
    for (int c = 0; c < 3; ++c) {
      const std::size_t j = rng.below(d);
      // Sometimes zero the current winner's entries, so that the winner has to move.
      g[j] = round % 5 == 0 ? 0.0 : rng.normal();
      changed.push_back(j);
    }
    partial.rescore(g, changed);
    BlockSelector full(BlockRule::gauss_southwell_lipschitz, blocks, L, kNoInverses, 0);
    full.rescore(g);
    ASSERT_EQ(partial.next(), full.next()) << "round " << round;
  }
}

TEST(BlockSelection, CyclicVisitsTheBlocksInOrder) {
  const BlockPartition blocks = BlockPartition::contiguous(7, 3);
  BlockSelector s(BlockRule::cyclic, blocks, {1, 1, 1}, kNoInverses, 0);
  const std::vector<std::size_t> expected = {0, 1, 2, 0, 1, 2, 0};
  for (std::size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(s.next(), expected[k]);
}

TEST(BlockSelection, RandomReplaysItsStream) {
  const BlockPartition blocks = BlockPartition::contiguous(10, 1);
  BlockSelector s(BlockRule::random, blocks, std::vector<double>(10, 1.0), kNoInverses, 42);
  Random reference(42, Stream::sampling);
  for (int k = 0; k < 100; ++k) EXPECT_EQ(s.next(), reference.below(10));
}

TEST(BlockSelection, LipschitzSamplingReplaysAndFollowsTheConstants) {
  const std::vector<double> L = {1.0, 4.0, 0.5, 2.5};  // total 8
  const BlockPartition blocks = BlockPartition::contiguous(4, 1);
  BlockSelector s(BlockRule::lipschitz_sampling, blocks, L, kNoInverses, 9);
  // The reference: the first b whose running sum of L exceeds u * total.
  Random reference(9, Stream::sampling);
  const std::vector<double> running = {1.0, 5.0, 5.5, 8.0};
  std::vector<double> counts(4, 0.0);
  const int draws = 40000;
  for (int k = 0; k < draws; ++k) {
    const double u = reference.uniform() * 8.0;
    std::size_t b = 0;
    while (running[b] <= u) ++b;
    const std::size_t got = s.next();
    ASSERT_EQ(got, b) << "draw " << k;
    counts[got] += 1;
  }
  // Frequencies within 5 binomial standard deviations (sqrt(p (1 - p) / draws) <= 0.0025)
  // of L_b / sum L: a wrong distribution (uniform: 0.25 each) misses by more than 0.06.
  for (std::size_t b = 0; b < 4; ++b) {
    const double p = L[b] / 8.0;
    EXPECT_NEAR(counts[b] / draws, p, 5 * std::sqrt(p * (1 - p) / draws)) << "block " << b;
  }
}

TEST(BlockSelection, SortedPartitionGroupsSimilarConstants) {
  const std::vector<double> L = {0.1, 5.0, 0.2, 4.0, 5.0};
  const BlockPartition blocks = BlockPartition::sorted(L, 2);
  ASSERT_EQ(blocks.size(), 3u);
  // Decreasing L, ties by index: 1 (5.0), 4 (5.0), 3 (4.0), 2 (0.2), 0 (0.1).
  EXPECT_EQ(std::vector<std::size_t>(blocks.block(0).begin(), blocks.block(0).end()), (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(std::vector<std::size_t>(blocks.block(1).begin(), blocks.block(1).end()), (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(std::vector<std::size_t>(blocks.block(2).begin(), blocks.block(2).end()), (std::vector<std::size_t>{0}));
  EXPECT_EQ(blocks.block_of(4), 0u);
  EXPECT_EQ(blocks.block_of(2), 1u);
}

TEST(BlockSelection, SizesThatDoNotFitAreMismatches) {
  const BlockPartition blocks = BlockPartition::contiguous(4, 2);
  EXPECT_THROW(BlockSelector(BlockRule::random, blocks, {1.0}, kNoInverses, 0), MismatchError);
  EXPECT_THROW(BlockSelector(BlockRule::gauss_southwell_quadratic, blocks, {1.0, 1.0}, {{1.0}, {1.0}}, 0),
               MismatchError);
  BlockSelector s(BlockRule::gauss_southwell, blocks, {1.0, 1.0}, kNoInverses, 0);
  EXPECT_THROW(s.rescore(std::vector<double>(3, 1.0)), MismatchError);
}

}  // namespace
}  // namespace descent
