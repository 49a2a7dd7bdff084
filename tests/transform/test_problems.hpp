// The two problems of the convergence tests, written here (value and gradient in the
// precision under test) so that these tests depend on nothing but the transforms.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace descent::testing {

// f(x) = 1/2 sum_i lambda_i (x_i - 1)^2, lambda_i evenly spaced in [1, kappa]:
// minimum f* = 0 at x* = (1, ..., 1), smoothness L = kappa, strong convexity mu = 1.
struct SpreadQuadratic {
  std::vector<double> lambda;

  SpreadQuadratic(std::size_t n, double kappa) : lambda(n) {
    for (std::size_t i = 0; i < n; ++i)
      lambda[i] = n == 1 ? 1.0 : 1.0 + (kappa - 1.0) * static_cast<double>(i) / static_cast<double>(n - 1);
  }
  template <class T>
  void gradient(std::span<const T> x, std::span<T> g) const {
    for (std::size_t i = 0; i < x.size(); ++i) g[i] = static_cast<T>(lambda[i]) * (x[i] - T(1));
  }
  // f - f*, summed in double from the coordinates' distances (no cancellation).
  template <class T>
  double excess(std::span<const T> x) const {
    double f = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double e = static_cast<double>(x[i]) - 1.0;
      f += 0.5 * lambda[i] * e * e;
    }
    return f;
  }
};

// Rosenbrock (1960) in 2-d: f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1),
// started from the classical (-1.2, 1).
struct Rosenbrock {
  template <class T>
  static void gradient(std::span<const T> z, std::span<T> g) {
    const T x = z[0], y = z[1];
    const T r = y - x * x;
    g[0] = T(-2) * (T(1) - x) - T(400) * x * r;
    g[1] = T(200) * r;
  }
};

}  // namespace descent::testing
