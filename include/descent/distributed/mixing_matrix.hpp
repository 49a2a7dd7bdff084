// Gossip (mixing) matrices: one averaging round x_i <- sum_j W_ij x_j over a communication
// graph. W is symmetric and doubly stochastic (rows and columns sum to 1), so a round keeps
// the average of the nodes' vectors and, on a connected graph with W_ii > 0, drives every
// node to that average at the rate of the second-largest eigenvalue magnitude of W.
//
// Metropolis-Hastings weights (Xiao & Boyd, "Fast linear iterations for distributed
// averaging", 2004; Boyd, Ghosh, Prabhakar & Shah, "Randomized gossip algorithms", 2006):
//   W_ij = 1 / (1 + max(d_i, d_j))   for every edge {i, j},
//   W_ii = 1 - sum_{j ~ i} W_ij,
// each node needing only its own degree and its neighbours'. Symmetric by construction;
// W_ii >= 1 - d_i / (1 + d_i) > 0, so W is nonnegative and aperiodic. On the complete graph
// every weight is 1 / n: one round averages exactly.
//
// The rows are kept sparse, per node the (neighbour, weight) pairs including the node
// itself, so that a message-passing implementation exchanges with exactly those nodes; the
// dense matrix serves analysis (spectral_gap) and tests.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <span>
#include <vector>

#include "descent/distributed/graph.hpp"

namespace descent {

struct GossipWeight {
  std::size_t node;  // a neighbour, or the row's own node
  double weight;     // W_{row, node} > 0
};

class MixingMatrix {
 public:
  // Metropolis-Hastings weights on `graph` (see above).
  static MixingMatrix metropolis_hastings(const Graph& graph);
  // W = 1 1^T / n: exact averaging in one round (the complete graph's ideal).
  static MixingMatrix uniform(std::size_t nodes);

  // From a dense matrix, which must be square, finite, nonnegative, symmetric and have rows
  // summing to 1 within `tolerance` (MismatchError naming the first entry or row at fault).
  // Entries that are exactly 0 are left out of the rows.
  explicit MixingMatrix(const Eigen::MatrixXd& dense, double tolerance = 1e-12);

  std::size_t size() const noexcept { return rows_.size(); }
  // Row `node`: its nonzero weights, the node itself included, sorted by node.
  std::span<const GossipWeight> row(std::size_t node) const { return rows_.at(node); }
  // W_ij (0 when i and j do not communicate).
  double weight(std::size_t i, std::size_t j) const;
  Eigen::MatrixXd dense() const;

 private:
  explicit MixingMatrix(std::vector<std::vector<GossipWeight>> rows) : rows_(std::move(rows)) {}
  std::vector<std::vector<GossipWeight>> rows_;
};

// The spectrum of a symmetric doubly-stochastic W: eigenvalues 1 = lambda_1 >= lambda_2 >=
// ... >= lambda_n >= -1. Consensus contracts by
//   lambda = max(|lambda_2|, |lambda_n|)
// per round (|W x - xbar 1| <= lambda |x - xbar 1|), and the spectral gap is 1 - lambda:
// 1 for exact averaging, near 0 for a poorly connected graph (a ring's gap is
// Theta(1 / n^2)), 0 for a disconnected one.
struct SpectralGap {
  double gap = 0;                   // 1 - lambda
  double lambda = 0;                // max(|lambda_2|, |lambda_n|); 0 for a single node
  std::vector<double> eigenvalues;  // all n, descending
};

// By Eigen's SelfAdjointEigenSolver (only the lower triangle is read). Throws MismatchError
// for a matrix that is not square or is empty.
SpectralGap spectral_gap(const Eigen::MatrixXd& w);
SpectralGap spectral_gap(const MixingMatrix& w);

}  // namespace descent
