// Continuized Nesterov (Even et al. 2021) keeps its Lyapunov function decreasing in
// expectation along the continuized time. For mu-strongly convex f with lr = 1/L,
//   M_t = exp(sqrt(mu lr) t) (f(x_t) - f* + mu/2 |z_t - x*|^2)
// is a supermartingale, and for convex f (mu = 0)
//   N_t = lr t^2 / 2 (f(x_t) - f*) + |z_t - x*|^2
// is one too (the paper's Lyapunov functions, scaled). By optional stopping their means at
// the event times stay below their starting values. The tests average them over many seeds
// on quadratics and allow three standard errors of the sample mean above the bound, the
// only slack.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "descent/core/aligned_buffer.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/continuized_nesterov.hpp"

namespace descent::testing {
namespace {

// f(x) = 1/2 sum lambda_i x_i^2, eigenvalues from mu to L, minimized at 0.
const std::vector<double> kLambda = {0.01, 0.05, 0.3, 0.7, 1.0};

struct Endpoint {
  double f, z_norm2, time;
};

Endpoint run(const std::string& spec, int steps) {
  const TransformPtr t = parse_transform(spec);
  const std::size_t n = kLambda.size();
  const ParameterLayout layout = ParameterLayout::flat(n);
  auto state = init_state<double>(*t, layout);
  AlignedBuffer<double> x(n, 1.0), d(n);
  for (int k = 0; k < steps; ++k) {
    for (std::size_t i = 0; i < n; ++i) d[i] = kLambda[i] * x[i];
    apply<double>(*t, state, d.span(), x.span(), layout);
  }
  Endpoint r{0, 0, state.scalars.at(0)};
  for (std::size_t i = 0; i < n; ++i) {
    r.f += 0.5 * kLambda[i] * x[i] * x[i];
    r.z_norm2 += state.slots.at(0)[i] * state.slots.at(0)[i];
  }
  return r;
}

struct Mean {
  double mean, standard_error;
};
Mean mean_of(const std::vector<double>& v) {
  const double m = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - m) * (x - m);
  var /= static_cast<double>(v.size() - 1);
  return {m, std::sqrt(var / static_cast<double>(v.size()))};
}

constexpr int kSeeds = 400;

TEST(ContinuizedNesterov, StronglyConvexLyapunovFunctionIsASupermartingale) {
  const double lr = 1.0, mu = 0.01, rate = std::sqrt(mu * lr);
  double phi0 = 0;
  for (double l : kLambda) phi0 += 0.5 * l + 0.5 * mu;  // x_0 = z_0 = (1, ..., 1)
  for (int steps : {20, 100, 300}) {
    std::vector<double> m, phi;
    for (int seed = 0; seed < kSeeds; ++seed) {
      const Endpoint r = run("continuized_nesterov(lr=1, mu=0.01, seed=" + std::to_string(seed) + ")", steps);
      const double lyapunov = r.f + 0.5 * mu * r.z_norm2;
      m.push_back(std::exp(rate * r.time) * lyapunov);
      phi.push_back(lyapunov);
    }
    const Mean s = mean_of(m);
    EXPECT_LE(s.mean, phi0 + 3 * s.standard_error) << steps << " steps";
    // The accelerated rate: at T ~ steps, E phi <~ phi0 exp(-sqrt(mu/L) steps) in order of
    // magnitude, where gradient descent with 1/L contracts only by (1 - mu/L)^steps.
    if (steps == 300) {
      EXPECT_LT(mean_of(phi).mean, phi0 * std::pow(1 - mu / lr, 300) / 10);
    }
  }
}

TEST(ContinuizedNesterov, ConvexLyapunovFunctionIsASupermartingale) {
  const double lr = 1.0;
  const double n0 = static_cast<double>(kLambda.size());  // |z_0 - x*|^2 with z_0 = (1, ..., 1)
  for (int steps : {10, 50, 200}) {
    std::vector<double> lyapunov;
    for (int seed = 0; seed < kSeeds; ++seed) {
      const Endpoint r = run("continuized_nesterov(lr=1, mu=0, seed=" + std::to_string(seed) + ")", steps);
      lyapunov.push_back(lr * r.time * r.time / 2 * r.f + r.z_norm2);
    }
    const Mean s = mean_of(lyapunov);
    EXPECT_LE(s.mean, n0 + 3 * s.standard_error) << steps << " steps";
  }
}

TEST(ContinuizedNesterov, WaitingTimesAreExponentialWithMeanOne) {
  std::vector<double> tau;
  for (int k = 1; k <= 20000; ++k) tau.push_back(continuized_waiting_time(5, k));
  const Mean s = mean_of(tau);
  EXPECT_NEAR(s.mean, 1.0, 4 * s.standard_error);  // Exp(1): mean 1, sd 1
  EXPECT_NE(continuized_waiting_time(5, 1), continuized_waiting_time(6, 1));
}

TEST(ContinuizedNesterov, RefusesMuAboveTheSmoothness) {
  EXPECT_THROW(parse_transform("continuized_nesterov(lr=1, mu=2)"), ConfigError);
}

}  // namespace
}  // namespace descent::testing
