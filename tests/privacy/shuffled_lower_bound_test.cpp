// The lower bound on shuffled DP-SGD's epsilon (Chua et al., ICML 2024): its one-epoch
// value against an independent scipy computation of the paper's cube sets
// (tests/fixtures/privacy/make_shuffle_golden.py), its Monte Carlo over epochs against a
// quadrature of the same integral, and the gap to the Poisson accountant.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/privacy/pld_accountant.hpp"
#include "descent/privacy/shuffled_lower_bound.hpp"

namespace descent {
namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }
double normal_density(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi); }

TEST(ShuffledLowerBound, OneEpochMatchesTheCubeSetsComputedWithScipy) {
  std::ifstream in(std::filesystem::path(DESCENT_FIXTURE_DIR) / "privacy" / "shuffle_golden.csv");
  ASSERT_TRUE(in.good());
  std::string line;
  int rows = 0;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::istringstream fields(line);
    std::string cell;
    std::vector<double> v;
    while (std::getline(fields, cell, ',')) v.push_back(std::stod(cell));
    ASSERT_EQ(v.size(), 4u);
    const double sigma = v[0], eps = v[2], reference = v[3];
    const auto batches = static_cast<std::int64_t>(v[1]);
    // Both maximize the same smooth function of the threshold C over a grid; at the optimum
    // its second derivative is about f(C*) / s^2 (f the density of the largest sum, the
    // loss rising at rate 1/s^2), so a grid of step d loses at most f d^2 / (8 s^2) there;
    // relative to delta ~ f s^2 / C* (a Gaussian tail) that is C* d^2 / (8 s^4): with C* <= 4,
    // s >= 0.3 and descent's step d <= 0.006, below 2.2e-3. 3e-3 relative, and 1e-14 for
    // rounding.
    EXPECT_NEAR(shuffled_delta_lower_bound(sigma, batches, eps), reference, 3e-3 * reference + 1e-14)
        << "sigma " << sigma << " T " << batches << " eps " << eps;
    ++rows;
  }
  EXPECT_GE(rows, 20);
}

TEST(ShuffledLowerBound, ExceedsThePoissonEpsilonAtSmallNoise) {
  // The paper's point: at small noise, shuffled batches leak more than the Poisson accountant
  // reports. q = 1/100, one epoch, delta = 1e-5.
  const double sigma = 0.5, delta = 1e-5;
  const ShuffledEpsilonBound shuffled = shuffled_epsilon_lower_bound(sigma, 100, 1, delta, 0);
  // The Poisson accountant on a 1e-3 grid: a pessimistic value, within 100 * 1e-3 above the
  // exact one, so the comparison only gets harder.
  PldAccountantOptions coarse;
  coarse.discretization_interval = 1e-3;
  PldAccountant poisson(coarse);
  poisson.compose({sigma, 0.01, 100});
  EXPECT_GT(shuffled.epsilon, poisson.epsilon(delta));
  EXPECT_GE(shuffled.certified_delta, delta);
  // And it stays below the deterministic batches' (one Gaussian step per epoch) exact value,
  // which shuffling can only improve on.
  double lo = 0, hi = 100;  // Balle & Wang's delta for sigma, inverted by bisection
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    const double d = normal_cdf(0.5 / sigma - mid * sigma) - std::exp(mid) * normal_cdf(-0.5 / sigma - mid * sigma);
    (d > delta ? lo : hi) = mid;
  }
  EXPECT_LT(shuffled.epsilon, hi);
}

// The two-epoch bound by quadrature: E_{M ~ first}[H(eps - l(M))], with the density of the
// largest of T sums (one shifted by `mean`) f(m) = [phi((m-mean)/s) Phi(m/s) + (T-1)
// Phi((m-mean)/s) phi(m/s)] Phi(m/s)^(T-2) / s, l = log(f_first / f_second), and H the
// one-epoch bound of the library (checked against scipy above).
double two_epoch_quadrature(double sigma, std::int64_t batches, double eps, double first, double second) {
  const double t = static_cast<double>(batches);
  const auto density = [&](double mean, double m) {
    return (normal_density((m - mean) / sigma) * normal_cdf(m / sigma) +
            (t - 1) * normal_cdf((m - mean) / sigma) * normal_density(m / sigma)) *
           std::pow(normal_cdf(m / sigma), t - 2) / sigma;
  };
  // H for this direction only: the library's bound is the larger direction, so rebuild
  // H from the cube sets here (threshold grid of step 0.002).
  const auto below = [&](double mean, double c) {
    return normal_cdf((c - mean) / sigma) * std::pow(normal_cdf(c / sigma), t - 1);
  };
  std::vector<double> p_below, q_below;
  for (double c = -6 * sigma; c < 3 + 10 * sigma; c += 0.002) {
    p_below.push_back(below(first, c));
    q_below.push_back(below(second, c));
  }
  const auto h = [&](double e) {
    const double scale = std::exp(e);
    double best = 0;
    for (std::size_t i = 0; i < p_below.size(); ++i) {
      const double p = p_below[i], q = q_below[i];
      best = std::max({best, (1 - p) - scale * (1 - q), p - scale * q});
    }
    return best;
  };
  // Trapezoid on [-6 s, 3 + 10 s] with 600 nodes: the integrand is smooth; its error
  // (step^2 / 12 times the second derivative's integral) is below 1e-4 relative here.
  const double lo = -6 * sigma, hi = 3 + 10 * sigma;
  const int nodes = 600;
  double sum = 0;
  for (int i = 0; i <= nodes; ++i) {
    const double m = lo + (hi - lo) * i / nodes;
    const double fa = density(first, m), fb = density(second, m);
    if (fa <= 0 || fb <= 0) continue;
    const double weight = (i == 0 || i == nodes) ? 0.5 : 1.0;
    sum += weight * fa * h(eps - std::log(fa / fb));
  }
  return sum * (hi - lo) / nodes;
}

TEST(ShuffledLowerBound, TwoEpochMonteCarloMatchesQuadratureWithinItsError) {
  const double sigma = 1.0, eps = 0.5;
  const std::int64_t batches = 10;
  const double exact =
      std::max(two_epoch_quadrature(sigma, batches, eps, 2, 1), two_epoch_quadrature(sigma, batches, eps, 1, 2));
  const ShuffledDeltaEstimate mc = shuffled_delta_monte_carlo(sigma, batches, 2, eps, 20000, 7);
  ASSERT_GT(mc.standard_error, 0);
  // 5 standard errors (a CLT deviation that a correct estimator exceeds with probability
  // 6e-7), plus 1% for the threshold grids of both sides (see the test above) and the
  // linear interpolation of H between steps of 0.01 in epsilon.
  EXPECT_NEAR(mc.mean, exact, 5 * mc.standard_error + 0.01 * exact);
  // The certified value sits below the truth (it holds with probability 0.999).
  EXPECT_LE(mc.lower, exact);
  EXPECT_GT(mc.lower, 0.5 * exact);  // and is not vacuous at 20000 draws
}

TEST(ShuffledLowerBound, MoreEpochsCertifyMoreEpsilon) {
  const ShuffledEpsilonBound one = shuffled_epsilon_lower_bound(1.0, 10, 1, 1e-3, 0);
  const ShuffledEpsilonBound two = shuffled_epsilon_lower_bound(1.0, 10, 2, 1e-3, 20000, 3);
  EXPECT_GT(one.epsilon, 0);
  EXPECT_GT(two.epsilon, one.epsilon);
  EXPECT_LE(two.epsilon, two.epsilon_estimate);
  EXPECT_GE(two.certified_delta, 1e-3);
}

TEST(ShuffledLowerBound, RefusesBadInputByName) {
  const auto expect = [](auto&& f, const std::string& needle) {
    try {
      f();
      ADD_FAILURE() << needle;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect([] { shuffled_epsilon_lower_bound(0.0, 10, 1, 1e-5, 0); }, "noise_multiplier");
  expect([] { shuffled_epsilon_lower_bound(1.0, 0, 1, 1e-5, 0); }, "batches_per_epoch");
  expect([] { shuffled_epsilon_lower_bound(1.0, 10, 0, 1e-5, 0); }, "epochs");
  expect([] { shuffled_epsilon_lower_bound(1.0, 10, 1, 1.0, 0); }, "delta");
  expect([] { shuffled_epsilon_lower_bound(1.0, 10, 2, 1e-5, 10); }, "samples");
  expect([] { shuffled_epsilon_lower_bound(1.0, 10, 2, 1e-5, 1000, 1, 0.0); }, "failure_probability");
  expect([] { shuffled_delta_monte_carlo(1.0, 10, 1, 1.0, 1000); }, "epochs");
}

}  // namespace
}  // namespace descent
