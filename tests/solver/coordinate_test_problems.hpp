// Problems for the coordinate-descent tests: small dense and sparse datasets with known
// explicit Hessians, and the correlated-pairs least-squares problem on which the greedy
// rules are compared with cyclic and random selection.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/data/dataset.hpp"

namespace descent::testing {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

// n x p Gaussian features, column j scaled by column_scale^(j / (p - 1)) so that the
// coordinates' Lipschitz constants differ; targets Gaussian (regression) or signs of a
// noisy linear rule in {0, 1} (classification, the CSV convention).
inline Dataset<double> dense_data(std::size_t n, std::size_t p, double column_scale, bool binary, std::uint64_t seed) {
  Random rng(seed, Stream::data);
  AlignedBuffer<double> values(n * p);
  std::vector<double> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    double score = 0;
    for (std::size_t j = 0; j < p; ++j) {
      const double scale = std::pow(column_scale, p > 1 ? double(j) / double(p - 1) : 0.0);
      values[i * p + j] = scale * rng.normal();
      score += values[i * p + j] / scale;
    }
    const double noise = rng.normal();
    labels[i] = binary ? (score + noise > 0 ? 1.0 : 0.0) : score + noise;
  }
  return Dataset<double>(DenseFeatures<double>{n, p, std::move(values)}, std::move(labels));
}

// The same data in CSR form, zeros dropped.
inline Dataset<double> to_sparse(const Dataset<double>& data) {
  const auto& d = data.dense();
  SparseFeatures<double> f;
  f.rows = d.rows;
  f.cols = d.cols;
  f.row_offsets.push_back(0);
  for (std::size_t i = 0; i < d.rows; ++i) {
    for (std::size_t j = 0; j < d.cols; ++j)
      if (d.values[i * d.cols + j] != 0) {
        f.columns.push_back(static_cast<std::int64_t>(j));
        f.values.push_back(d.values[i * d.cols + j]);
      }
    f.row_offsets.push_back(static_cast<std::int64_t>(f.values.size()));
  }
  const auto labels = data.labels();
  return Dataset<double>(std::move(f), std::vector<double>(labels.begin(), labels.end()));
}

// Dense data with a share `zeros` of its entries set to 0 (so that the sparse paths differ
// from the dense ones in which rows and columns a move touches).
inline Dataset<double> sparsified(const Dataset<double>& data, double zeros, std::uint64_t seed) {
  Random rng(seed, Stream::noise);
  const auto& d = data.dense();
  AlignedBuffer<double> values(d.values.size());
  for (std::size_t k = 0; k < d.values.size(); ++k) values[k] = rng.uniform() < zeros ? 0.0 : d.values[k];
  const auto labels = data.labels();
  return Dataset<double>(DenseFeatures<double>{d.rows, d.cols, std::move(values)},
                         std::vector<double>(labels.begin(), labels.end()));
}

// The design matrix with a column of ones appended when `bias`.
inline Matrix design(const Dataset<double>& data, bool bias) {
  const std::size_t n = data.size(), p = data.dimension();
  Matrix A = Matrix::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(p + (bias ? 1 : 0)));
  if (data.is_sparse()) {
    const auto& f = data.sparse();
    for (std::size_t i = 0; i < n; ++i)
      for (auto e = f.row_offsets[i]; e < f.row_offsets[i + 1]; ++e)
        A(static_cast<Eigen::Index>(i), f.columns[static_cast<std::size_t>(e)]) = f.values[static_cast<std::size_t>(e)];
  } else {
    const auto& f = data.dense();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < p; ++j)
        A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = f.values[i * p + j];
  }
  if (bias) A.col(static_cast<Eigen::Index>(p)).setOnes();
  return A;
}

// lambda on the weights, none on the bias.
inline Matrix penalty(std::size_t p, double lambda, bool bias) {
  Matrix P = Matrix::Zero(static_cast<Eigen::Index>(p + (bias ? 1 : 0)), static_cast<Eigen::Index>(p + (bias ? 1 : 0)));
  for (std::size_t j = 0; j < p; ++j) P(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j)) = lambda;
  return P;
}

// Least squares' Hessian A^T A / n + lambda (weights only): constant.
inline Matrix least_squares_hessian(const Dataset<double>& data, double lambda, bool bias) {
  const Matrix A = design(data, bias);
  return A.transpose() * A / double(data.size()) + penalty(data.dimension(), lambda, bias);
}

// Logistic regression's Hessian at x: A^T diag(sigma'(z)) A / n + lambda, z = A x.
inline Matrix logistic_hessian(const Dataset<double>& data, double lambda, bool bias, const Vector& x) {
  const Matrix A = design(data, bias);
  const Vector z = A * x;
  Vector w(z.size());
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    const double s = 1 / (1 + std::exp(-z(i)));
    w(i) = s * (1 - s);
  }
  return A.transpose() * w.asDiagonal() * A / double(data.size()) + penalty(data.dimension(), lambda, bias);
}

// The minimizer of least squares: H x = A^T y / n.
inline Vector least_squares_minimizer(const Dataset<double>& data, double lambda, bool bias) {
  const Matrix A = design(data, bias);
  const auto labels = data.labels();
  const Vector y = Eigen::Map<const Vector>(labels.data(), static_cast<Eigen::Index>(labels.size()));
  return least_squares_hessian(data, lambda, bias).ldlt().solve(A.transpose() * y / double(data.size()));
}

// The problem on which the rules are compared (docs/algorithms.md quotes its counts):
// sparse least squares, n = 400 rows and p = 100 columns with 10% nonzeros, where the
// columns come in 10 correlated pairs (column 2k + 1 = column 2k + 0.2 noise on the same
// rows, k < 10) and column j is then scaled by 30^(u_j), u_j uniform, so that the L_j
// spread over a factor of up to 900. The pairs make the problem's slow directions local
// (x_2k - x_2k+1): greedy rules keep returning to them while cyclic and random selection
// spend most steps elsewhere. The scaling changes neither cyclic, random nor GSL (exact
// coordinate minimization and |g_j| / sqrt(L_j) are invariant to rescaling a coordinate)
// but misleads GS, which prefers coordinates with large L_j.
inline Dataset<double> correlated_pairs_data(std::uint64_t seed) {
  const std::size_t n = 400, p = 100, pairs = 10;
  const double density = 0.1, pair_noise = 0.2, column_spread = 30;
  Random rng(seed, Stream::data), scales(seed, Stream::noise);
  Matrix A = Matrix::Zero(n, p);
  for (std::size_t j = 0; j < p; ++j)
    for (std::size_t i = 0; i < n; ++i)
      if (rng.uniform() < density) A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rng.normal();
  for (Eigen::Index k = 0; k < static_cast<Eigen::Index>(pairs); ++k)
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n); ++i)
      A(i, 2 * k + 1) = A(i, 2 * k) != 0 ? A(i, 2 * k) + pair_noise * rng.normal() : 0.0;
  for (Eigen::Index j = 0; j < static_cast<Eigen::Index>(p); ++j) A.col(j) *= std::pow(column_spread, scales.uniform());
  std::vector<double> labels(n);
  for (auto& y : labels) y = rng.normal();
  SparseFeatures<double> f;
  f.rows = n;
  f.cols = p;
  f.row_offsets.push_back(0);
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n); ++i) {
    for (Eigen::Index j = 0; j < static_cast<Eigen::Index>(p); ++j)
      if (A(i, j) != 0) {
        f.columns.push_back(j);
        f.values.push_back(A(i, j));
      }
    f.row_offsets.push_back(static_cast<std::int64_t>(f.values.size()));
  }
  return Dataset<double>(std::move(f), std::move(labels));
}

}  // namespace descent::testing
