// Gradient-regularized Newton (Semenov, Jaggi & Doikov 2025, Algorithm 1): the update, the
// regularization lambda = ||g|| / gamma and the search's accept/reject decisions against a
// hand-written reference on a 2-D problem with its Hessian in closed form; an indefinite
// Hessian rejected by hand; the properties derived in the header (no gamma below the
// acceptance threshold is ever rejected, and ||g_{k+1}|| <= C ||g_k||^2 at every step) on a
// strongly convex problem with a known Lipschitz constant of the Hessian; Gauss-Newton on
// zero-residual least-squares problems of the catalog; the empirical Fisher on logistic
// regression; the accounting, the registry entry, the stops and the errors.
#include "descent/solver/gradient_regularized_newton.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "descent/objective/test_problems.hpp"
#include "descent/spec/solver_spec.hpp"
#include "support/exact_logistic.hpp"
#include "support/logistic_data.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::ExactLogistic;
using testing::logistic_data;

double norm(std::span<const double> v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// f(x) = 1/4 ||x||^4 + 1/2 x^T A x - b^T x on R^2 with A = [[2, 1], [1, 3]], b = (1, -1):
//   grad f = ||x||^2 x + A x - b,   Hess f = ||x||^2 I + 2 x x^T + A   (convex: A > 0).
class QuarticBowl final : public Differentiable<double> {
 public:
  std::string name() const override { return "quartic_bowl"; }
  std::size_t dimension() const override { return 2; }
  double value(std::span<const double> x) const override {
    const double s = x[0] * x[0] + x[1] * x[1];
    return 0.25 * s * s + 0.5 * (2 * x[0] * x[0] + 2 * x[0] * x[1] + 3 * x[1] * x[1]) - (x[0] - x[1]);
  }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    const double s = x[0] * x[0] + x[1] * x[1];
    g[0] = s * x[0] + 2 * x[0] + x[1] - 1;
    g[1] = s * x[1] + x[0] + 3 * x[1] + 1;
    return value(x);
  }
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    const std::array<double, 4> H = hessian(x);
    out[0] = H[0] * v[0] + H[1] * v[1];
    out[1] = H[2] * v[0] + H[3] * v[1];
  }
  static std::array<double, 4> hessian(std::span<const double> x) {
    const double s = x[0] * x[0] + x[1] * x[1];
    return {s + 2 * x[0] * x[0] + 2, 2 * x[0] * x[1] + 1, 2 * x[0] * x[1] + 1, s + 2 * x[1] * x[1] + 3};
  }
};

struct ReferenceTrial {
  double gamma, lambda, value;
  bool accepted;
};

// Algorithm 1 written out for a 2 x 2 Hessian, the step by Cramer's rule: lambda = ||g|| / gamma,
// d = -(H + lambda I)^{-1} g, accept when f(x) - f(x + d) >= ||grad f(x + d)||^2 / (8 lambda) and
// double gamma, else halve it and try again.
std::vector<std::vector<ReferenceTrial>> reference_run(const QuarticBowl& f, std::vector<double> x, double gamma,
                                                       int iterations, std::vector<std::vector<double>>& iterates,
                                                       double& smallest_margin) {
  std::vector<std::vector<ReferenceTrial>> all;
  smallest_margin = INFINITY;
  std::vector<double> g(2), trial(2), trial_g(2);
  for (int k = 0; k < iterations; ++k) {
    const double value = f.value_and_gradient(x, g);
    const double g_norm = std::sqrt(g[0] * g[0] + g[1] * g[1]);
    const std::array<double, 4> H = QuarticBowl::hessian(x);
    std::vector<ReferenceTrial> trials;
    for (int t = 0; t < 40; ++t) {
      const double lambda = g_norm / gamma;
      const double a = H[0] + lambda, b = H[1], c = H[3] + lambda, det = a * c - b * b;
      trial[0] = x[0] - (c * g[0] - b * g[1]) / det;
      trial[1] = x[1] - (-b * g[0] + a * g[1]) / det;
      const double trial_value = f.value_and_gradient(trial, trial_g);
      const double decrease = value - trial_value;
      const double needed = (trial_g[0] * trial_g[0] + trial_g[1] * trial_g[1]) / (8 * lambda);
      smallest_margin = std::min(smallest_margin, std::abs(decrease - needed) / std::max(std::abs(decrease), needed));
      const bool accepted = decrease >= needed;
      trials.push_back({gamma, lambda, trial_value, accepted});
      if (accepted) {
        x = trial;
        gamma *= 2;
        break;
      }
      gamma /= 2;
    }
    all.push_back(trials);
    iterates.push_back(x);
  }
  return all;
}

TEST(GradientRegularizedNewton, UpdateAndSearchFollowAlgorithmOneByHand) {
  // From x_0 = (3, -2) with gamma_0 = 100 (lambda_0 = ||g_0|| / 100 ~ 0.5: close to a pure
  // Newton step, too long for the quartic), so the search rejects and halves before it accepts.
  const QuarticBowl f;
  const int iterations = 5;  // by the sixth the gradient is near rounding and decisions would be rounding's
  std::vector<std::vector<double>> expected_x;
  double margin = 0;
  const auto expected = reference_run(f, {3, -2}, 100, iterations, expected_x, margin);
  // The reference's decisions are robust: the two sides of every test differ by at least 1e-6
  // relative, far above the ~1e-12 by which the two implementations' values may differ.
  ASSERT_GT(margin, 1e-6);
  int rejected = 0;
  for (const auto& trials : expected) rejected += static_cast<int>(trials.size()) - 1;
  ASSERT_GE(rejected, 2);  // the search is exercised

  for (const char* solver : {"cholesky", "cg"}) {
    SCOPED_TRACE(solver);
    Parameters<double> x = Parameters<double>::from(std::vector<double>{3, -2});
    // theta = 1e-9 for CG: 2 x 2, so CG is exact after two iterations up to rounding.
    GradientRegularizedNewtonOptions o{
        .initial_gamma = 100, .linear_solver = solver, .cg_tolerance = 1e-9, .gtol = 0, .max_steps = iterations};
    std::vector<std::vector<RegularizationTrial>> seen;
    std::vector<std::vector<double>> seen_x;
    const auto result =
        gradient_regularized_newton<double>(f, x, o, [&](const GradientRegularizedNewtonIterate<double>& it) {
          seen.emplace_back(it.trials.begin(), it.trials.end());
          seen_x.emplace_back(it.x.begin(), it.x.end());
          EXPECT_DOUBLE_EQ(it.next_gamma, 2 * it.trials.back().gamma);
          return false;
        });
    EXPECT_EQ(result.summary.termination, Termination::max_steps) << result.summary.message;
    ASSERT_EQ(seen.size(), expected.size());
    // Tolerances: the solve differs in rounding (Cramer's rule against Cholesky or CG, each
    // accurate to ~1e-15 relative for these well-conditioned 2 x 2 systems), and the
    // differences pass through at most five steps of a map whose derivative is bounded on
    // this region: 1e-10 relative is far above them and far below any difference of formula.
    for (std::size_t k = 0; k < expected.size(); ++k) {
      ASSERT_EQ(seen[k].size(), expected[k].size()) << "iteration " << k;
      for (std::size_t t = 0; t < expected[k].size(); ++t) {
        SCOPED_TRACE("iteration " + std::to_string(k) + ", trial " + std::to_string(t));
        EXPECT_DOUBLE_EQ(seen[k][t].gamma, expected[k][t].gamma);  // 100 times powers of two: exact
        EXPECT_NEAR(seen[k][t].lambda, expected[k][t].lambda, 1e-10 * expected[k][t].lambda);
        EXPECT_NEAR(seen[k][t].value, expected[k][t].value, 1e-10 * std::max(1.0, std::abs(expected[k][t].value)));
        EXPECT_EQ(seen[k][t].accepted, expected[k][t].accepted);
        EXPECT_EQ(seen[k][t].solve, RegularizedStepStatus::solved);
      }
      for (int i = 0; i < 2; ++i) EXPECT_NEAR(seen_x[k][i], expected_x[k][i], 1e-10);
    }
    EXPECT_EQ(result.rejected_trials, rejected);
    EXPECT_EQ(result.summary.steps, iterations);
  }
}

// f(x) = 1/4 x^4 - 1/2 x^2 on R: Hess f = 3 x^2 - 1 < 0 near 0.
class DoubleWell final : public Differentiable<double> {
 public:
  std::string name() const override { return "double_well"; }
  std::size_t dimension() const override { return 1; }
  double value(std::span<const double> x) const override { return 0.25 * std::pow(x[0], 4) - 0.5 * x[0] * x[0]; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    g[0] = x[0] * x[0] * x[0] - x[0];
    return value(x);
  }
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    out[0] = (3 * x[0] * x[0] - 1) * v[0];
  }
};

TEST(GradientRegularizedNewton, AnIndefiniteSystemIsARejectedTrial) {
  // At x = 0.3: g = 0.027 - 0.3 = -0.273, H = 0.27 - 1 = -0.73. gamma = 1 and 1/2 give
  // lambda = 0.273 and 0.546, and H + lambda < 0: rejected without a step. gamma = 1/4 gives
  // lambda = 1.092, d = 0.273 / 0.362, x_1 = 1.0541...: f drops from -0.042975 to -0.2469, far
  // more than ||g(x_1)||^2 / (8 lambda) ~ 0.0016: accepted.
  const DoubleWell f;
  for (const char* solver : {"cholesky", "cg"}) {
    SCOPED_TRACE(solver);
    Parameters<double> x = Parameters<double>::from(std::vector<double>{0.3});
    std::vector<RegularizationTrial> first;
    double x1 = 0;
    const auto result = gradient_regularized_newton<double>(f, x, {.linear_solver = solver, .gtol = 1e-10},
                                                            [&](const GradientRegularizedNewtonIterate<double>& it) {
                                                              if (it.iteration == 1) {
                                                                first.assign(it.trials.begin(), it.trials.end());
                                                                x1 = it.x[0];
                                                              }
                                                              return false;
                                                            });
    ASSERT_EQ(first.size(), 3u);
    const double g = 0.3 * 0.3 * 0.3 - 0.3, h = 3 * 0.3 * 0.3 - 1;
    EXPECT_EQ(first[0].solve, RegularizedStepStatus::not_positive_definite);
    EXPECT_EQ(first[1].solve, RegularizedStepStatus::not_positive_definite);
    EXPECT_TRUE(std::isnan(first[0].value));
    EXPECT_FALSE(first[0].accepted);
    EXPECT_EQ(first[2].solve, RegularizedStepStatus::solved);
    EXPECT_TRUE(first[2].accepted);
    EXPECT_DOUBLE_EQ(first[2].gamma, 0.25);
    EXPECT_NEAR(first[2].lambda, -g / 0.25, 1e-15);
    EXPECT_NEAR(x1, 0.3 - g / (h - g / 0.25), 1e-14);
    // The run goes on to the minimizer x = 1 (f'' = 2 there: |x - 1| <= |g| / 2 to first order).
    EXPECT_EQ(result.summary.termination, Termination::converged) << result.summary.message;
    EXPECT_NEAR(x[0], 1, 1e-10);
  }
}

// f(x) = 1/2 (x - c)^T A (x - c) + sum_i log cosh(x_i - c_i) on R^20, A = tridiag(-1, 2, -1) + mu I
// with mu = 0.1, c_i = sin(i + 1): minimized at c, f* = 0. Hess f = A + diag(sech^2(x_i - c_i))
// >= mu I, and it is L-Lipschitz with L = max_t |(log cosh)'''(t)| = max |2 sech^2 t tanh t|
// = 4 / (3 sqrt 3): two Hessians differ by a diagonal matrix whose entries are at most
// L |s_i - t_i| <= L ||s - t||.
class LogCoshBowl final : public Differentiable<double> {
 public:
  static constexpr std::size_t kDimension = 20;
  static constexpr double kMu = 0.1;
  static double lipschitz() { return 4 / (3 * std::sqrt(3.0)); }
  static double centre(std::size_t i) { return std::sin(double(i) + 1); }

  std::string name() const override { return "logcosh_bowl"; }
  std::size_t dimension() const override { return kDimension; }
  double value(std::span<const double> x) const override {
    double f = 0;
    for (std::size_t i = 0; i < kDimension; ++i) {
      const double t = x[i] - centre(i), a = std::abs(t);
      f += 0.5 * t * times_a(x, i) + a + std::log1p(std::exp(-2 * a)) - std::log(2.0);
    }
    return f;
  }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    for (std::size_t i = 0; i < kDimension; ++i) g[i] = times_a(x, i) + std::tanh(x[i] - centre(i));
    return value(x);
  }
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    for (std::size_t i = 0; i < kDimension; ++i) {
      const double c = 1 / std::cosh(x[i] - centre(i));
      out[i] = (2 + kMu + c * c) * v[i] - (i > 0 ? v[i - 1] : 0) - (i + 1 < kDimension ? v[i + 1] : 0);
    }
  }

 private:
  // (A (x - c))_i.
  static double times_a(std::span<const double> x, std::size_t i) {
    auto t = [&](std::size_t j) { return x[j] - centre(j); };
    return (2 + kMu) * t(i) - (i > 0 ? t(i - 1) : 0) - (i + 1 < kDimension ? t(i + 1) : 0);
  }
};

// The header's derivation, for a convex f with an L-Lipschitz Hessian and B = Hess f:
//   (a) every gamma <= gamma*(x) is accepted, gamma* = sqrt(2 ||g|| / L) for the exact solve and
//       sqrt((1 - theta) ||g|| / L) for CG's residual test with theta <= 1/4, by a margin of at
//       least lambda ||d||^2 / 6 (exact) or lambda ||d||^2 / 5 (CG);
//   (b) so each search ends at a gamma >= min(its first trial, gamma_shrink gamma*);
//   (c) with Hess f >= mu I, ||g_{k+1}|| <= ||g_k||^2 ((1 + theta) / (gamma mu) + L / (2 mu^2)).
double acceptance_threshold(double g_norm, double theta) {
  const double L = LogCoshBowl::lipschitz();
  return theta > 0 ? std::sqrt((1 - theta) * g_norm / L) : std::sqrt(2 * g_norm / L);
}

TEST(GradientRegularizedNewton, AcceptsEveryGammaBelowTheThresholdTheTheoryGives) {
  // (a) directly: from 40 random points, a first trial at gamma* or gamma* / 4 is accepted. The
  // margins (lambda ||d||^2 / 6 with ||d|| ~ ||g|| / (||B|| + lambda), f ~ 10..100 here) are far
  // above the rounding of f. And gamma = 100 gamma* is rejected somewhere, so the threshold is
  // not vacuous.
  const LogCoshBowl f;
  Random rng(11, Stream::data);
  std::vector<double> x0(LogCoshBowl::kDimension), g(x0.size());
  int rejected_far_above = 0;
  for (int sample = 0; sample < 40; ++sample) {
    for (std::size_t i = 0; i < x0.size(); ++i) x0[i] = LogCoshBowl::centre(i) + 3 * rng.normal();
    f.value_and_gradient(x0, g);
    for (const char* solver : {"cholesky", "cg"}) {
      const double theta = std::string(solver) == "cg" ? 0.25 : 0.0;
      const double threshold = acceptance_threshold(norm(g), theta);
      for (double scale : {1.0, 0.25, 100.0}) {
        Parameters<double> x = Parameters<double>::from(x0);
        std::vector<RegularizationTrial> trials;
        gradient_regularized_newton<double>(
            f, x, {.initial_gamma = scale * threshold, .linear_solver = solver, .cg_tolerance = 0.25, .max_steps = 1},
            [&](const GradientRegularizedNewtonIterate<double>& it) {
              trials.assign(it.trials.begin(), it.trials.end());
              return false;
            });
        ASSERT_FALSE(trials.empty());
        if (scale <= 1) {
          EXPECT_EQ(trials.size(), 1u) << solver << " sample " << sample << " scale " << scale;
          EXPECT_TRUE(trials.front().accepted);
        } else if (!trials.front().accepted) {
          ++rejected_far_above;
        }
      }
    }
  }
  EXPECT_GT(rejected_far_above, 0);
}

TEST(GradientRegularizedNewton, SearchStaysAboveTheThresholdAndConvergesQuadratically) {
  // (b) and (c) along runs from c + 5 with gamma_0 = 100 (lambda_0 ~ ||g_0|| / 100: too small
  // far from x*, so the search rejects first). Rounding: the gradient is computed to ~1e-15
  // ||x - c||, covered by 1e-14 in (c).
  const LogCoshBowl f;
  const double L = LogCoshBowl::lipschitz(), mu = LogCoshBowl::kMu;
  for (const char* solver : {"cholesky", "cg"}) {
    SCOPED_TRACE(solver);
    const double theta = std::string(solver) == "cg" ? 0.25 : 0.0;
    std::vector<double> start(LogCoshBowl::kDimension), g(start.size());
    for (std::size_t i = 0; i < start.size(); ++i) start[i] = LogCoshBowl::centre(i) + 5;
    f.value_and_gradient(start, g);
    double g_k = norm(g);
    Parameters<double> x = Parameters<double>::from(start);
    std::int64_t steps = 0;
    const GradientRegularizedNewtonOptions o{
        .initial_gamma = 100, .linear_solver = solver, .cg_tolerance = 0.25, .gtol = 1e-10};
    const auto result =
        gradient_regularized_newton<double>(f, x, o, [&](const GradientRegularizedNewtonIterate<double>& it) {
          ++steps;
          const RegularizationTrial& accepted = it.trials.back();
          EXPECT_GE(accepted.gamma, std::min(it.trials.front().gamma, 0.5 * acceptance_threshold(g_k, theta)));  // (b)
          const double C = (1 + theta) / (accepted.gamma * mu) + L / (2 * mu * mu);
          EXPECT_LE(it.gradient_norm, g_k * g_k * C + 1e-14) << "step " << it.iteration;  // (c)
          g_k = it.gradient_norm;
          return false;
        });
    EXPECT_EQ(result.summary.termination, Termination::converged) << result.summary.message;
    EXPECT_GE(result.rejected_trials, 1);  // the search was exercised
    // ||x - c|| <= ||g|| / mu <= 1e-9.
    for (std::size_t i = 0; i < start.size(); ++i) EXPECT_NEAR(x[i], LogCoshBowl::centre(i), 1e-9);
    std::printf("logcosh bowl (n = 20, %s): %lld steps, %lld rejected trials, %lld products with B\n", solver,
                static_cast<long long>(steps), static_cast<long long>(result.rejected_trials),
                static_cast<long long>(result.curvature_products));
  }
}

TEST(GradientRegularizedNewton, GaussNewtonSolvesZeroResidualLeastSquaresInFewSteps) {
  // Zero-residual problems of the catalog: Gauss-Newton's dropped term, 2 sum_i r_i Hess r_i,
  // vanishes at the solution, so near it B is the Hessian up to O(||r||) and the steps converge
  // quadratically as Newton's do. Checked: convergence to ||g|| <= 1e-10 with f ~ 0; the last
  // two steps are superlinear (each reduces ||g|| by more than 100x, the last by more than the
  // one before: a linear rate would repeat one factor, a quadratic one squares it); and the
  // number of steps, printed and recorded in docs/algorithms.md, under a budget of 60 (chained
  // Rosenbrock's curved valley takes the most: gamma stays near 1/2 there for tens of steps).
  for (const char* name : {"extended_rosenbrock", "helical_valley", "broyden_tridiagonal", "discrete_boundary_value"}) {
    SCOPED_TRACE(name);
    const TestProblem* p = find_test_problem(name);
    ASSERT_NE(p, nullptr);
    const std::size_t n = p->default_dimension;
    const auto f = p->make<double>(n);
    std::vector<std::int64_t> steps;
    for (const char* curvature : {"gauss_newton", "hessian"}) {
      SCOPED_TRACE(curvature);
      Parameters<double> x = Parameters<double>::from(p->start(n));
      std::vector<double> g(n);
      f->value_and_gradient(x.flat(), g);
      std::vector<double> norms = {norm(g)};  // ||g_k|| from k = 0
      const auto result = gradient_regularized_newton<double>(*f, x, {.curvature = curvature, .gtol = 1e-10},
                                                              [&](const GradientRegularizedNewtonIterate<double>& it) {
                                                                norms.push_back(it.gradient_norm);
                                                                return false;
                                                              });
      EXPECT_EQ(result.summary.termination, Termination::converged) << result.summary.message;
      EXPECT_LE(result.summary.steps, 60);
      EXPECT_LE(result.summary.final_value, 1e-18);  // f* = 0, and f ~ ||g||^2 / (4 sigma_min(J)^2)
      steps.push_back(result.summary.steps);
      ASSERT_GE(norms.size(), 3u);
      const std::size_t k = norms.size() - 1;
      const double last = norms[k] / norms[k - 1], before = norms[k - 1] / norms[k - 2];
      EXPECT_LT(before, 1e-2);
      EXPECT_LT(last, 1e-2);
      EXPECT_LT(last, before);
    }
    std::printf("%s (n = %zu) to ||g|| <= 1e-10: gauss_newton %lld steps, hessian %lld\n", name, n,
                static_cast<long long>(steps[0]), static_cast<long long>(steps[1]));
  }
}

// A logistic regression with lambda = 0.05 on 200 rows of 5 features.
ExactLogistic<double> small_logistic() { return {logistic_data(200, 5, 3.0, 7), 0.05}; }

TEST(GradientRegularizedNewton, EmpiricalFisherConvergesOnLogisticRegression) {
  // The empirical Fisher is not the Hessian here (the labels are not drawn from the model), so
  // the rate is linear rather than quadratic, but the search keeps every step a decrease and f
  // is 0.05-strongly convex: ||x - x*|| <= ||g|| / 0.05. Both runs stop at ||g|| <= 1e-9, so
  // the Fisher and Hessian solutions agree to 2e-9 / 0.05 = 4e-8.
  const auto f = small_logistic();
  Parameters<double> fisher = Parameters<double>::from(std::vector<double>(5, 0.0)), newton = fisher;
  std::vector<double> values;
  const auto with_fisher = gradient_regularized_newton<double>(f, fisher, {.curvature = "fisher", .gtol = 1e-9},
                                                               [&](const GradientRegularizedNewtonIterate<double>& it) {
                                                                 values.push_back(it.value);
                                                                 return false;
                                                               });
  const auto with_hessian = gradient_regularized_newton<double>(f, newton, {.gtol = 1e-9});
  EXPECT_EQ(with_fisher.summary.termination, Termination::converged) << with_fisher.summary.message;
  EXPECT_EQ(with_hessian.summary.termination, Termination::converged) << with_hessian.summary.message;
  for (std::size_t k = 1; k < values.size(); ++k) EXPECT_LT(values[k], values[k - 1]);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(fisher[i], newton[i], 4e-8);
  EXPECT_LE(with_fisher.summary.steps, 200);
  std::printf("logistic (n = 200, d = 5) to ||g|| <= 1e-9: fisher %lld steps (%.0f data passes), hessian %lld (%.0f)\n",
              static_cast<long long>(with_fisher.summary.steps), with_fisher.data_passes,
              static_cast<long long>(with_hessian.summary.steps), with_hessian.data_passes);

  // The library's model, whose per-sample gradients come from one batched pass; float too.
  const Dataset<double> data = logistic_data(200, 5, 3.0, 7);
  const LogisticRegression<double> model(data, {.l2 = 0.05, .bias = false});
  Parameters<double> w = Parameters<double>::from(std::vector<double>(5, 0.0));
  const auto on_model = gradient_regularized_newton<double>(model, w, {.curvature = "fisher", .gtol = 1e-9});
  EXPECT_EQ(on_model.summary.termination, Termination::converged) << on_model.summary.message;
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(w[i], newton[i], 4e-8);  // the same objective
  const auto& dv = data.dense().values;
  AlignedBuffer<float> features(dv.size());
  for (std::size_t k = 0; k < dv.size(); ++k) features[k] = static_cast<float>(dv[k]);
  std::vector<float> labels(data.labels().begin(), data.labels().end());
  const Dataset<float> data_f(DenseFeatures<float>{200, 5, std::move(features)}, std::move(labels));
  const LogisticRegression<float> model_f(data_f, {.l2 = 0.05, .bias = false});
  Parameters<float> wf = Parameters<float>::from(std::vector<float>(5, 0.0f));
  // In float the decrease test stops at f's rounding floor: once the decrease a step can make,
  // ~ ||g||^2 / (2 mu), is below f's rounding (~6e-8 |f|, f ~ 0.5), every trial fails, i.e. near
  // ||g|| ~ 1e-4. Whatever the stop, strong convexity bounds the error by the final gradient:
  // ||w - w*|| <= ||g|| / mu, with the float gradient's own rounding (~1e-6) added.
  const auto single = gradient_regularized_newton<float>(model_f, wf, {.curvature = "fisher", .gtol = 1e-5});
  EXPECT_TRUE(single.summary.termination == Termination::converged ||
              single.summary.termination == Termination::no_progress)
      << single.summary.message;
  double error = 0;
  for (int i = 0; i < 5; ++i) error += (wf[i] - newton[i]) * (wf[i] - newton[i]);
  EXPECT_LE(std::sqrt(error), (single.summary.final_gradient_norm + 1e-5) / 0.05);
  EXPECT_LE(single.summary.final_gradient_norm, 1e-3);
}

TEST(GradientRegularizedNewton, CountsEvaluationsProductsAndPasses) {
  const auto f = small_logistic();
  for (const char* solver : {"cg", "cholesky"}) {
    SCOPED_TRACE(solver);
    const std::int64_t products_before = f.products();
    Parameters<double> x = Parameters<double>::from(std::vector<double>(5, 0.0));
    std::int64_t trials_with_a_step = 0, iterations = 0;
    const auto result = gradient_regularized_newton<double>(
        f, x, {.linear_solver = solver, .gtol = 1e-10}, [&](const GradientRegularizedNewtonIterate<double>& it) {
          EXPECT_EQ(it.iteration, ++iterations);
          for (const auto& t : it.trials) trials_with_a_step += std::isnan(t.value) ? 0 : 1;
          EXPECT_EQ(it.objective_calls, 1 + trials_with_a_step);  // one at x_0, one per trial point
          EXPECT_EQ(it.sample_gradients, 200 * (it.objective_calls + it.curvature_products));
          return false;
        });
    const Summary<double>& s = result.summary;
    EXPECT_EQ(s.termination, Termination::converged);
    EXPECT_EQ(s.steps, iterations);
    EXPECT_EQ(s.objective_calls, 1 + trials_with_a_step);
    EXPECT_EQ(result.curvature_products, f.products() - products_before);
    EXPECT_EQ(result.curvature_builds, iterations);
    EXPECT_EQ(s.sample_gradients, 200 * (s.objective_calls + result.curvature_products));
    EXPECT_DOUBLE_EQ(result.data_passes, static_cast<double>(s.objective_calls + result.curvature_products));
    if (std::string(solver) == "cholesky") {
      EXPECT_EQ(result.curvature_products, 5 * iterations);  // B e_j for j < 5, once per iteration
      EXPECT_EQ(result.factorizations, trials_with_a_step);
      EXPECT_EQ(result.cg_iterations, 0);
    } else {
      EXPECT_EQ(result.factorizations, 0);
      EXPECT_GE(result.curvature_products, result.cg_iterations);
    }
    EXPECT_NE(s.message.find(std::to_string(result.curvature_products) + " products with B (curvature=hessian)"),
              std::string::npos)
        << s.message;
    std::vector<double> g(5);
    EXPECT_DOUBLE_EQ(s.final_value, f.value_and_gradient(x.flat(), g));
    EXPECT_DOUBLE_EQ(s.final_gradient_norm, norm(g));
  }
  // The Fisher matrix costs a pass to build and none per product.
  Parameters<double> x = Parameters<double>::from(std::vector<double>(5, 0.0));
  const auto fisher = gradient_regularized_newton<double>(f, x, {.curvature = "fisher", .gtol = 1e-6});
  EXPECT_EQ(fisher.summary.sample_gradients, 200 * (fisher.summary.objective_calls + fisher.curvature_builds));
}

TEST(GradientRegularizedNewton, TheRegistryEntryRunsAndItsObserverStopsIt) {
  const SolverSpec spec = parse_solver("grnewton(curvature=gauss_newton, gtol=1e-10)");
  EXPECT_EQ(spec.canonical(),
            "grnewton(curvature=gauss_newton, initial_gamma=1, gamma_growth=2, gamma_shrink=0.5, max_search=40, "
            "linear_solver=auto, cholesky_max_dimension=500, cg_tolerance=0.25, max_cg_iterations=0, "
            "preconditioner=auto, gtol=1e-10, ftol=0)");
  const TestProblem* p = find_test_problem("helical_valley");
  const auto f = p->make<double>(3);
  Parameters<double> x = Parameters<double>::from(p->start(3));
  SolverRun run;
  std::vector<double> values;
  run.observe_double = [&](const SolverIterate<double>& it) {
    values.push_back(it.value);
    EXPECT_EQ(it.step, static_cast<std::int64_t>(values.size()));
    return it.step == 2;
  };
  EXPECT_EQ(spec.run<double>(*f, x, run).termination, Termination::user_stop);
  EXPECT_EQ(values.size(), 2u);
  run.observe_double = {};
  run.max_steps = 1;
  EXPECT_EQ(spec.run<double>(*f, x, run).termination, Termination::max_steps);
  run.max_steps = 1000;
  EXPECT_EQ(spec.run<double>(*f, x, run).termination, Termination::converged);
  // In float, to the float rounding floor or a float-sized gtol.
  const auto ff = p->make<float>(3);
  std::vector<double> start = p->start(3);
  Parameters<float> xf = Parameters<float>::from(std::vector<float>(start.begin(), start.end()));
  const Summary<float> single = parse_solver("grnewton(curvature=gauss_newton, gtol=1e-4)").run<float>(*ff, xf, run);
  EXPECT_TRUE(single.termination == Termination::converged || single.termination == Termination::no_progress)
      << single.message;
  EXPECT_NEAR(xf[0], 1.0f, 1e-3f);  // helical valley's solution is (1, 0, 0)
}

TEST(GradientRegularizedNewton, StopsWithNoProgressAtTheRoundingFloorAndOnFtol) {
  // gtol = 0 never converges by test; in float f reaches its rounding floor, where no step
  // decreases it and max_search trials in a row fail.
  const Quadratic<float> f({.dimension = 20, .condition_number = 10});
  Parameters<float> x = Parameters<float>::from(std::vector<float>(20, 5.0f));
  const auto result = gradient_regularized_newton<float>(f, x, {.max_search = 10, .gtol = 0});
  EXPECT_TRUE(result.summary.termination == Termination::no_progress ||
              result.summary.termination == Termination::converged)  // an exactly zero gradient
      << result.summary.message;
  EXPECT_LT(result.summary.steps, 1000);
  // ftol: stops once an accepted step's relative decrease is at most ftol.
  const Quadratic<double> q({.dimension = 20, .condition_number = 10});
  Parameters<double> y = Parameters<double>::from(std::vector<double>(20, 5.0));
  const auto by_ftol = gradient_regularized_newton<double>(q, y, {.gtol = 0, .ftol = 1e-3});
  EXPECT_EQ(by_ftol.summary.termination, Termination::converged);
  EXPECT_NE(by_ftol.summary.message.find("ftol"), std::string::npos) << by_ftol.summary.message;
}

// The double well with a switch that makes its Hessian products NaN.
class PoisonedWell final : public Differentiable<double> {
 public:
  std::string name() const override { return "poisoned_well"; }
  std::size_t dimension() const override { return 1; }
  double value(std::span<const double> x) const override { return well_.value(x); }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    return well_.value_and_gradient(x, g);
  }
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const double>, std::span<const double>, std::span<double> out) const override {
    out[0] = std::numeric_limits<double>::quiet_NaN();
  }

 private:
  DoubleWell well_;
};

TEST(GradientRegularizedNewton, StopsAtANonFiniteStartOrCurvature) {
  const DoubleWell f;
  Parameters<double> x = Parameters<double>::from(std::vector<double>{NAN});
  EXPECT_EQ(gradient_regularized_newton<double>(f, x, {}).summary.termination, Termination::non_finite);
  const PoisonedWell poisoned;
  for (const char* solver : {"cholesky", "cg"}) {
    Parameters<double> y = Parameters<double>::from(std::vector<double>{2});
    const auto result = gradient_regularized_newton<double>(poisoned, y, {.linear_solver = solver});
    EXPECT_EQ(result.summary.termination, Termination::non_finite) << solver << ": " << result.summary.message;
    EXPECT_EQ(y[0], 2.0);  // the last finite iterate: the start
  }
}

TEST(GradientRegularizedNewton, RejectsBadOptionsAndMissingCurvatureByName) {
  const Rosenbrock<double> f(2);
  Parameters<double> x = Parameters<double>::from(std::vector<double>{0, 0});
  const struct {
    GradientRegularizedNewtonOptions options;
    const char* message;
  } cases[] = {
      {{.curvature = "bfgs"},
       "GradientRegularizedNewtonOptions::curvature = 'bfgs' is not one of hessian, gauss_newton, fisher"},
      {{.initial_gamma = 0}, "GradientRegularizedNewtonOptions::initial_gamma = 0 violates initial_gamma > 0"},
      {{.gamma_growth = 1}, "GradientRegularizedNewtonOptions::gamma_growth = 1 violates gamma_growth > 1"},
      {{.gamma_shrink = 1}, "GradientRegularizedNewtonOptions::gamma_shrink = 1 violates 0 < gamma_shrink < 1"},
      {{.max_search = 0}, "GradientRegularizedNewtonOptions::max_search = 0 violates max_search >= 1"},
      {{.linear_solver = "lu"},
       "GradientRegularizedNewtonOptions::linear_solver = 'lu' is not one of auto, cg, cholesky"},
      {{.cg_tolerance = 1}, "GradientRegularizedNewtonOptions::cg_tolerance = 1 violates 0 < cg_tolerance < 1"},
      {{.preconditioner = "ilu"},
       "GradientRegularizedNewtonOptions::preconditioner = 'ilu' is not one of auto, none, jacobi"},
      {{.gtol = -1}, "GradientRegularizedNewtonOptions::gtol = -1 violates gtol >= 0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    try {
      gradient_regularized_newton<double>(f, x, c.options);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_STREQ(e.what(), c.message);
    }
  }
  const auto expect_mismatch = [&](const Differentiable<double>& objective, GradientRegularizedNewtonOptions o,
                                   const char* message) {
    try {
      gradient_regularized_newton<double>(objective, x, o);
      ADD_FAILURE() << "accepted: " << message;
    } catch (const MismatchError& e) {
      EXPECT_STREQ(e.what(), message);
    }
  };
  expect_mismatch(
      f, {.curvature = "gauss_newton"},
      "gradient_regularized_newton: objective 'rosenbrock' does not provide curvature=gauss_newton (sums of "
      "squares and generalized-linear finite sums have it)");
  expect_mismatch(f, {.curvature = "fisher"},
                  "gradient_regularized_newton: objective 'rosenbrock' does not provide curvature=fisher (the "
                  "empirical Fisher needs a finite sum's per-sample gradients)");
  const testing::DiagonalQuadratic<double> no_hessian(2, 10);
  expect_mismatch(no_hessian, {},
                  "gradient_regularized_newton: objective 'diagonal_quadratic' does not provide curvature=hessian "
                  "(objectives with Hessian-vector products have it)");
  // A Gauss-Newton operator without a diagonal cannot be Jacobi-preconditioned.
  const TestProblem* p = find_test_problem("helical_valley");
  const auto helical = p->make<double>(3);
  Parameters<double> y = Parameters<double>::from(p->start(3));
  try {
    gradient_regularized_newton<double>(
        *helical, y, {.curvature = "gauss_newton", .linear_solver = "cg", .preconditioner = "jacobi"});
    ADD_FAILURE() << "accepted";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(),
                 "gradient_regularized_newton: preconditioner=jacobi needs the diagonal of curvature=gauss_newton, "
                 "which this objective's operator does not provide (use preconditioner=none)");
  }
  Parameters<double> wrong = Parameters<double>::from(std::vector<double>{0, 0, 0});
  EXPECT_THROW(gradient_regularized_newton<double>(f, wrong, {}), MismatchError);
}

}  // namespace
}  // namespace descent
