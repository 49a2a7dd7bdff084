#include "descent/distributed/straggler_simulator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "support/error_of.hpp"

namespace descent {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using testing::error_of;

double harmonic(std::size_t m, double power = 1) {
  double h = 0;
  for (std::size_t i = 1; i <= m; ++i) h += 1 / std::pow(static_cast<double>(i), power);
  return h;
}

// E[U^-p] for U the j-th smallest of n uniforms, U ~ Beta(j, n - j + 1):
// Gamma(j - p) Gamma(n + 1) / (Gamma(j) Gamma(n + 1 - p)), finite for p < j.
double beta_negative_moment(std::size_t j, std::size_t n, double p) {
  const double jd = static_cast<double>(j), nd = static_cast<double>(n);
  return std::exp(std::lgamma(jd - p) + std::lgamma(nd + 1) - std::lgamma(jd) - std::lgamma(nd + 1 - p));
}

TEST(StragglerSimulator, CollectTakesTheFirstAnswersInOrderOfArrival) {
  const std::vector<double> finish = {5, 1, kInf, 3, 2, 3};
  const StragglerRound r = StragglerSimulator::collect(finish, 4, 0);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.responders, (std::vector<std::size_t>{1, 4, 3, 5}));  // equal times: lower index first
  EXPECT_EQ(r.time, 3.0);
  const StragglerRound late = StragglerSimulator::collect(finish, 4, 2.5);
  EXPECT_FALSE(late.complete);
  EXPECT_EQ(late.responders, (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(late.time, 2.5);
  const StragglerRound forever = StragglerSimulator::collect(finish, 6, 0);
  EXPECT_FALSE(forever.complete);
  EXPECT_EQ(forever.time, kInf);
}

// (d), deterministic: two workers of six hang for 10 time units. Uncoded (load 1, all six
// needed) the step lasts 1 + 10; coded for s = 2 (load 3, four needed) it lasts 3.
TEST(StragglerSimulator, ADeterministicStragglerPatternFavoursTheCode) {
  const std::vector<double> delay = {10, 0, 0, 10, 0, 0};
  std::vector<double> uncoded(6), coded(6);
  for (std::size_t i = 0; i < 6; ++i) {
    uncoded[i] = 1 * 1.0 + delay[i];
    coded[i] = 1 * 3.0 + delay[i];
  }
  EXPECT_EQ(StragglerSimulator::collect(uncoded, 6, 0).time, 11.0);
  const StragglerRound r = StragglerSimulator::collect(coded, 4, 0);
  EXPECT_EQ(r.time, 3.0);
  EXPECT_EQ(r.responders, (std::vector<std::size_t>{1, 2, 4, 5}));
}

// (d), statistical. Exponential delays of mean mu on n workers with equal loads: the step
// ends at the needed-th order statistic, whose mean and variance are (Renyi)
//   E = unit load + mu sum_{i = n - needed + 1}^{n} 1/i,   Var = mu^2 sum_{same i} 1/i^2.
// Uncoded: load 1, needed n. Coded: load s + 1, needed n - s. The sample mean of N steps is
// within 5 standard errors sqrt(Var / N) of E (a normal tail of 6e-7; the seed is fixed, so
// the test is deterministic and the margin guards against a wrong formula, not luck), and the
// coded mean is below the uncoded by mu H_s - s unit > 0 for these numbers (4 * 1.5 - 2 = 4).
TEST(StragglerSimulator, ExponentialDelaysMatchTheOrderStatisticsAndFavourTheCode) {
  const std::size_t n = 8, s = 2, steps = 4000;
  const double mu = 4, unit = 1;
  StragglerOptions options;
  options.unit_time = unit;
  options.delay = "exponential";
  options.delay_mean = mu;
  StragglerSimulator uncoded(options, n, 11), coded(options, n, 11);
  const std::vector<double> load1(n, 1.0), load3(n, static_cast<double>(s + 1));
  double sum_uncoded = 0, sum_coded = 0;
  for (std::size_t t = 0; t < steps; ++t) {
    sum_uncoded += uncoded.step(load1, n).time;
    sum_coded += coded.step(load3, n - s).time;
  }
  const double mean_uncoded = sum_uncoded / steps, mean_coded = sum_coded / steps;
  const double expected_uncoded = unit + mu * harmonic(n);
  const double expected_coded = (s + 1) * unit + mu * (harmonic(n) - harmonic(s));
  const double se_uncoded = mu * std::sqrt(harmonic(n, 2) / steps);
  const double se_coded = mu * std::sqrt((harmonic(n, 2) - harmonic(s, 2)) / steps);
  EXPECT_NEAR(mean_uncoded, expected_uncoded, 5 * se_uncoded);
  EXPECT_NEAR(mean_coded, expected_coded, 5 * se_coded);
  EXPECT_LT(mean_coded + 5 * se_coded, mean_uncoded - 5 * se_uncoded);
  // Four 32-bit draws per worker per attempt, whatever the loads.
  EXPECT_EQ(coded.position(), 4 * n * steps);
}

// (d), heavy tail. Pareto delays D = x_m U^(-1/alpha), x_m = mu (alpha - 1) / alpha: the
// k-th smallest of n is x_m U_(n-k+1)^(-1/alpha), so its moments are x_m^q E[U_(j)^(-q/alpha)]
// with j = n - k + 1 (beta_negative_moment): finite for q < j alpha. alpha = 3 keeps the
// variance of the maximum finite (2 < 3), so the 5-standard-error margin of the previous test
// applies; the tail is still polynomial, and the uncoded step pays for it.
TEST(StragglerSimulator, ParetoDelaysMatchTheOrderStatisticsAndFavourTheCode) {
  const std::size_t n = 8, s = 2, steps = 4000;
  const double mu = 4, alpha = 3, unit = 1;
  const double xm = mu * (alpha - 1) / alpha;
  StragglerOptions options;
  options.unit_time = unit;
  options.delay = "pareto";
  options.delay_mean = mu;
  options.pareto_shape = alpha;
  StragglerSimulator uncoded(options, n, 5), coded(options, n, 6);
  const std::vector<double> load1(n, 1.0), load3(n, static_cast<double>(s + 1));
  double sum_uncoded = 0, sum_coded = 0;
  for (std::size_t t = 0; t < steps; ++t) {
    sum_uncoded += uncoded.step(load1, n).time;
    sum_coded += coded.step(load3, n - s).time;
  }
  const auto moments = [&](std::size_t needed) {
    const std::size_t j = n - needed + 1;
    const double m1 = xm * beta_negative_moment(j, n, 1 / alpha);
    const double m2 = xm * xm * beta_negative_moment(j, n, 2 / alpha);
    return std::pair<double, double>{m1, std::sqrt((m2 - m1 * m1) / steps)};
  };
  const auto [delay_uncoded, se_uncoded] = moments(n);
  const auto [delay_coded, se_coded] = moments(n - s);
  EXPECT_NEAR(sum_uncoded / steps, unit + delay_uncoded, 5 * se_uncoded);
  EXPECT_NEAR(sum_coded / steps, (s + 1) * unit + delay_coded, 5 * se_coded);
  EXPECT_LT(sum_coded / steps + 5 * se_coded, sum_uncoded / steps - 5 * se_uncoded);
}

// Drops with a timeout: with no delay every answer arrives at time `load`, so an attempt
// succeeds exactly when at least `needed` workers are not dropped, and a step costs
// (attempts - 1) timeout + load. With p = 1/2 and n = 4, P(success) is 1/16 for needed = 4 and
// 5/16 for needed = 3; the attempts are geometric with mean 1/P and variance (1 - P)/P^2.
TEST(StragglerSimulator, DroppedWorkersRestartTheStepAfterTheTimeout) {
  StragglerOptions options;
  options.delay = "none";
  options.drop_probability = 0.5;
  options.timeout = 10;
  const std::size_t n = 4, steps = 2000;
  for (std::size_t needed : {4u, 3u}) {
    StragglerSimulator sim(options, n, 2);
    const std::vector<double> loads(n, 1.0);
    double attempts = 0;
    for (std::size_t t = 0; t < steps; ++t) {
      const StragglerStep step = sim.step(loads, needed);
      EXPECT_EQ(step.time, static_cast<double>(step.attempts - 1) * 10 + 1);
      EXPECT_EQ(step.responders.size(), needed);
      attempts += static_cast<double>(step.attempts);
    }
    const double p = needed == 4 ? 1.0 / 16 : 5.0 / 16;
    EXPECT_NEAR(attempts / steps, 1 / p, 5 * std::sqrt((1 - p) / (p * p) / steps)) << needed;
  }
}

TEST(StragglerSimulator, InvalidOptionsNameTheirField) {
  StragglerOptions o;
  o.drop_probability = 0.1;
  EXPECT_EQ(error_of([&] { StragglerSimulator(o, 3); }),
            "StragglerOptions::timeout = 0 violates timeout > 0 when drop_probability > 0 (a dropped worker would be "
            "waited for forever)");
  o = {};
  o.pareto_shape = 1;
  EXPECT_EQ(error_of([&] { StragglerSimulator(o, 3); }),
            "StragglerOptions::pareto_shape = 1 violates pareto_shape > 1");
  o = {};
  o.drop_probability = 1;
  EXPECT_EQ(error_of([&] { StragglerSimulator(o, 3); }),
            "StragglerOptions::drop_probability = 1 violates 0 <= drop_probability < 1");
  o = {};
  o.delay = "gamma";
  EXPECT_THROW(StragglerSimulator(o, 3), ConfigError);
  EXPECT_THROW(StragglerSimulator({}, 0), ConfigError);
  StragglerSimulator sim({}, 3);
  const std::vector<double> two = {1, 1};
  EXPECT_THROW(sim.round(two, 2), MismatchError);
  const std::vector<double> three = {1, 1, 1};
  EXPECT_THROW(sim.round(three, 4), MismatchError);
  EXPECT_THROW(sim.round(three, 0), MismatchError);
  const std::vector<double> negative = {1, -1, 1};
  EXPECT_THROW(sim.round(negative, 2), MismatchError);
}

}  // namespace
}  // namespace descent
