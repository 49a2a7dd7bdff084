#include "descent/distributed/mixing_matrix.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

MixingMatrix MixingMatrix::metropolis_hastings(const Graph& graph) {
  const std::size_t n = graph.size();
  std::vector<std::vector<GossipWeight>> rows(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& neighbors = graph.neighbors(i);
    auto& row = rows[i];
    row.reserve(neighbors.size() + 1);
    double off_diagonal = 0;
    for (std::size_t j : neighbors) {
      // The same expression from both ends, so W_ij and W_ji are the same double.
      const double w = 1.0 / static_cast<double>(1 + std::max(graph.degree(i), graph.degree(j)));
      row.push_back({j, w});
      off_diagonal += w;
    }
    // Adjacency lists are sorted, so inserting the node at its place keeps the row sorted.
    const auto at = std::lower_bound(row.begin(), row.end(), i,
                                     [](const GossipWeight& g, std::size_t node) { return g.node < node; });
    row.insert(at, {i, 1.0 - off_diagonal});
  }
  return MixingMatrix(std::move(rows));
}

MixingMatrix MixingMatrix::uniform(std::size_t nodes) {
  require(nodes >= 1, "MixingMatrix::uniform", "nodes", static_cast<double>(nodes), "nodes >= 1");
  const double w = 1.0 / static_cast<double>(nodes);
  std::vector<std::vector<GossipWeight>> rows(nodes);
  for (auto& row : rows)
    for (std::size_t j = 0; j < nodes; ++j) row.push_back({j, w});
  return MixingMatrix(std::move(rows));
}

MixingMatrix::MixingMatrix(const Eigen::MatrixXd& dense, double tolerance) {
  const auto n = dense.rows();
  if (n == 0 || dense.cols() != n)
    throw MismatchError("MixingMatrix: a " + std::to_string(n) + " x " + std::to_string(dense.cols()) +
                        " matrix is not a nonempty square gossip matrix");
  const auto entry = [](Eigen::Index i, Eigen::Index j) {
    return "W(" + std::to_string(i) + ", " + std::to_string(j) + ")";
  };
  rows_.resize(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    double sum = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double w = dense(i, j);
      if (!std::isfinite(w) || w < 0)
        throw MismatchError("MixingMatrix: " + entry(i, j) + " = " + format_number(w) + " is not finite and >= 0");
      if (std::abs(w - dense(j, i)) > tolerance)
        throw MismatchError("MixingMatrix: " + entry(i, j) + " = " + format_number(w) + " but " + entry(j, i) + " = " +
                            format_number(dense(j, i)) + ": W must be symmetric");
      sum += w;
      if (w != 0) rows_[static_cast<std::size_t>(i)].push_back({static_cast<std::size_t>(j), w});
    }
    // Symmetric with unit row sums makes the columns sum to 1 as well: doubly stochastic.
    if (std::abs(sum - 1) > tolerance)
      throw MismatchError("MixingMatrix: row " + std::to_string(i) + " sums to " + format_number(sum) +
                          ", not 1: W must be doubly stochastic");
  }
}

double MixingMatrix::weight(std::size_t i, std::size_t j) const {
  const auto& row = rows_.at(i);
  const auto at = std::lower_bound(row.begin(), row.end(), j,
                                   [](const GossipWeight& g, std::size_t node) { return g.node < node; });
  return at != row.end() && at->node == j ? at->weight : 0.0;
}

Eigen::MatrixXd MixingMatrix::dense() const {
  const auto n = static_cast<Eigen::Index>(size());
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(n, n);
  for (std::size_t i = 0; i < size(); ++i)
    for (const GossipWeight& g : rows_[i])
      w(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(g.node)) = g.weight;
  return w;
}

SpectralGap spectral_gap(const Eigen::MatrixXd& w) {
  if (w.rows() == 0 || w.rows() != w.cols())
    throw MismatchError("spectral_gap: a " + std::to_string(w.rows()) + " x " + std::to_string(w.cols()) +
                        " matrix is not a nonempty square matrix");
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(w, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) throw MismatchError("spectral_gap: the eigenvalue iteration did not converge");
  SpectralGap out;
  const Eigen::VectorXd& ascending = solver.eigenvalues();
  out.eigenvalues.assign(ascending.data(), ascending.data() + ascending.size());
  std::reverse(out.eigenvalues.begin(), out.eigenvalues.end());
  // lambda_1 = 1 belongs to the consensus direction 1 and does not count; the contraction
  // of everything orthogonal to it is the largest magnitude among lambda_2..lambda_n, the
  // extremes of which are lambda_2 and lambda_n.
  if (out.eigenvalues.size() >= 2)
    out.lambda = std::max(std::abs(out.eigenvalues[1]), std::abs(out.eigenvalues.back()));
  out.gap = 1 - out.lambda;
  return out;
}

SpectralGap spectral_gap(const MixingMatrix& w) { return spectral_gap(w.dense()); }

}  // namespace descent
