#include "descent/distributed/ordered_sum.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/distributed/thread_group.hpp"

namespace descent {
namespace {

// The tree's value, written directly from its definition: the reference every
// distribution of the leaves must reproduce bit for bit.
double tree_value(const std::vector<double>& leaves, std::size_t begin, std::size_t width) {
  if (width == 1) return leaves[begin];
  const std::size_t half = width / 2;
  const double left = tree_value(leaves, begin, half);
  if (begin + half >= leaves.size()) return left;
  return left + tree_value(leaves, begin + half, half);
}

double reference_sum(const std::vector<double>& leaves) {
  std::size_t width = 1;
  while (width < leaves.size()) width *= 2;
  return tree_value(leaves, 0, width);
}

TEST(OrderedSum, CoveringNodesPartitionTheRange) {
  for (std::size_t m = 1; m <= 17; ++m)
    for (std::size_t b = 0; b <= m; ++b)
      for (std::size_t e = b; e <= m; ++e) {
        std::size_t at = b;
        for (const TreeNode& node : covering_nodes(m, {b, e})) {
          const Segment s = leaves_of(node, m);
          EXPECT_EQ(s.begin, at);
          EXPECT_GT(s.size(), 0u);
          at = s.end;
        }
        EXPECT_EQ(at, e);
      }
  // A power-of-two rank count dividing the leaves: one node per rank (the cheap case).
  for (int r = 0; r < 4; ++r) EXPECT_EQ(covering_nodes(16, segment_of(16, 4, r)).size(), 1u);
  // The whole range is the root.
  EXPECT_EQ(covering_nodes(13, {0, 13}), (std::vector<TreeNode>{root_of(13)}));
  EXPECT_THROW(covering_nodes(4, {2, 5}), MismatchError);
}

TEST(OrderedSum, SameBitsOnAnyNumberOfRanks) {
  // Values spread over 12 binary orders of magnitude, so that a change in the order of the
  // additions would change the rounded result (checked below: a left-to-right sum differs).
  Random rng(7, Stream::data);
  for (std::size_t leaves : {1u, 5u, 8u, 13u}) {
    const std::size_t length = 9;
    std::vector<double> values(leaves * length);
    for (double& v : values) v = rng.normal() * std::ldexp(1.0, static_cast<int>(rng.uniform() * 24) - 12);
    std::vector<double> expected(length);
    for (std::size_t i = 0; i < length; ++i) {
      std::vector<double> column(leaves);
      for (std::size_t k = 0; k < leaves; ++k) column[k] = values[k * length + i];
      expected[i] = reference_sum(column);
    }
    for (int p = 1; p <= 6; ++p) {
      std::vector<std::vector<double>> results(static_cast<std::size_t>(p));
      run_ranks(p, [&](Communicator& comm) {
        const Segment mine = segment_of(leaves, comm.size(), comm.rank());
        const std::vector<double> rows(values.begin() + static_cast<long>(mine.begin * length),
                                       values.begin() + static_cast<long>(mine.end * length));
        std::vector<double> out(length);
        ordered_all_reduce<double>(comm, leaves, length, rows, out, "ordered sum test");
        results[static_cast<std::size_t>(comm.rank())] = out;
      });
      for (int r = 0; r < p; ++r)
        for (std::size_t i = 0; i < length; ++i)
          EXPECT_EQ(std::memcmp(&results[r][i], &expected[i], sizeof(double)), 0)
              << "leaves " << leaves << ", ranks " << p << ", rank " << r << ", element " << i;
    }
  }
}

TEST(OrderedSum, OrderMattersSoTheTestCanFail) {
  // The property above is not vacuous: for these terms the tree and a left-to-right sum
  // round differently.
  const std::vector<double> leaves{1.0, 1e-16, 1e-16, -1.0};
  EXPECT_NE(reference_sum(leaves), ((leaves[0] + leaves[1]) + leaves[2]) + leaves[3]);
}

TEST(OrderedSum, BadSizesAreErrors) {
  run_ranks(2, [](Communicator& comm) {
    std::vector<double> rows(3), out(2);
    EXPECT_THROW(ordered_all_reduce<double>(comm, 4, 2, rows, out, "x"), MismatchError);
  });
}

}  // namespace
}  // namespace descent
