// Helpers shared by the objective tests: reproducible random points, and the spectral
// tools (dense Hessians assembled from Hessian-vector products, power iteration with its
// a-priori error bound) used to verify smoothness and strong-convexity constants.
#pragma once

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/objective/objective.hpp"

namespace descent::test {

// d values uniform in [lo, hi), from Random(seed, Stream::user).
inline std::vector<double> random_vector(std::size_t d, std::uint64_t seed, double lo, double hi) {
  Random rng(seed, Stream::user);
  std::vector<double> v(d);
  for (double& vi : v) vi = lo + (hi - lo) * rng.uniform();
  return v;
}

// Rounds to float; the double twin of a float point is then exactly representable.
inline std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }
inline std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

inline double norm(const std::vector<double>& v) {
  double s = 0;
  for (double vi : v) s += vi * vi;
  return std::sqrt(s);
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// The Hessian at x, column j = H e_j from f.hessian_vector.
inline Eigen::MatrixXd dense_hessian(const Differentiable<double>& f, const std::vector<double>& x) {
  const std::size_t d = f.dimension();
  Eigen::MatrixXd h(d, d);
  std::vector<double> e(d, 0.0), column(d);
  for (std::size_t j = 0; j < d; ++j) {
    e[j] = 1;
    f.hessian_vector(x, e, column);
    e[j] = 0;
    for (std::size_t i = 0; i < d; ++i) h(i, j) = column[i];
  }
  return h;
}

// Power iteration on B = H (top = true) or B = shift I - H (top = false), with H v from
// f.hessian_vector at x, started from `start`. Returns the final Rayleigh quotient of B.
inline double power_iteration(const Differentiable<double>& f, const std::vector<double>& x, std::vector<double> start,
                              int iterations, bool top, double shift = 0) {
  const std::size_t d = start.size();
  std::vector<double> v = std::move(start), hv(d), bv(d);
  auto apply = [&](const std::vector<double>& in, std::vector<double>& out) {
    f.hessian_vector(x, in, hv);
    for (std::size_t i = 0; i < d; ++i) out[i] = top ? hv[i] : shift * in[i] - hv[i];
  };
  for (int k = 0; k < iterations; ++k) {
    const double n = norm(v);
    for (double& vi : v) vi /= n;
    apply(v, bv);
    v = bv;
  }
  const double n = norm(v);
  for (double& vi : v) vi /= n;
  apply(v, bv);
  return dot(v, bv);
}

// The a-priori bound on lambda_1(B) - R(B^k v0) for a positive semidefinite B with
// eigenvalues lambda_1 >= lambda_2 >= ... >= lambda_d (Golub & Van Loan, Thm. 8.2.1 style):
//   lambda_1 - R_k <= (lambda_1 - lambda_d) tan^2(theta_0) (lambda_2 / lambda_1)^(2k),
// theta_0 the angle between v0 and the top eigenvector. `spectrum` (ascending) and
// `top_vector` describe B.
inline double power_iteration_bound(const Eigen::VectorXd& spectrum, const Eigen::VectorXd& top_vector,
                                    const std::vector<double>& start, int iterations) {
  const Eigen::Index d = spectrum.size();
  double c = 0;
  for (Eigen::Index i = 0; i < d; ++i) c += top_vector(i) * start[static_cast<std::size_t>(i)];
  c = std::abs(c) / (norm(start) * top_vector.norm());
  const double tan_squared = (1 - c * c) / (c * c);
  const double ratio = spectrum(d - 2) / spectrum(d - 1);
  return (spectrum(d - 1) - spectrum(0)) * tan_squared * std::pow(ratio, 2.0 * iterations);
}

}  // namespace descent::test
