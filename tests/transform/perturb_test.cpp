// Noise injection (Orvieto et al., ICML 2022): the counter-based draws, the telescoping of
// Anti-PGD's noise, its exact variance on a quadratic, and its drift to flat minima.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/perturb.hpp"

namespace descent::testing {
namespace {

// The draw computed from its counter is the one a sequential Random of the same stream gives
// at that position: the noise can be regenerated for any step without replaying the run.
TEST(Perturb, DrawsAreTheSequentialStreamAtTheirCounter) {
  for (std::int64_t seed : {0, 7}) {
    Random sequential(static_cast<std::uint64_t>(seed), Stream::noise, 0x70657274u);
    const std::size_t n = 5;
    for (std::int64_t t = 0; t < 4; ++t)
      for (std::size_t j = 0; j < n; ++j) EXPECT_EQ(perturb_standard_normal(seed, t, n, j), sequential.normal());
  }
  EXPECT_NE(perturb_standard_normal(0, 1, 3, 0), perturb_standard_normal(1, 1, 3, 0));
}

// Runs `spec` on f(x) = sum_j q(x_j) from x0, handing each step the gradient `grad`; returns x.
template <class Gradient>
std::vector<double> run(const std::string& spec, std::vector<double> x0, int steps, Gradient grad) {
  const TransformPtr t = parse_transform(spec);
  const std::size_t n = x0.size();
  const ParameterLayout layout = ParameterLayout::flat(n);
  auto state = init_state<double>(*t, layout);
  AlignedBuffer<double> x(n), d(n);
  for (std::size_t j = 0; j < n; ++j) x[j] = x0[j];
  for (int k = 0; k < steps; ++k) {
    grad(x, d);
    apply<double>(*t, state, d.span(), x.span(), layout);
  }
  return std::vector<double>(x.begin(), x.end());
}

// With a zero direction, T Anti-PGD steps move x by sum_t (xi_t - xi_{t-1}) = xi_T - xi_0:
// the noise does not accumulate. PGD's moves add up to sum_t xi_t.
TEST(Perturb, AnticorrelatedNoiseTelescopesAndIndependentNoiseAccumulates) {
  const std::size_t n = 3;
  const int steps = 50;
  const double sigma = 0.5;
  auto zero = [](const AlignedBuffer<double>&, AlignedBuffer<double>& d) { std::fill(d.begin(), d.end(), 0.0); };
  const auto anti = run("perturb(sigma=0.5, kind=anticorrelated, seed=3)", {1, -2, 0.25}, steps, zero);
  const auto pgd = run("perturb(sigma=0.5, kind=independent, seed=3)", {1, -2, 0.25}, steps, zero);
  const std::vector<double> x0 = {1, -2, 0.25};
  for (std::size_t j = 0; j < n; ++j) {
    const double telescoped = sigma * (perturb_standard_normal(3, steps, n, j) - perturb_standard_normal(3, 0, n, j));
    double walk = 0;
    for (int t = 1; t <= steps; ++t) walk += sigma * perturb_standard_normal(3, t, n, j);
    // Each step rounds one sum of numbers below |x| + 4 sigma <= 5: 50 steps stay within
    // 50 * 2 * 5 eps < 1e-12 (the walk's own sum in the test rounds as much again).
    EXPECT_NEAR(anti[j], x0[j] + telescoped, 1e-12) << j;
    EXPECT_NEAR(pgd[j], x0[j] + walk, 1e-12) << j;
  }
}

// GD on f(x) = h/2 x^2 with a = 1 - eta h, from x_0 = 0, coordinate by coordinate:
//   PGD:      x_t = a x_{t-1} + xi_t,  so Var x_T = sigma^2 (1 - a^{2T}) / (1 - a^2)
//             (stationary: sigma^2 / (eta h (2 - eta h)));
//   Anti-PGD: x_t = a x_{t-1} + xi_t - xi_{t-1}. With y_t = x_t - xi_t,
//             y_t = a y_{t-1} - (1 - a) xi_{t-1}, y_0 = -xi_0, so
//             y_T = -a^{T-1} xi_0 - (1 - a) sum_{s=1}^{T-1} a^{T-1-s} xi_s and, xi_T being
//             independent of y_T,
//             Var x_T = sigma^2 [1 + a^{2(T-1)} + (1 - a)^2 (1 - a^{2(T-1)}) / (1 - a^2)]
//             (stationary: sigma^2 (1 + (1 - a) / (1 + a)) = 2 sigma^2 / (2 - eta h)).
// Every coordinate is an independent chain (distinct draws), x_T is Gaussian with mean 0, so
// the mean of x_j^2 over M coordinates has mean Var and standard deviation Var sqrt(2 / M).
// The check allows 6 standard deviations (a false alarm has probability 2e-9; with a fixed
// seed the test is deterministic). eta h = 0.2 makes the two variances differ 2.5-fold.
TEST(Perturb, StationaryVarianceOnAQuadraticFollowsTheClosedForms) {
  const std::size_t m = 4096;
  const int steps = 80;  // a^{2T} = 0.8^160 ~ 3e-16: the chains have forgotten x_0
  const double h = 2, eta = 0.1, sigma = 0.3;
  const double a = 1 - eta * h;
  auto grad = [h](const AlignedBuffer<double>& x, AlignedBuffer<double>& d) {
    for (std::size_t j = 0; j < x.size(); ++j) d[j] = h * x[j];
  };
  const double s2 = sigma * sigma;
  const double pgd_var = s2 * (1 - std::pow(a, 2 * steps)) / (1 - a * a);
  const double anti_var =
      s2 * (1 + std::pow(a, 2 * (steps - 1)) + (1 - a) * (1 - a) * (1 - std::pow(a, 2 * (steps - 1))) / (1 - a * a));
  EXPECT_NEAR(pgd_var, s2 / (eta * h * (2 - eta * h)), 1e-12);
  EXPECT_NEAR(anti_var, 2 * s2 / (2 - eta * h), 1e-12);
  const double tolerance = 6 * std::sqrt(2.0 / static_cast<double>(m));
  for (const auto& [kind, expected] : {std::pair{"independent", pgd_var}, std::pair{"anticorrelated", anti_var}}) {
    const auto x = run(std::string("chain(sgd(lr=0.1), perturb(sigma=0.3, kind=") + kind + ", seed=11))",
                       std::vector<double>(m, 0.0), steps, grad);
    double second_moment = 0;
    for (double v : x) second_moment += v * v;
    second_moment /= static_cast<double>(m);
    EXPECT_NEAR(second_moment / expected, 1.0, tolerance) << kind;
  }
}

// The paper's widening valley in its smallest form, f(u, v) = u^2 v^2 / 2, whose minima are the
// two axes and whose Hessian trace u^2 + v^2 grows along them: flat near the origin, sharp far
// out. From (u, v) = (2, 0): GD has a zero gradient and stays (trace 4). Anti-PGD is SGD on the
// smoothing E f(y + xi) = (u^2 + sigma^2)(v^2 + sigma^2) / 2 (see perturb.hpp), which contracts u
// by at least 1 - eta sigma^2 = 0.996 a step, 1000 steps: e^-4, to the noise floor E|xi|^2 =
// 2 sigma^2 = 0.08. PGD diffuses along the axes, where the curvature grows. 256 independent
// valleys (512 parameters); measured means (numpy, six seeds): PGD 3.2 to 3.7, Anti-PGD 0.074 to
// 0.094. The bounds below leave a factor 2 either side.
TEST(Perturb, AnticorrelatedNoiseDrivesAValleyToItsFlatEnd) {
  const std::size_t valleys = 256;
  std::vector<double> x0(2 * valleys);
  for (std::size_t i = 0; i < valleys; ++i) x0[2 * i] = 2;
  auto grad = [](const AlignedBuffer<double>& x, AlignedBuffer<double>& d) {
    for (std::size_t i = 0; i + 1 < x.size(); i += 2) {
      d[i] = x[i] * x[i + 1] * x[i + 1];
      d[i + 1] = x[i + 1] * x[i] * x[i];
    }
  };
  auto mean_trace = [valleys](const std::vector<double>& x) {
    double s = 0;
    for (double v : x) s += v * v;
    return s / static_cast<double>(valleys);
  };
  const double gd = mean_trace(run("sgd(lr=0.1)", x0, 1000, grad));
  const double pgd =
      mean_trace(run("chain(sgd(lr=0.1), perturb(sigma=0.2, kind=independent, seed=1))", x0, 1000, grad));
  const double anti =
      mean_trace(run("chain(sgd(lr=0.1), perturb(sigma=0.2, kind=anticorrelated, seed=1))", x0, 1000, grad));
  EXPECT_EQ(gd, 4.0);
  EXPECT_LT(anti, 0.2);
  EXPECT_GT(anti, 0.04);
  EXPECT_GT(pgd, 1.6);
  std::printf("mean tr H after 1000 steps: GD %.4g, PGD %.4g, Anti-PGD %.4g\n", gd, pgd, anti);
}

// Inside a partition the group's scattered blocks w1 and w2 (x between them goes elsewhere) are
// one vector of 6 to the transform: w1 gets draws 0..2 and w2 draws 3..5 of step 1, not the
// same three draws each.
TEST(Perturb, APartitionGroupDrawsOneCounterRangeOverItsScatteredBlocks) {
  ParameterLayout layout;
  layout.add("w1", {3});
  layout.add("x", {2});
  layout.add("w2", {3});
  const TransformPtr t =
      parse_transform("partition(group('w?', perturb(sigma=1, kind=independent, seed=4)), default=sgd(lr=0.1))");
  auto state = init_state<double>(*t, layout);
  AlignedBuffer<double> p(8), d(8);
  apply<double>(*t, state, d.span(), p.span(), layout);
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_EQ(p[j], perturb_standard_normal(4, 1, 6, j)) << j;
    EXPECT_EQ(p[5 + j], perturb_standard_normal(4, 1, 6, 3 + j)) << j;
  }
  EXPECT_EQ(p[3], 0.0);
  EXPECT_EQ(p[4], 0.0);
}

TEST(Perturb, SpecAndBadOptions) {
  EXPECT_EQ(perturb()->spec(), "perturb(sigma=0.01, kind=anticorrelated, seed=0)");
  EXPECT_EQ(parse_transform("perturb")->spec(), perturb()->spec());
  EXPECT_THROW(perturb({.sigma = -1}), ConfigError);
  EXPECT_THROW(perturb({.kind = "pink"}), ConfigError);
}

}  // namespace
}  // namespace descent::testing
