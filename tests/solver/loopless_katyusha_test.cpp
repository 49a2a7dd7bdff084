// L-Katyusha: the recursion against a hand-written reference of the paper's Algorithm 2,
// and the accelerated rate it promises: on an ill-conditioned strongly convex problem
// (L / mu far above n) it needs fewer data passes than L-SVRG at the paper's steps.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/loopless_svrg.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/solver/loopless_katyusha.hpp"
#include "descent/transform/sgd.hpp"
#include "support/logistic_data.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::logistic_data;
using testing::max_sample_smoothness;

// f* by gradient descent with step 1/L until the gradient norm is at rounding level.
double minimum(const FiniteSum<double>& f, double L) {
  std::vector<double> x(f.dimension(), 0.0), g(x.size());
  double value = 0;
  for (int k = 0; k < 200000; ++k) {
    value = f.value_and_gradient(x, g);
    double norm = 0;
    for (double v : g) norm += v * v;
    if (std::sqrt(norm) < 1e-13) break;
    for (std::size_t j = 0; j < x.size(); ++j) x[j] -= g[j] / L;
  }
  return value;
}

TEST(LooplessKatyusha, FollowsAlgorithm2StepByStep) {
  const auto data = logistic_data(20, 3, 3.0, 1);
  LogisticRegression<double> f(data, {.l2 = 0.1, .bias = false});
  const std::size_t d = f.dimension();
  const LooplessKatyushaOptions o{.smoothness = max_sample_smoothness(data, 0.1),
                                  .strong_convexity = 0.1,
                                  .probability = 0.3,
                                  .batch_size = 2,
                                  .max_steps = 25,
                                  .seed = 4};
  // The reference: the paper's recursion written out, with its own replay of the streams.
  const double sigma = o.strong_convexity / o.smoothness;
  const double theta1 = std::min(std::sqrt(2 * sigma / (3 * 0.3)), 0.5), theta2 = 0.5;
  const double eta = theta2 / ((1 + theta2) * theta1);
  auto sampler = replacement_sampler(2, 4);
  sampler->bind(20);
  Random coin(4, Stream::sampling, 1);
  std::vector<double> y(d, 0.2), z = y, w = y, x(d), mu(d), gx(d), gw(d);
  f.value_and_gradient(w, mu);
  std::vector<std::vector<double>> expected;
  for (int k = 0; k < 25; ++k) {
    for (std::size_t j = 0; j < d; ++j) x[j] = theta1 * z[j] + theta2 * w[j] + (1 - theta1 - theta2) * y[j];
    std::vector<std::size_t> batch;
    sampler->next(batch);
    f.batch_value_and_gradient(x, batch, gx);
    f.batch_value_and_gradient(w, batch, gw);
    std::vector<double> y_next(d);
    for (std::size_t j = 0; j < d; ++j) {
      const double g = gx[j] - gw[j] + mu[j];
      const double z_next = (eta * sigma * x[j] + z[j] - eta / o.smoothness * g) / (1 + eta * sigma);
      y_next[j] = x[j] + theta1 * (z_next - z[j]);
      z[j] = z_next;
    }
    if (coin.uniform() < 0.3) {
      w = y;  // w_{k+1} = y_k
      f.value_and_gradient(w, mu);
    }
    y = y_next;
    expected.push_back(y);
  }
  Parameters<double> params = Parameters<double>::from(std::vector<double>(d, 0.2));
  int k = 0;
  const auto summary = loopless_katyusha<double>(f, params, o, [&](const KatyushaStep<double>& s) {
    // Same operations in the same order up to the fused terms: a few ulps of |y| (~1).
    for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(s.y[j], expected[k][j], 1e-13) << "step " << k;
    ++k;
    return false;
  });
  EXPECT_EQ(k, 25);
  EXPECT_EQ(summary.steps, 25);
  EXPECT_EQ(summary.termination, Termination::max_steps);
  for (std::size_t j = 0; j < d; ++j) EXPECT_NEAR(params[j], expected.back()[j], 1e-13);
}

TEST(LooplessKatyusha, BeatsLooplessSvrgWhenTheConditionNumberDwarfsN) {
  // n = 100 and L / mu about 2e3: L-SVRG needs O((n + L/mu) log 1/eps) sample gradients,
  // L-Katyusha O((n + sqrt(n L / mu)) log 1/eps), about 4x fewer here. Both at the
  // paper's parameters (L-SVRG: step 1/(6L), p = 1/n; L-Katyusha: theta from sigma, p = 1/n),
  // counted in data passes to a relative suboptimality of 1e-8.
  const std::size_t n = 100;
  const auto data = logistic_data(n, 5, 3.0, 2);
  const double lambda = 1e-3;
  LogisticRegression<double> f(data, {.l2 = lambda, .bias = false});
  const double L = max_sample_smoothness(data, lambda);
  const double f_star = minimum(f, L);
  const double target = 1e-8;

  double katyusha_passes = -1;
  Parameters<double> y = Parameters<double>::from(std::vector<double>(f.dimension(), 0.0));
  const auto summary =
      loopless_katyusha<double>(f, y, {.smoothness = L, .strong_convexity = lambda, .max_steps = 400000, .seed = 1},
                                [&](const KatyushaStep<double>& s) {
                                  if (s.step % 50 != 0) return false;
                                  if ((f.value(s.y) - f_star) / f_star > target) return false;
                                  katyusha_passes = double(s.sample_gradients) / n;
                                  return true;
                                });
  ASSERT_GT(katyusha_passes, 0) << "L-Katyusha did not reach the target: " << summary.message;

  double svrg_passes = -1;
  struct Watch final : Callback<double> {
    const FiniteSum<double>* f;
    double f_star, target, *passes;
    std::optional<Stop> after_update(const StepReport<double>& r, const LoopView<double>& loop) override {
      if (r.step % 50 != 0 || (f->value(loop.params.flat()) - f_star) / f_star > target) return std::nullopt;
      *passes = double(r.sample_gradients) / double(f->num_samples());
      return Stop{Termination::converged, "target"};
    }
  };
  auto watch = std::make_shared<Watch>();
  watch->f = &f;
  watch->f_star = f_star;
  watch->target = target;
  watch->passes = &svrg_passes;
  auto x = Parameters<double>::from(std::vector<double>(f.dimension(), 0.0));
  MinimizeOptions<double> options{.max_steps = 2000000,
                                  .estimator = std::make_shared<LooplessSvrg<double>>(LooplessSvrgOptions{}, 1)};
  options.callbacks.push_back(watch);
  auto opt = sgd({.lr = constant(1 / (6 * L))});
  minimize(f, x, *opt, options);
  ASSERT_GT(svrg_passes, 0) << "L-SVRG did not reach the target";
  // The rates differ by about 4x; require at least 1.5x so that seed-to-seed spread cannot flip it.
  EXPECT_LT(katyusha_passes * 1.5, svrg_passes)
      << "L-Katyusha " << katyusha_passes << " passes, L-SVRG " << svrg_passes;
}

// Mean of the per-sample smoothness constants |u_i|^2 / 4 + lambda.
double mean_sample_smoothness(const Dataset<double>& data, double lambda) {
  const auto& v = data.dense().values;
  double total = 0;
  for (std::size_t k = 0; k < v.size(); ++k) total += v[k] * v[k];
  return total / double(data.size()) / 4 + lambda;
}

// Passes to a relative suboptimality of 1e-8, checked every 100 steps (-1: not within max_steps).
double passes_to_target(const LogisticRegression<double>& f, double f_star, LooplessKatyushaOptions options) {
  double passes = -1;
  Parameters<double> y = Parameters<double>::from(std::vector<double>(f.dimension(), 0.0));
  loopless_katyusha<double>(f, y, options, [&](const KatyushaStep<double>& s) {
    if (s.step % 100 != 0 || (f.value(s.y) - f_star) / f_star > 1e-8) return false;
    passes = double(s.sample_gradients) / double(f.num_samples());
    return true;
  });
  return passes;
}

TEST(LooplessKatyusha, AdaptiveSamplingNeedsFewerPassesWhenRowNormsSpreadWidely) {
  // Rows whose norms spread over 100x: L_max is about 10^4 times the smallest L_i and far
  // above their mean. Uniform sampling must take L = L_max (every f_i's smoothness); with
  // p learned towards |grad f_i(x) - grad f_i(w)| the sampling concentrates on the large
  // rows, whose corrections it then divides by n p_i, and the step can use the mean
  // smoothness (Zhao, Lyu & Kolar 2023). Same seeds, same mu; data passes include the
  // snapshots (the learner reuses the step's gradients, so it adds none).
  const std::size_t n = 100;
  const auto data = logistic_data(n, 5, 100.0, 5);
  const double lambda = 0.2;
  LogisticRegression<double> f(data, {.l2 = lambda, .bias = false});
  const double L_max = max_sample_smoothness(data, lambda), L_mean = mean_sample_smoothness(data, lambda);
  // The full Hessian is at most (1/n) sum_i |u_i|^2 / 4 + lambda = L_mean: a safe GD step.
  const double f_star = minimum(f, L_mean);
  double uniform = 0, adaptive = 0;
  for (std::uint64_t seed : {1, 2}) {
    const double u = passes_to_target(
        f, f_star, {.smoothness = L_max, .strong_convexity = lambda, .max_steps = 200000, .seed = seed});
    const double a = passes_to_target(f, f_star,
                                      {.smoothness = L_mean,
                                       .strong_convexity = lambda,
                                       .max_steps = 200000,
                                       .adaptive_sampling = true,
                                       .seed = seed});
    ASSERT_GT(u, 0) << "uniform, seed " << seed;
    ASSERT_GT(a, 0) << "adaptive, seed " << seed;
    uniform += u;
    adaptive += a;
  }
  EXPECT_LT(adaptive, uniform) << "adaptive " << adaptive / 2 << " passes, uniform " << uniform / 2;
}

TEST(LooplessKatyusha, RejectsBadOptionsAndObjectives) {
  const auto data = logistic_data(10, 2, 2.0, 3);
  LogisticRegression<double> f(data, {.l2 = 0.1, .bias = false});
  Parameters<double> x = Parameters<double>::from(std::vector<double>(2, 0.0));
  try {
    loopless_katyusha<double>(f, x, {.smoothness = 0});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("LooplessKatyushaOptions::smoothness = 0 violates"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(loopless_katyusha<double>(f, x, {.smoothness = 1, .theta1 = 0.7, .theta2 = 0.5}), ConfigError);
  EXPECT_THROW(loopless_katyusha<double>(f, x, {.smoothness = 1, .strong_convexity = 0}), ConfigError);  // theta1
  Parameters<double> wrong = Parameters<double>::from(std::vector<double>(3, 0.0));
  EXPECT_THROW(loopless_katyusha<double>(f, wrong, {.smoothness = 1, .strong_convexity = 0.1}), MismatchError);
}

}  // namespace
}  // namespace descent
