// SPD test matrices with a chosen spectrum, and the 2-D Laplacian, for the Krylov solver
// tests: the theory they check is stated in terms of eigenvalues, so the tests build the
// matrices from them.
#pragma once

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cstdint>
#include <vector>

#include "descent/core/random.hpp"

namespace descent::testing {

// A Haar-like random orthogonal matrix: the Q of a Gaussian matrix's QR factorization.
inline Eigen::MatrixXd random_orthogonal(std::size_t n, std::uint64_t seed) {
  Random rng(seed, Stream::data);
  Eigen::MatrixXd G(n, n);
  for (Eigen::Index j = 0; j < G.cols(); ++j)
    for (Eigen::Index i = 0; i < G.rows(); ++i) G(i, j) = rng.normal();
  return Eigen::HouseholderQR<Eigen::MatrixXd>(G).householderQ();
}

// Q diag(eigenvalues) Q^T, symmetrized exactly.
inline Eigen::MatrixXd with_spectrum(const std::vector<double>& eigenvalues, std::uint64_t seed) {
  const std::size_t n = eigenvalues.size();
  const Eigen::MatrixXd Q = random_orthogonal(n, seed);
  const Eigen::VectorXd d = Eigen::Map<const Eigen::VectorXd>(eigenvalues.data(), static_cast<Eigen::Index>(n));
  const Eigen::MatrixXd A = Q * d.asDiagonal() * Q.transpose();
  return (A + A.transpose()) / 2;
}

// The 5-point Laplacian on an m x m grid (Dirichlet boundary): 4 on the diagonal, -1 for
// each grid neighbour; n = m^2, eigenvalues 4 - 2 cos(i pi/(m+1)) - 2 cos(j pi/(m+1)).
inline Eigen::SparseMatrix<double> laplacian_2d(int m) {
  std::vector<Eigen::Triplet<double>> entries;
  auto index = [m](int i, int j) { return i * m + j; };
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) {
      entries.emplace_back(index(i, j), index(i, j), 4.0);
      if (i > 0) entries.emplace_back(index(i, j), index(i - 1, j), -1.0);
      if (i + 1 < m) entries.emplace_back(index(i, j), index(i + 1, j), -1.0);
      if (j > 0) entries.emplace_back(index(i, j), index(i, j - 1), -1.0);
      if (j + 1 < m) entries.emplace_back(index(i, j), index(i, j + 1), -1.0);
    }
  Eigen::SparseMatrix<double> A(m * m, m * m);
  A.setFromTriplets(entries.begin(), entries.end());
  return A;
}

inline std::vector<double> gaussian_vector(std::size_t n, std::uint64_t seed) {
  Random rng(seed, Stream::data, 7);
  std::vector<double> v(n);
  for (double& x : v) x = rng.normal();
  return v;
}

}  // namespace descent::testing
