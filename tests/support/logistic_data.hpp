// Small L2-logistic-regression problems for the estimator and solver tests: rows of widely
// varying norms (so per-sample smoothness is non-uniform), labels from a noisy linear rule,
// and the constants the methods' step sizes are derived from.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/data/dataset.hpp"

namespace descent::testing {

// n rows of d Gaussian features whose norms spread over a factor of `spread` (row i is
// scaled by spread^(i/(n-1)) / sqrt(d)), labels +-1 from a noisy linear rule.
inline Dataset<double> logistic_data(std::size_t n, std::size_t d, double spread, std::uint64_t seed) {
  Random rng(seed, Stream::data);
  AlignedBuffer<double> values(n * d);
  std::vector<double> truth(d), labels(n);
  for (auto& t : truth) t = rng.normal();
  for (std::size_t i = 0; i < n; ++i) {
    const double scale = std::pow(spread, n > 1 ? double(i) / double(n - 1) : 0.0) / std::sqrt(double(d));
    double score = 0;
    for (std::size_t j = 0; j < d; ++j) {
      values[i * d + j] = scale * rng.normal();
      score += values[i * d + j] * truth[j];
    }
    labels[i] = score + 0.5 * rng.normal() > 0 ? 1.0 : -1.0;
  }
  return Dataset<double>(DenseFeatures<double>{n, d, std::move(values)}, std::move(labels));
}

// L = max_i |u_i|^2 / 4 + lambda: every f_i's smoothness (u_i: the row, and 1 for a bias).
inline double max_sample_smoothness(const Dataset<double>& data, double lambda, bool bias = false) {
  double top = 0;
  const auto& v = data.dense().values;
  const std::size_t d = data.dimension();
  for (std::size_t i = 0; i < data.size(); ++i) {
    double s = bias ? 1.0 : 0.0;
    for (std::size_t j = 0; j < d; ++j) s += v[i * d + j] * v[i * d + j];
    top = std::max(top, s);
  }
  return top / 4 + lambda;
}

}  // namespace descent::testing
