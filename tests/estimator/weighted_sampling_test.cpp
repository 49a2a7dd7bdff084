// Weighted sampling: the Fenwick-tree sampler (frequencies within a binomial bound,
// updates, checkpoints), importance sampling by gradient norm (PA&DA) and L-SVRG with
// adaptive sampling (Zhao, Lyu & Kolar 2023) against hand references of their formulas,
// their exact unbiasedness (the expectation enumerated over i with its p_i), and the
// issue's property: adaptive sampling needs no more data passes than uniform sampling to
// reach 1e-8 on data with widely varying row norms, and fewer on at least one such problem.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/adaptive_loopless_svrg.hpp"
#include "descent/estimator/importance_sampling.hpp"
#include "descent/estimator/loopless_svrg.hpp"
#include "descent/estimator/weighted_sampler.hpp"
#include "descent/model/logistic_regression.hpp"
#include "support/logistic_data.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

constexpr double kEps = 2.220446049250313e-16;

// Rows whose norms spread geometrically over a factor `spread` (tests/support/logistic_data.hpp):
// the per-sample smoothness L_i ~ |u_i|^2 / 4 then spreads over spread^2.
Dataset<double> spread_data(std::size_t n, std::size_t d, double spread, std::uint64_t seed) {
  return testing::logistic_data(n, d, spread, seed);
}

std::vector<double> sample_gradient(const FiniteSum<double>& f, std::span<const double> x, std::size_t i) {
  std::vector<double> g(f.dimension());
  const std::size_t one[1] = {i};
  f.per_sample_gradients(x, one, g);  // a code path independent of the estimators' batch calls
  return g;
}

std::vector<double> full_gradient(const FiniteSum<double>& f, std::span<const double> x) {
  std::vector<double> g(f.dimension());
  f.value_and_gradient(x, g);
  return g;
}

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double e : v) s += e * e;
  return std::sqrt(s);
}

// Directions are sums of at most n + 1 terms of size at most max_i 1/(n p_i) |g_i| <= |g| / mix:
// two summation orders differ by a few n eps of that; 1e3 eps n (times the bound) covers it.
double tolerance(std::size_t n, double scale) { return 1e3 * kEps * double(n) * scale; }

// ---------------------------------------------------------------- the sampler

// Bernstein's inequality for a Binomial(N, p) count c:
//   P(|c - Np| >= t) <= 2 exp(-t^2 / (2 (Np(1-p) + t/3))),
// solved for the t that makes the right side delta.
double binomial_bound(double draws, double p, double delta) {
  const double l = std::log(2 / delta), v = draws * p * (1 - p);
  return l / 3 + std::sqrt(l * l / 9 + 2 * v * l);
}

void expect_frequencies(WeightedSampler& s, const std::vector<double>& p, int draws) {
  std::vector<int> counts(p.size(), 0);
  for (int k = 0; k < draws; ++k) ++counts[s.draw()];
  // delta = 1e-7 per index: a false failure has probability below n * 1e-7 (the seeds are fixed besides).
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) {
      EXPECT_EQ(counts[i], 0) << i;
      continue;
    }
    EXPECT_LE(std::abs(counts[i] - draws * p[i]), binomial_bound(draws, p[i], 1e-7)) << "index " << i;
  }
}

TEST(WeightedSampler, FrequenciesMatchTheMixtureWithinABinomialBound) {
  const std::vector<double> w = {0, 1, 2, 3, 0.5, 7, 0, 4, 2.5};  // n = 9: not a power of two
  const double share = 0.2;
  WeightedSampler s(share, 3);
  s.reset(w);
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  std::vector<double> p(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    p[i] = (1 - share) * w[i] / total + share / double(w.size());
    EXPECT_NEAR(s.probability(i), p[i], 4 * kEps);  // a handful of roundings of numbers <= 1
  }
  expect_frequencies(s, p, 40000);

  WeightedSampler pure(0.0, 4);  // no uniform share: weight 0 is never drawn
  pure.reset(w);
  for (std::size_t i = 0; i < w.size(); ++i) p[i] = w[i] / total;
  expect_frequencies(pure, p, 40000);
}

TEST(WeightedSampler, UpdatesChangeTheDistributionAndStayExact) {
  const std::size_t n = 50;
  WeightedSampler s(0.0, 5);
  s.reset(std::vector<double>(n, 1.0));
  std::vector<double> w(n, 1.0);
  Random rng(6, Stream::user);
  // 7 n updates: the tree is rebuilt 7 times, and between rebuilds its partial sums carry
  // at most n rounded deltas of numbers <= 10, i.e. an error below n * 10 * eps * log2(n) on W
  // and on every prefix; relative to W >= n that is under 100 eps.
  for (std::size_t k = 0; k < 7 * n + 3; ++k) {
    const std::size_t i = rng.below(n);
    w[i] = 10 * rng.uniform();
    s.set(i, w[i]);
  }
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  EXPECT_NEAR(s.total(), total, 100 * kEps * total);
  std::vector<double> p(n);
  for (std::size_t i = 0; i < n; ++i) {
    p[i] = w[i] / total;
    EXPECT_NEAR(s.probability(i), p[i], 100 * kEps);
  }
  expect_frequencies(s, p, 50000);
  // Concentrating all weight on one index makes it the only draw.
  for (std::size_t i = 0; i < n; ++i) s.set(i, i == 17 ? 2.0 : 0.0);
  for (int k = 0; k < 200; ++k) EXPECT_EQ(s.draw(), 17u);
  // All weights 0: uniform.
  s.set(17, 0);
  EXPECT_DOUBLE_EQ(s.probability(3), 1.0 / double(n));
}

TEST(WeightedSampler, SaveAndLoadResumeTheSameDraws) {
  WeightedSampler a(0.3, 8), b(0.3, 8);  // the seed is construction, the position state
  a.reset(std::vector<double>{1, 2, 3, 4, 5});
  b.reset(std::vector<double>{1, 1, 1, 1, 1});
  for (int k = 0; k < 10; ++k) a.draw();
  a.set(2, 9.5);
  BinaryWriter out;
  a.save(out);
  BinaryReader in(out.bytes(), "state");
  b.load(in);
  EXPECT_EQ(b.weight(2), 9.5);
  for (int k = 0; k < 50; ++k) EXPECT_EQ(a.draw(), b.draw()) << k;

  WeightedSampler wrong_size(0.3, 8);
  wrong_size.reset(std::vector<double>{1, 2});
  BinaryReader again(out.bytes(), "state");
  EXPECT_THROW(wrong_size.load(again), FormatError);
  EXPECT_EQ(wrong_size.weight(1), 2.0);  // nothing assigned on failure
}

TEST(WeightedSampler, RejectsBadWeightsAndShares) {
  EXPECT_THROW(WeightedSampler(1.5, 0), ConfigError);
  EXPECT_THROW(WeightedSampler(-0.1, 0), ConfigError);
  WeightedSampler s(0.1, 0);
  try {
    s.reset(std::vector<double>{1, -2, 3});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("weight[1]"), std::string::npos) << e.what();
  }
  s.reset(std::vector<double>{1, 2, 3});
  EXPECT_THROW(s.set(1, std::nan("")), ConfigError);
  EXPECT_THROW(s.set(1, INFINITY), ConfigError);
  EXPECT_THROW(s.set(3, 1.0), ConfigError);
  WeightedSampler empty(0.1, 0);
  EXPECT_THROW(empty.draw(), MismatchError);
}

// ---------------------------------------------------------------- importance sampling

TEST(ImportanceSampling, DirectionIsTheUnbiasedWeightedMeanOfNormProportionalDraws) {
  const std::size_t n = 24;
  const auto data = spread_data(n, 3, 10.0, 11);
  LogisticRegression<double> f(data, {.l2 = 0.05, .bias = true});
  const std::size_t d = f.dimension();
  const double mix = 0.2;
  const std::int64_t batch = 3, period = 4;
  ImportanceSampling<double> est({.batch_size = batch, .mix = mix, .refresh_period = period}, 13);
  est.bind(f);
  // The reference: the table of norms by definition, replayed through a sampler on the same stream.
  WeightedSampler replay(mix, 13);
  std::vector<double> norms(n);
  std::vector<double> x(d, 0.1), direction(d);
  for (int step = 0; step < 12; ++step) {
    const bool full = step == 0 || step % period == 0;
    if (full) {
      for (std::size_t i = 0; i < n; ++i) norms[i] = norm(sample_gradient(f, x, i));
      replay.reset(norms);
    }
    double total = std::accumulate(norms.begin(), norms.end(), 0.0);
    std::vector<std::size_t> drawn;
    replay.draw(batch, drawn);
    std::vector<double> expected(d, 0.0), p(batch);
    for (std::int64_t k = 0; k < batch; ++k) {
      p[k] = (1 - mix) * norms[drawn[k]] / total + mix / double(n);
      const auto g = sample_gradient(f, x, drawn[k]);
      for (std::size_t j = 0; j < d; ++j) expected[j] += g[j] / (double(batch) * double(n) * p[k]);
    }
    const auto e = est.estimate(f, x, direction);
    const double scale = norm(full_gradient(f, x)) / mix + 1;
    for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(direction[j], expected[j], tolerance(n, scale)) << step;
    EXPECT_EQ(e.sample_gradients, batch + (full ? std::int64_t(n) : 0)) << step;
    // The drawn samples' norms are refreshed at x, after the step's draws.
    for (std::int64_t k = 0; k < batch; ++k) {
      norms[drawn[k]] = norm(sample_gradient(f, x, drawn[k]));
      replay.set(drawn[k], norms[drawn[k]]);
    }
    total = std::accumulate(norms.begin(), norms.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i)
      EXPECT_NEAR(est.sampler().probability(i), (1 - mix) * norms[i] / total + mix / double(n), 1e3 * kEps) << i;
    for (std::size_t j = 0; j < d; ++j) x[j] -= 0.3 * direction[j];
  }
}

TEST(ImportanceSampling, ExpectationOverTheDistributionIsTheFullGradient) {
  // With |B| = 1 the direction for a draw i is grad f_i(x) / (n p_i); enumerate i.
  const std::size_t n = 30;
  const auto data = spread_data(n, 4, 30.0, 12);
  LogisticRegression<double> f(data, {.l2 = 0.01, .bias = true});
  ImportanceSampling<double> est({.mix = 0.05}, 1);
  est.bind(f);
  std::vector<double> x(f.dimension(), -0.2), direction(x.size());
  for (int step = 0; step < 5; ++step) {
    est.estimate(f, x, direction);
    for (std::size_t j = 0; j < x.size(); ++j) x[j] -= 0.1 * direction[j];
  }
  std::vector<double> expectation(x.size(), 0.0);
  double mass = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double p = est.sampler().probability(i);
    EXPECT_GE(p, 0.05 / double(n) * (1 - 1e-12));  // the uniform floor
    mass += p;
    const auto g = sample_gradient(f, x, i);
    for (std::size_t j = 0; j < x.size(); ++j) expectation[j] += p * g[j] / (double(n) * p);
  }
  EXPECT_NEAR(mass, 1.0, 1e3 * kEps);
  const auto g = full_gradient(f, x);
  for (std::size_t j = 0; j < x.size(); ++j) EXPECT_NEAR(expectation[j], g[j], tolerance(n, norm(g) / 0.05 + 1));
}

// ---------------------------------------------------------------- L-SVRG with adaptive sampling

TEST(AdaptiveLooplessSvrg, FollowsTheControlVariateAndTheExponentiatedGradientStep) {
  const std::size_t n = 20;
  const auto data = spread_data(n, 3, 20.0, 14);
  LogisticRegression<double> f(data, {.l2 = 0.05, .bias = true});
  const std::size_t d = f.dimension();
  const AdaptiveLooplessSvrgOptions o{.batch_size = 2, .probability = 0.2, .alpha = 0.25, .learning_rate = 2};
  AdaptiveLooplessSvrg<double> est(o, 21);
  est.bind(f);
  WeightedSampler replay(o.alpha, 21);
  Random coin(21, Stream::sampling, 1);
  std::vector<double> q(n, 1.0), x(d, 0.05), direction(d), w = x;
  double loss_sum = 0;
  int loss_count = 0;
  int moved = 0;
  for (int step = 0; step < 40; ++step) {
    replay.reset(q);
    std::vector<std::size_t> drawn;
    replay.draw(2, drawn);
    const double qsum = std::accumulate(q.begin(), q.end(), 0.0);
    auto prob = [&](std::size_t i) { return (1 - o.alpha) * q[i] / qsum + o.alpha / double(n); };
    const auto mu = full_gradient(f, w);
    std::vector<double> expected = mu, a(2), p(2);
    for (int k = 0; k < 2; ++k) {
      p[k] = prob(drawn[k]);
      const auto gx = sample_gradient(f, x, drawn[k]), gw = sample_gradient(f, w, drawn[k]);
      a[k] = 0;
      for (std::size_t j = 0; j < d; ++j) {
        expected[j] += (gx[j] - gw[j]) / (2 * double(n) * p[k]);
        a[k] += (gx[j] - gw[j]) * (gx[j] - gw[j]);
      }
    }
    // Unbiasedness, by enumeration: sum_i p_i (mu + (g_i(x) - g_i(w)) / (n p_i)) = grad f(x).
    std::vector<double> mean(d, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const auto gx = sample_gradient(f, x, i), gw = sample_gradient(f, w, i);
      for (std::size_t j = 0; j < d; ++j) mean[j] += prob(i) * (mu[j] + (gx[j] - gw[j]) / (double(n) * prob(i)));
    }
    const auto g = full_gradient(f, x);
    const double scale = (norm(g) + norm(mu)) / o.alpha + 1;
    for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(mean[j], g[j], tolerance(n, scale)) << step;

    const auto e = est.estimate(f, x, direction);
    ASSERT_EQ(est.last_batch(), drawn) << step;
    for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(direction[j], expected[j], tolerance(n, scale)) << step;
    // The learner's step, written out from the definitions in the header.
    double dist2 = 0;
    for (std::size_t j = 0; j < d; ++j) dist2 += (x[j] - w[j]) * (x[j] - w[j]);
    if (dist2 > 0) {
      double estimate = 0;
      for (int k = 0; k < 2; ++k) estimate += a[k] / dist2 / (double(n * n) * p[k] * p[k]) / 2;
      loss_sum += estimate;
      ++loss_count;
      const double mean_loss = loss_sum / loss_count;
      for (int k = 0; k < 2; ++k) {
        const double relative = a[k] / dist2 / (double(n * n) * p[k] * p[k]) / mean_loss;
        q[drawn[k]] *= std::exp(std::min(1.0, o.learning_rate * (1 - o.alpha) * relative / (double(n) * p[k] * 2)));
      }
    }
    const double qs = std::accumulate(q.begin(), q.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i)
      EXPECT_NEAR(est.sampler().probability(i), (1 - o.alpha) * q[i] / qs + o.alpha / double(n), 1e3 * kEps) << step;
    // The snapshot coin, flipped after the direction: w_{k+1} = x_k with probability 0.2.
    const bool refresh = coin.uniform() < 0.2;
    if (refresh) {
      w = x;
      ++moved;
    }
    EXPECT_EQ(e.sample_gradients, 4 + (step == 0 ? std::int64_t(n) : 0) + (refresh ? std::int64_t(n) : 0)) << step;
    for (std::size_t j = 0; j < d; ++j) x[j] -= 0.4 * direction[j];
  }
  EXPECT_EQ(est.snapshots(), 1 + moved);
  EXPECT_GT(moved, 2);  // fixed by the seed; makes sure the test saw snapshots move
  // The learned distribution is no longer uniform.
  double lo = 1, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    lo = std::min(lo, est.sampler().probability(i));
    hi = std::max(hi, est.sampler().probability(i));
  }
  EXPECT_GT(hi, 1.5 * lo);
}

TEST(AdaptiveLooplessSvrg, StateRoundTripsAndBadOptionsAreRefused) {
  const auto data = spread_data(15, 3, 10.0, 15);
  LogisticRegression<double> f(data, {.l2 = 0.1, .bias = true});
  AdaptiveLooplessSvrg<double> a({.batch_size = 2}, 4), b({.batch_size = 2}, 4);
  ImportanceSampling<double> c({.batch_size = 2, .refresh_period = 3}, 4), e({.batch_size = 2, .refresh_period = 3}, 4);
  Estimator<double>* pairs[2][2] = {{&a, &b}, {&c, &e}};
  for (auto& pair : pairs) {
    pair[0]->bind(f);
    pair[1]->bind(f);
    std::vector<double> x(f.dimension(), 0.1), g0(x.size()), g1(x.size());
    for (int s = 0; s < 9; ++s) {
      pair[0]->estimate(f, x, g0);
      x[s % x.size()] -= 0.1;
    }
    BinaryWriter out;
    pair[0]->save(out);
    BinaryReader in(out.bytes(), "state");
    pair[1]->load(in);
    for (int s = 0; s < 9; ++s) {
      pair[0]->estimate(f, x, g0);
      pair[1]->estimate(f, x, g1);
      EXPECT_EQ(g0, g1) << pair[0]->spec() << " step " << s;
      x[s % x.size()] += 0.05;
    }
  }
  EXPECT_EQ(a.spec(), "lsvrg_as(batch_size=2, probability=0, alpha=0.1, learning_rate=1)");
  EXPECT_EQ(c.spec(), "importance(batch_size=2, mix=0.1, refresh_period=3)");
  try {
    AdaptiveLooplessSvrg<double>({.alpha = 0});
    FAIL() << "no error";
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("AdaptiveLooplessSvrgOptions::alpha = 0 violates"), std::string::npos)
        << err.what();
  }
  EXPECT_THROW(ImportanceSampling<double>({.mix = 1.5}), ConfigError);
  EXPECT_THROW(ImportanceSampling<double>({.refresh_period = -1}), ConfigError);
  testing::DiagonalQuadratic<double> not_a_sum(3, 2.0);
  EXPECT_THROW(a.bind(not_a_sum), MismatchError);
  EXPECT_THROW(c.bind(not_a_sum), MismatchError);
  std::vector<double> x(3), g(3);
  AdaptiveLooplessSvrg<double> unbound;
  EXPECT_THROW(unbound.estimate(not_a_sum, x, g), MismatchError);
}

// ---------------------------------------------------------------- data passes to 1e-8

// The minimizer by full-gradient descent with step 1/L, checked by its gradient norm.
std::vector<double> minimizer(const FiniteSum<double>& f, double smoothness) {
  std::vector<double> x(f.dimension(), 0.0), g(f.dimension());
  for (int k = 0; k < 200000; ++k) {
    f.value_and_gradient(x, g);
    if (norm(g) < 1e-14) break;
    for (std::size_t j = 0; j < x.size(); ++j) x[j] -= g[j] / smoothness;
  }
  f.value_and_gradient(x, g);
  EXPECT_LT(norm(g), 1e-12) << "reference minimizer not converged";
  return x;
}

// Data passes (every per-sample gradient the estimator reports, snapshots' full passes
// included, divided by n) until (f(x) - f*) / f* <= 1e-8, checked once per pass of steps;
// the cap if never reached.
double passes_to_target(const FiniteSum<double>& f, Estimator<double>& est, double lr, double f_star, double cap) {
  const std::size_t n = f.num_samples();
  est.bind(f);
  std::vector<double> x(f.dimension(), 0.0), direction(x.size());
  std::int64_t gradients = 0;
  while (double(gradients) / double(n) < cap) {
    for (std::size_t s = 0; s < n; ++s) {
      gradients += est.estimate(f, x, direction).sample_gradients;
      for (std::size_t j = 0; j < x.size(); ++j) x[j] -= lr * direction[j];
    }
    if ((f.value(x) - f_star) / f_star <= 1e-8) return double(gradients) / double(n);
  }
  return cap;
}

TEST(AdaptiveLooplessSvrg, NeedsNoMoreDataPassesThanUniformSamplingOnSpreadRowNorms) {
  // Row norms spread over 30x and 100x (per-sample smoothness L_i over 900x and 1e4x).
  // Both runs use the same step 1/(2 Lbar), Lbar = mean_i L_i: a step of the order that
  // non-uniform sampling affords (its theory replaces L_max by a mean of the L_i; Qian et
  // al. 2021, Zhao et al. 2023), 5-6x the uniform theory step 1/(6 L_max) here. (At
  // 1/(6 L_max) the step, not the variance, limits the rate and both need the same passes,
  // about 230-250 on these problems: too slow for a unit test; see the docs' table.)
  // |B| = 1, p = 1/n. The count is the estimators' own sample-gradient count: 2 per step,
  // n per snapshot; the adaptive sampler learns from the gradients the step computed
  // anyway (no extra cost). Each figure is the mean over 3 seeds (paired: the same seed
  // gives both the same snapshot coin); "no more" allows 10 % for the draws' randomness.
  // On 20 seeds the adaptive/uniform ratios are 0.77, 0.71, 0.69 and 0.42.
  struct Problem {
    double spread, lambda;
  };
  const Problem problems[] = {{30.0, 0.5}, {30.0, 2.0}, {100.0, 5.0}, {100.0, 20.0}};
  const std::size_t n = 100, d = 5;
  bool fewer_somewhere = false;
  for (const auto& pb : problems) {
    const auto data = spread_data(n, d, pb.spread, 31);
    LogisticRegression<double> f(data, {.l2 = pb.lambda, .bias = false});
    double l_max = 0, l_mean = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double s = 0;
      for (std::size_t j = 0; j < d; ++j) s += std::pow(data.dense().values[i * d + j], 2);
      l_max = std::max(l_max, s / 4 + pb.lambda);
      l_mean += (s / 4 + pb.lambda) / double(n);
    }
    // Lbar bounds the full sum's smoothness (trace of (1/n) sum u u^T / 4 + lambda), so 1/Lbar is a safe GD step.
    const double f_star = f.value(minimizer(f, l_mean));
    const double lr = 1 / (2 * l_mean), cap = 150;
    double uniform = 0, adaptive = 0;
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      LooplessSvrg<double> u({}, seed);
      AdaptiveLooplessSvrg<double> a({}, seed);
      uniform += passes_to_target(f, u, lr, f_star, cap) / 3;
      adaptive += passes_to_target(f, a, lr, f_star, cap) / 3;
    }
    std::printf("spread %gx, lambda %g: passes to 1e-8: uniform %.1f, adaptive %.1f\n", pb.spread, pb.lambda, uniform,
                adaptive);
    EXPECT_LT(uniform, cap);
    EXPECT_LT(adaptive, cap);
    EXPECT_LE(adaptive, 1.1 * uniform) << "spread " << pb.spread << ", lambda " << pb.lambda;
    if (adaptive < 0.8 * uniform) fewer_somewhere = true;
  }
  EXPECT_TRUE(fewer_somewhere);
}

}  // namespace
}  // namespace descent
