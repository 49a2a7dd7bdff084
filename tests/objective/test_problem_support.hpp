// Helpers for the tests of the test-problem catalogs: dense Jacobians and Hessians built from
// products, the rounding bounds that a stated minimizer must meet, and random points near a
// start.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "descent/objective/sum_of_squares.hpp"
#include "objective/test_support.hpp"

namespace descent::test {

inline constexpr double kEps = std::numeric_limits<double>::epsilon();

// J(x), m x n, column j = J e_j.
inline Eigen::MatrixXd dense_jacobian(const SumOfSquares<double>& f, const std::vector<double>& x) {
  const std::size_t n = f.dimension(), m = f.residual_count();
  Eigen::MatrixXd jacobian(m, n);
  std::vector<double> e(n, 0.0), column(m);
  for (std::size_t j = 0; j < n; ++j) {
    e[j] = 1;
    f.checked_jacobian_times(x, e, column);
    e[j] = 0;
    for (std::size_t i = 0; i < m; ++i) jacobian(i, j) = column[i];
  }
  return jacobian;
}

// sum_i w_i Hess r_i(x), n x n, column j from residual_curvature_times(x, w, e_j).
inline Eigen::MatrixXd dense_curvature(const SumOfSquares<double>& f, const std::vector<double>& x,
                                       const std::vector<double>& w) {
  const std::size_t n = f.dimension();
  Eigen::MatrixXd curvature(n, n);
  std::vector<double> e(n, 0.0), column(n);
  for (std::size_t j = 0; j < n; ++j) {
    e[j] = 1;
    f.residual_curvature_times(x, w, e, column);
    e[j] = 0;
    for (std::size_t i = 0; i < n; ++i) curvature(i, j) = column[i];
  }
  return curvature;
}

// How far f and grad f, evaluated in double at x (a minimizer x* rounded to double), may
// be from f* and from 0.
//
// Rounding x* moves each coordinate by at most eps/2 |x*_j|, which moves residual i by
// about |J_i| |x*| eps / 2 (first order); evaluating r_i adds a few roundings of terms no
// larger than its inputs' contributions |J_ij x_j| or its value. So
//   |r_i(x) - r_i(x*)| <= e_i = 16 eps (sum_j |J_ij| |x_j| + |r_i|)
// (16: room for the half-dozen roundings of the longest residual formulas), and
//   |f(x) - f*| <= sum_i (2 |r_i| e_i + e_i^2) + (m + 4) eps f*      (the sum of m squares).
// The gradient 2 J^T r vanishes at x*; at x it is off by
//   2 |J|^T e (the residuals' errors) + 2 |S| |x| eps (J's own change, S = sum_i r_i Hess r_i)
//   + 2 (m + 4) eps |J|^T |r| (rounding of the product J^T r).
struct MinimizerTolerance {
  double value = 0;
  std::vector<double> gradient;
};

inline MinimizerTolerance minimizer_tolerance(const SumOfSquares<double>& f, const std::vector<double>& x) {
  const std::size_t n = f.dimension(), m = f.residual_count();
  const Eigen::MatrixXd J = dense_jacobian(f, x).cwiseAbs();
  std::vector<double> r(m);
  f.checked_residuals(x, r);
  const Eigen::MatrixXd S = dense_curvature(f, x, r).cwiseAbs();
  Eigen::VectorXd abs_x(n), abs_r(m);
  for (std::size_t j = 0; j < n; ++j) abs_x(j) = std::abs(x[j]);
  for (std::size_t i = 0; i < m; ++i) abs_r(i) = std::abs(r[i]);
  const Eigen::VectorXd e = 16 * kEps * (J * abs_x + abs_r);
  const double value = abs_r.squaredNorm();
  MinimizerTolerance t;
  t.value = (2 * abs_r.cwiseProduct(e) + e.cwiseProduct(e)).sum() + static_cast<double>(m + 4) * kEps * value;
  const Eigen::VectorXd g =
      2 * J.transpose() * e + 2 * kEps * S * abs_x + 2 * static_cast<double>(m + 4) * kEps * J.transpose() * abs_r;
  t.gradient.assign(g.data(), g.data() + n);
  return t;
}

// x0 + 0.1 max(1, |x0_j|) u_j with u_j uniform in [-1, 1): a point near the start, away from
// the singularities some problems have far from it (a zero denominator, the origin of the
// helical valley's angle).
inline std::vector<double> near(const std::vector<double>& x0, std::uint64_t seed) {
  const std::vector<double> u = random_vector(x0.size(), seed, -1, 1);
  std::vector<double> x(x0.size());
  for (std::size_t j = 0; j < x0.size(); ++j) x[j] = x0[j] + 0.1 * std::max(1.0, std::abs(x0[j])) * u[j];
  return x;
}

}  // namespace descent::test
