#include "descent/distributed/mixing_matrix.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

std::vector<Graph> sample_graphs() {
  return {ring(1),
          ring(2),
          ring(5),
          ring(16),
          torus(2, 3),
          torus(4, 4),
          exponential(6),
          exponential(16),
          complete(16),
          erdos_renyi(16, 0.3, 1),
          Graph(4, std::vector<Graph::Edge>{{0, 1}, {1, 2}, {1, 3}}, "star")};
}

TEST(MixingMatrix, MetropolisHastingsIsSymmetricDoublyStochasticOnTheGraph) {
  for (const Graph& g : sample_graphs()) {
    const MixingMatrix w = MixingMatrix::metropolis_hastings(g);
    const Eigen::MatrixXd dense = w.dense();
    const std::size_t n = g.size();
    for (std::size_t i = 0; i < n; ++i) {
      // The row is the node and its neighbours, sorted: exactly who a node talks to.
      std::vector<std::size_t> expected = g.neighbors(i);
      expected.insert(std::lower_bound(expected.begin(), expected.end(), i), i);
      std::vector<std::size_t> listed;
      for (const GossipWeight& e : w.row(i)) listed.push_back(e.node);
      EXPECT_EQ(listed, expected) << g.name() << " row " << i;
      double sum = 0;
      for (std::size_t j = 0; j < n; ++j) {
        const auto a = static_cast<Eigen::Index>(i), b = static_cast<Eigen::Index>(j);
        // Both ends evaluate the same expression: symmetric to the bit.
        EXPECT_EQ(dense(a, b), dense(b, a)) << g.name();
        EXPECT_GE(dense(a, b), 0.0) << g.name();
        EXPECT_EQ(dense(a, b), w.weight(i, j));
        if (i != j && g.has_edge(i, j)) {
          EXPECT_EQ(dense(a, b), 1.0 / static_cast<double>(1 + std::max(g.degree(i), g.degree(j))));
        }
        sum += dense(a, b);
      }
      // W_ii = 1 - sum_j W_ij takes at most d_i roundings of size <= eps / 2 each (values
      // <= 1), and summing the row back adds n more: |row sum - 1| <= (d_i + n) eps.
      EXPECT_NEAR(sum, 1.0, static_cast<double>(g.degree(i) + n) * kEps) << g.name() << " row " << i;
    }
  }
}

TEST(MixingMatrix, CompleteGraphGivesUniformAveragingAndGapOne) {
  for (std::size_t n : {2u, 3u, 7u, 16u}) {
    const MixingMatrix w = MixingMatrix::metropolis_hastings(complete(n));
    // Off the diagonal 1 / (1 + (n - 1)) = 1/n, the same double as 1.0 / n; the diagonal
    // 1 - (n - 1)/n within n - 1 roundings.
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        EXPECT_NEAR(w.weight(i, j), 1.0 / static_cast<double>(n), static_cast<double>(n) * kEps);
    // W = 1 1^T / n has eigenvalues 1 and 0 (n - 1 times): lambda = 0, gap 1. A symmetric
    // eigensolver is backward stable: each eigenvalue within c n eps ||W||_2 (||W||_2 = 1),
    // with c a small constant; 10 n eps.
    const SpectralGap gap = spectral_gap(w);
    EXPECT_NEAR(gap.gap, 1.0, 10 * static_cast<double>(n) * kEps) << n;
    EXPECT_NEAR(gap.eigenvalues.front(), 1.0, 10 * static_cast<double>(n) * kEps);
    const SpectralGap uniform = spectral_gap(MixingMatrix::uniform(n));
    EXPECT_NEAR(uniform.gap, 1.0, 10 * static_cast<double>(n) * kEps);
  }
}

// Closed form: on a ring of n >= 3 every degree is 2, so W_ij = 1/3 for neighbours and
// W_ii = 1/3; W is circulant with eigenvalues 1/3 + 2/3 cos(2 pi k / n), k = 0..n-1.
std::vector<double> ring_eigenvalues(std::size_t n) {
  std::vector<double> values;
  for (std::size_t k = 0; k < n; ++k)
    values.push_back(1.0 / 3 +
                     2.0 / 3 * std::cos(2 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n)));
  std::sort(values.rbegin(), values.rend());
  return values;
}

TEST(MixingMatrix, RingSpectrumMatchesTheClosedForm) {
  for (std::size_t n : {3u, 5u, 16u, 33u}) {
    const SpectralGap gap = spectral_gap(MixingMatrix::metropolis_hastings(ring(n)));
    const std::vector<double> expected = ring_eigenvalues(n);
    ASSERT_EQ(gap.eigenvalues.size(), n);
    // Backward stability as above: 10 n eps.
    const double tolerance = 10 * static_cast<double>(n) * kEps;
    for (std::size_t k = 0; k < n; ++k) EXPECT_NEAR(gap.eigenvalues[k], expected[k], tolerance) << n << " " << k;
    const double lambda = std::max(std::abs(expected[1]), std::abs(expected.back()));
    EXPECT_NEAR(gap.lambda, lambda, tolerance);
    EXPECT_NEAR(gap.gap, 1 - lambda, tolerance);
  }
  // n = 16: lambda_2 = 1/3 + 2/3 cos(pi/8) dominates lambda_n = -1/3.
  const SpectralGap gap16 = spectral_gap(MixingMatrix::metropolis_hastings(ring(16)));
  EXPECT_NEAR(gap16.gap, 2.0 / 3 * (1 - std::cos(std::numbers::pi / 8)), 1e-13);
}

TEST(MixingMatrix, TorusSpectrumMatchesTheClosedForm) {
  // 4 x 4 torus: degree 4, every weight 1/5, W the Kronecker sum of two 4-cycles:
  // eigenvalues 1/5 + (2 cos(2 pi a/4) + 2 cos(2 pi b/4)) / 5, the largest below 1 being
  // 1/5 + 2/5 = 3/5 and the smallest 1/5 - 4/5 = -3/5: lambda = 3/5, gap 2/5.
  const SpectralGap gap = spectral_gap(MixingMatrix::metropolis_hastings(torus(4, 4)));
  EXPECT_NEAR(gap.lambda, 0.6, 160 * kEps);
  EXPECT_NEAR(gap.gap, 0.4, 160 * kEps);
}

TEST(MixingMatrix, GapGrowsWithConnectivity) {
  const double ring_gap = spectral_gap(MixingMatrix::metropolis_hastings(ring(16))).gap;
  const double torus_gap = spectral_gap(MixingMatrix::metropolis_hastings(torus(4, 4))).gap;
  const double exponential_gap = spectral_gap(MixingMatrix::metropolis_hastings(exponential(16))).gap;
  const double complete_gap = spectral_gap(MixingMatrix::metropolis_hastings(complete(16))).gap;
  EXPECT_LT(ring_gap, torus_gap);
  EXPECT_LT(torus_gap, exponential_gap);
  EXPECT_LT(exponential_gap, complete_gap);
}

TEST(MixingMatrix, DisconnectedGraphHasGapZero) {
  // Two separate edges: W is block diagonal with two blocks that each keep their own
  // average, so the eigenvalue 1 is double and lambda = 1.
  const Graph g(4, std::vector<Graph::Edge>{{0, 1}, {2, 3}});
  EXPECT_NEAR(spectral_gap(MixingMatrix::metropolis_hastings(g)).gap, 0.0, 40 * kEps);
  EXPECT_EQ(spectral_gap(MixingMatrix::metropolis_hastings(ring(1))).gap, 1.0);  // one node: nothing to mix
}

// The table of docs/distributed.md ("Decentralized SGD"): printed, so that the numbers there
// come from this code. Each row is also checked against what the table claims about it.
TEST(MixingMatrix, PrintsTheGapTableForSixteenNodes) {
  const std::vector<Graph> graphs = {ring(16), torus(4, 4), exponential(16), erdos_renyi(16, 0.3, 0), complete(16)};
  std::printf("| graph | max degree | edges | lambda | 1 - lambda |\n|---|---|---|---|---|\n");
  for (const Graph& g : graphs) {
    const SpectralGap gap = spectral_gap(MixingMatrix::metropolis_hastings(g));
    std::printf("| %s | %zu | %zu | %.4f | %.4f |\n", g.name().c_str(), g.max_degree(), g.edge_count(), gap.lambda,
                gap.gap);
    EXPECT_GT(gap.gap, 0.0) << g.name();  // all connected
  }
}

TEST(MixingMatrix, DenseConstructorChecksTheMatrix) {
  Eigen::MatrixXd w(3, 3);
  w << 0.5, 0.5, 0, 0.5, 0.25, 0.25, 0, 0.25, 0.75;
  const MixingMatrix ok(w);
  EXPECT_EQ(ok.row(0).size(), 2u);  // the zero is left out
  EXPECT_EQ(ok.weight(2, 1), 0.25);
  EXPECT_EQ(ok.weight(0, 2), 0.0);
  Eigen::MatrixXd asymmetric = w;
  asymmetric(0, 1) = 0.4;
  asymmetric(0, 2) = 0.1;
  EXPECT_THROW(MixingMatrix{asymmetric}, MismatchError);
  Eigen::MatrixXd not_stochastic = w;
  not_stochastic(2, 2) = 0.7;
  EXPECT_THROW(MixingMatrix{not_stochastic}, MismatchError);
  Eigen::MatrixXd negative(2, 2);
  negative << 1.5, -0.5, -0.5, 1.5;
  EXPECT_THROW(MixingMatrix{negative}, MismatchError);
  EXPECT_THROW(MixingMatrix{Eigen::MatrixXd(2, 3)}, MismatchError);
  EXPECT_THROW(spectral_gap(Eigen::MatrixXd(0, 0)), MismatchError);
}

}  // namespace
}  // namespace descent
