// TRON: the radius rule against a hand-written reference of Lin, Weng & Keerthi's Section 2.2
// (every branch, by hand and on random inputs); quadratic convergence near the optimum of a
// logistic regression with its exact Hessian; the optima of Rosenbrock and a quadratic; the
// accounting, the stops (user_stop through the registry, no_progress, non_finite), and the
// errors that name the option.
#include "descent/solver/trust_region_newton.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/objective/rosenbrock.hpp"
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

// The rule as the paper states it, written independently of the library's code.
double reference_radius(double delta, double s_norm, double actred, double prered, double gs, bool boundary) {
  const double eta0 = 1e-4, eta1 = 0.25, eta2 = 0.75, sigma1 = 0.25, sigma2 = 0.5, sigma3 = 4;
  const double fnew_minus_f = -actred;
  double alpha;
  if (fnew_minus_f - gs <= 0)
    alpha = sigma3;
  else
    alpha = std::max(sigma1, -0.5 * (gs / (fnew_minus_f - gs)));
  if (actred < eta0 * prered) return std::min(alpha * s_norm, sigma2 * delta);
  if (actred < eta1 * prered) return std::max(sigma1 * delta, std::min(alpha * s_norm, sigma2 * delta));
  if (actred < eta2 * prered) return std::max(sigma1 * delta, std::min(alpha * s_norm, sigma3 * delta));
  if (boundary) return sigma3 * delta;
  return std::max(delta, std::min(alpha * s_norm, sigma3 * delta));
}

double rule(double delta, double s_norm, double actred, double prered, double gs, bool boundary) {
  return next_trust_region_radius({}, {delta, s_norm, actred, prered, gs, boundary});
}

TEST(TrustRegionNewton, RadiusRuleFollowsSection22ByHand) {
  // rho < eta0 (rejected): f(x+s) - f(x) - g^T s = 0.5 + 1.2 = 1.7, alpha = max(0.25, 0.6 / 1.7)
  // = 6/17; Delta = min(6/17 * 1, 0.5 * 1) = 6/17.
  EXPECT_DOUBLE_EQ(rule(1, 1, -0.5, 1, -1.2, false), 6.0 / 17);
  // eta0 <= rho < eta1: alpha = max(0.25, 0.5 / 0.9) = 5/9; min(5/9 * 2, 0.5 * 2) = 1; max(0.5, 1) = 1.
  EXPECT_DOUBLE_EQ(rule(2, 2, 0.1, 1, -1, false), 1.0);
  // ... and where sigma1 Delta binds: s = 0.1 gives min(5/90, 1), then max(0.5, 5/90) = 0.5.
  EXPECT_DOUBLE_EQ(rule(2, 0.1, 0.1, 1, -1, false), 0.5);
  // eta1 <= rho < eta2: excess 0.5, alpha = 1; s = 0.5: min(0.5, 4) = 0.5, max(0.25, 0.5) = 0.5.
  EXPECT_DOUBLE_EQ(rule(1, 0.5, 0.5, 1, -1, false), 0.5);
  // rho >= eta2 on the boundary: sigma3 Delta.
  EXPECT_DOUBLE_EQ(rule(1, 1, 0.9, 1, -1.5, true), 4.0);
  // rho >= eta2 inside: excess 0.6, alpha = max(0.25, 0.75 / 0.6) = 1.25; s = 1:
  // max(1, min(1.25, 4)) = 1.25, and s = 0.5: max(1, 0.625) = 1.
  EXPECT_DOUBLE_EQ(rule(1, 1, 0.9, 1, -1.5, false), 1.25);
  EXPECT_DOUBLE_EQ(rule(1, 0.5, 0.9, 1, -1.5, false), 1.0);
  // f(x+s) - f(x) - g^T s <= 0 (f curves down along s): alpha = sigma3; s = 0.5: max(1, min(2, 4)) = 2.
  EXPECT_DOUBLE_EQ(rule(1, 0.5, 1.2, 1, -1, false), 2.0);
  // A non-finite trial value (descent's addition): sigma1 min(Delta, ||s||).
  EXPECT_DOUBLE_EQ(rule(1, 0.5, -INFINITY, 1, -1, false), 0.125);
  EXPECT_DOUBLE_EQ(rule(1, 0.5, NAN, 1, -1, false), 0.125);
}

TEST(TrustRegionNewton, RadiusRuleMatchesTheReferenceOnRandomInputs) {
  // Both sides evaluate the same formulas in the same order: bitwise equal, whatever branch.
  Random rng(3, Stream::data);
  int branch_count[6] = {};
  for (int t = 0; t < 4000; ++t) {
    const double delta = std::exp(4 * rng.uniform() - 2), s_norm = delta * rng.uniform();
    const double prered = std::exp(2 * rng.uniform() - 1);
    const double actred = prered * (2.2 * rng.uniform() - 1);  // ratio in [-1, 1.2)
    const double gs = -prered * 3 * rng.uniform();
    const bool boundary = rng.uniform() < 0.5;
    const double ratio = actred / prered;
    ++branch_count[ratio < 1e-4 ? 0 : ratio < 0.25 ? 1 : ratio < 0.75 ? 2 : boundary ? 3 : 4];
    if (-actred - gs <= 0) ++branch_count[5];
    EXPECT_EQ(rule(delta, s_norm, actred, prered, gs, boundary),
              reference_radius(delta, s_norm, actred, prered, gs, boundary))
        << delta << " " << s_norm << " " << actred << " " << prered << " " << gs << " " << boundary;
  }
  for (int count : branch_count) EXPECT_GT(count, 50);
}

// A logistic regression with lambda = 0.05 on 200 rows of 5 features.
ExactLogistic<double> small_logistic(double lambda = 0.05) { return {logistic_data(200, 5, 3.0, 7), lambda}; }

TEST(TrustRegionNewton, ConvergesQuadraticallyNearTheOptimumOfALogisticRegression) {
  // With forcing=quadratic the CG residual obeys ||r_k|| <= min(0.1, ||g_k||) ||g_k||. For an
  // interior step (H_k s = -g_k - r_k) Taylor's theorem with a Hessian that is L_H-Lipschitz
  // gives ||g_{k+1}|| <= ||r_k|| + (L_H / 2) ||s||^2, and ||s|| <= (1.1 / lambda) ||g_k||
  // (H_k >= lambda I). Hence ||g_{k+1}|| <= C ||g_k||^2 with C = 1 + L_H 1.21 / (2 lambda^2),
  // L_H = max|sigma''| (1/n) sum ||a_i||^3 and max|sigma''| = 1 / (6 sqrt(3)). The
  // gradient itself is computed with rounding of about n eps max ||a_i|| ~ 1e-13: 1e-12 is
  // added for it. The run stops at ||g|| <= 1e-8 (gtol): below that the predicted reductions,
  // ~||g||^2 / (2 lambda), fall under LIBLINEAR's 1e-12 |f| and the run ends with no_progress.
  const auto f = small_logistic();
  const double lipschitz = f.mean_cubed_row_norm() / (6 * std::sqrt(3.0));
  const double C = 1 + lipschitz * 1.21 / (2 * f.lambda() * f.lambda());
  std::vector<double> norms;
  std::vector<bool> interior;
  Parameters<double> x = Parameters<double>::from(std::vector<double>(5, 0.0));
  const auto result =
      trust_region_newton<double>(f, x, {.eps = 0, .gtol = 1e-8, .forcing = "quadratic", .preconditioner = "none"},
                                  [&](const TrustRegionIterate<double>& it) {
                                    if (it.accepted) {
                                      norms.push_back(it.gradient_norm);
                                      interior.push_back(!it.reached_boundary);
                                    }
                                    return false;
                                  });
  EXPECT_EQ(result.summary.termination, Termination::converged) << result.summary.message;
  int checked = 0;
  for (std::size_t k = 0; k + 1 < norms.size(); ++k) {
    if (norms[k] > 0.1 || !interior[k + 1]) continue;
    EXPECT_LE(norms[k + 1], C * norms[k] * norms[k] + 1e-12) << "k = " << k;
    ++checked;
  }
  EXPECT_GE(checked, 2);
  // Quadratic in practice: from the first ||g|| < 0.1 to ||g|| <= 1e-8 within four steps
  // (a linear rate of 0.1 would need seven).
  std::size_t first = 0;
  while (first < norms.size() && norms[first] >= 0.1) ++first;
  ASSERT_LT(first, norms.size());
  std::printf("||g|| after each accepted step:");
  for (double g : norms) std::printf(" %.2e", g);
  std::printf(" (C = %.3g)\n", C);
  std::size_t reached = first;
  while (reached < norms.size() && norms[reached] > 1e-8) ++reached;
  ASSERT_LT(reached, norms.size());
  EXPECT_LE(reached - first, 4u);
}

TEST(TrustRegionNewton, ConstantForcingTradesStepsForCgIterations) {
  // The 2008 rule xi_k = 0.1 stops CG as soon as ||r_k|| <= 0.1 ||g_k||, which costs few CG
  // iterations but leaves a linear rate near the optimum; forcing=quadratic solves ever more
  // exactly as ||g_k|| shrinks. On 50 features (where CG is far from exact after a few
  // iterations) the constant rule takes at least as many steps and fewer CG iterations.
  const ExactLogistic<double> f(logistic_data(400, 50, 3.0, 8), 1e-3);
  Parameters<double> x = Parameters<double>::from(std::vector<double>(50, 0.0));
  Parameters<double> y = x;
  const auto constant = trust_region_newton<double>(f, x, {.eps = 0, .gtol = 1e-6, .preconditioner = "none"});
  const auto quadratic =
      trust_region_newton<double>(f, y, {.eps = 0, .gtol = 1e-6, .forcing = "quadratic", .preconditioner = "none"});
  std::printf("to ||g|| <= 1e-6: forcing=constant %lld steps, %lld CG iterations; quadratic %lld, %lld\n",
              static_cast<long long>(constant.accepted_steps), static_cast<long long>(constant.cg_iterations),
              static_cast<long long>(quadratic.accepted_steps), static_cast<long long>(quadratic.cg_iterations));
  EXPECT_EQ(constant.summary.termination, Termination::converged) << constant.summary.message;
  EXPECT_EQ(quadratic.summary.termination, Termination::converged) << quadratic.summary.message;
  EXPECT_GE(constant.accepted_steps, quadratic.accepted_steps);
  EXPECT_LT(constant.cg_iterations, quadratic.cg_iterations);
}

TEST(TrustRegionNewton, ReachesTheMinimumOfRosenbrock) {
  // From (-1.2, 1), ||g_0|| ~ 232; eps = 1e-12 stops at ||g|| <= 2.3e-10. Near x* = (1, 1) the
  // Hessian's smallest eigenvalue is 0.399, so ||x - x*|| <= ||g|| / 0.399 (to first order)
  // ~ 6e-10: checked at 1e-8.
  const Rosenbrock<double> f(2);
  Parameters<double> x = Parameters<double>::from(std::vector<double>{-1.2, 1});
  const auto result = trust_region_newton<double>(f, x, {.eps = 1e-12});
  EXPECT_EQ(result.summary.termination, Termination::converged) << result.summary.message;
  EXPECT_NEAR(x[0], 1, 1e-8);
  EXPECT_NEAR(x[1], 1, 1e-8);
  EXPECT_LT(result.summary.steps, 60);  // LIBLINEAR-style TRON: a few dozen iterations
  // The d = 10 chained function in float, to the absolute gtol = 1e-3: the float rounding of
  // the gradient near x* (terms 400 x_i (x_i^2 - x_{i+1}) rounded at ~6e-8 relative, a few per
  // component: ~1e-4) stays below it. The Hessian at x* has smallest eigenvalue 0.4988, so
  // ||x - x*|| <= 1e-3 / 0.4988 ~ 2e-3 to first order: checked at 5e-3 per coordinate.
  const Rosenbrock<float> g(10);
  Parameters<float> z = Parameters<float>::from(std::vector<float>(10, -1.0f));
  const auto single = trust_region_newton<float>(g, z, {.eps = 0, .gtol = 1e-3});
  EXPECT_EQ(single.summary.termination, Termination::converged) << single.summary.message;
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(z[i], 1.0f, 5e-3f);
}

TEST(TrustRegionNewton, ReachesTheMinimumOfAQuadratic) {
  // f = 1/2 (x - 1)^T A (x - 1) with mu = 1, kappa = 100: ||x - x*|| <= ||g|| / mu <= eps ||g_0||.
  const Quadratic<double> f({.dimension = 50, .condition_number = 100, .seed = 2});
  Parameters<double> x = Parameters<double>::from(std::vector<double>(50, -2.0));
  std::vector<double> g(50);
  const double g0 = norm([&] {
    f.value_and_gradient(x.flat(), g);
    return std::span<const double>(g);
  }());
  const auto result = trust_region_newton<double>(f, x, {.eps = 1e-10});
  EXPECT_EQ(result.summary.termination, Termination::converged);
  double error = 0;
  for (int i = 0; i < 50; ++i) error += (x[i] - 1) * (x[i] - 1);
  EXPECT_LE(std::sqrt(error), 1e-10 * g0);
  EXPECT_LE(result.summary.final_gradient_norm, 1e-10 * g0);
}

TEST(TrustRegionNewton, JacobiPreconditioningHelpsOnBadlyScaledFeatures) {
  // Features scaled by 10^-2..10^2: diag(H) spans about eight orders of magnitude and plain CG
  // struggles; M = 0.99 I + 0.01 diag(H) (Hsia, Chiang & Lin) undoes most of the scaling.
  std::vector<double> scale = {1e-2, 1e-1, 1, 1e1, 1e2};
  const ExactLogistic<double> f(logistic_data(200, 5, 3.0, 7), 1e-3, scale);
  Parameters<double> x = Parameters<double>::from(std::vector<double>(5, 0.0)), y = x;
  const auto plain = trust_region_newton<double>(f, x, {.eps = 1e-8, .preconditioner = "none"});
  const auto jacobi = trust_region_newton<double>(f, y, {.eps = 1e-8, .preconditioner = "jacobi"});
  std::printf("badly scaled logistic: Hessian-vector products %lld without, %lld with Jacobi\n",
              static_cast<long long>(plain.hessian_vector_products),
              static_cast<long long>(jacobi.hessian_vector_products));
  EXPECT_EQ(plain.summary.termination, Termination::converged) << plain.summary.message;
  EXPECT_EQ(jacobi.summary.termination, Termination::converged) << jacobi.summary.message;
  EXPECT_LT(jacobi.hessian_vector_products, plain.hessian_vector_products);
  // auto picks Jacobi where the Hessian operator has a diagonal: the same run, bit for bit.
  Parameters<double> z = Parameters<double>::from(std::vector<double>(5, 0.0));
  const auto automatic = trust_region_newton<double>(f, z, {.eps = 1e-8});
  EXPECT_EQ(automatic.hessian_vector_products, jacobi.hessian_vector_products);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(z[i], y[i]);
}

TEST(TrustRegionNewton, CountsEvaluationsProductsAndPasses) {
  const auto f = small_logistic();
  Parameters<double> x = Parameters<double>::from(std::vector<double>(5, 0.0));
  std::int64_t iterations = 0, last_products = 0;
  const auto result = trust_region_newton<double>(f, x, {.eps = 1e-10}, [&](const TrustRegionIterate<double>& it) {
    EXPECT_EQ(it.iteration, ++iterations);
    EXPECT_EQ(it.objective_calls, it.iteration + 1);  // one at x_0, one per trial point
    EXPECT_GE(it.hessian_vector_products, last_products + 1);
    last_products = it.hessian_vector_products;
    EXPECT_EQ(it.sample_gradients, 200 * (it.objective_calls + it.hessian_vector_products));
    return false;
  });
  const Summary<double>& s = result.summary;
  EXPECT_EQ(s.steps, iterations);
  EXPECT_EQ(s.objective_calls, s.steps + 1);
  EXPECT_EQ(result.hessian_vector_products, f.products());
  EXPECT_EQ(result.hessian_vector_products, result.cg_iterations);
  EXPECT_EQ(s.sample_gradients, 200 * (s.objective_calls + result.hessian_vector_products));
  EXPECT_NE(s.message.find(std::to_string(result.hessian_vector_products) + " Hessian-vector products"),
            std::string::npos);
  std::vector<double> g(5);
  EXPECT_DOUBLE_EQ(s.final_value, f.value_and_gradient(x.flat(), g));
  EXPECT_DOUBLE_EQ(s.final_gradient_norm, norm(g));
}

TEST(TrustRegionNewton, TheRegistryEntryRunsAndItsObserverStopsIt) {
  const SolverSpec spec = parse_solver("tron(eps=1e-9, forcing=quadratic)");
  EXPECT_EQ(spec.canonical(),
            "tron(eps=1e-09, gtol=0, cg_tolerance=0.1, forcing=quadratic, max_cg_iterations=0, preconditioner=auto, "
            "preconditioner_mix=0.01, initial_radius=0, eta0=1e-04, eta1=0.25, eta2=0.75, sigma1=0.25, sigma2=0.5, "
            "sigma3=4)");
  const Rosenbrock<double> f(4);
  Parameters<double> x = Parameters<double>::from(std::vector<double>{-1.2, 1, -1.2, 1});
  SolverRun run;
  std::vector<double> values;
  run.observe_double = [&](const SolverIterate<double>& it) {
    values.push_back(it.value);
    EXPECT_EQ(it.step, static_cast<std::int64_t>(values.size()));
    EXPECT_EQ(it.objective_calls, it.step + 1);
    return it.step == 2;
  };
  const Summary<double> stopped = spec.run<double>(f, x, run);
  EXPECT_EQ(stopped.termination, Termination::user_stop);
  EXPECT_EQ(stopped.steps, 2);
  EXPECT_EQ(values.size(), 2u);
  // The run's step budget is the solver's max_steps; without a stop it reaches the optimum.
  run.observe_double = {};
  run.max_steps = 3;
  EXPECT_EQ(spec.run<double>(f, x, run).termination, Termination::max_steps);
  run.max_steps = 1000;
  EXPECT_EQ(spec.run<double>(f, x, run).termination, Termination::converged);
  // In float too.
  Parameters<float> xf = Parameters<float>::from(std::vector<float>{-1.2f, 1, -1.2f, 1});
  const Summary<float> single = spec.run<float>(Rosenbrock<float>(4), xf, run);
  EXPECT_TRUE(single.termination == Termination::converged || single.termination == Termination::no_progress);
}

// f(x) = x - log(x) on x > 0 (+inf elsewhere), minimized at x = 1, with f'' = 1 / x^2.
class Barrier final : public Differentiable<double> {
 public:
  std::string name() const override { return "barrier"; }
  std::size_t dimension() const override { return 1; }
  double value(std::span<const double> x) const override {
    return x[0] > 0 ? x[0] - std::log(x[0]) : std::numeric_limits<double>::infinity();
  }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    g[0] = x[0] > 0 ? 1 - 1 / x[0] : std::numeric_limits<double>::quiet_NaN();
    return value(x);
  }
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    out[0] = poison_ ? std::numeric_limits<double>::quiet_NaN() : v[0] / (x[0] * x[0]);
  }
  bool poison_ = false;
};

TEST(TrustRegionNewton, RejectsTrialPointsWithoutAFiniteValue) {
  // From x = 3 with Delta_0 = 10 the Newton step is -g / f'' = -(2/3) * 9 = -6, landing at
  // x = -3 where f = +inf: rejected, Delta = sigma1 min(6, 6) = 1.5, and the run goes on.
  Barrier f;
  Parameters<double> x = Parameters<double>::from(std::vector<double>{3});
  std::vector<bool> accepted;
  std::vector<double> radii;
  const auto result = trust_region_newton<double>(f, x, {.eps = 0, .gtol = 1e-8, .initial_radius = 10},
                                                  [&](const TrustRegionIterate<double>& it) {
                                                    accepted.push_back(it.accepted);
                                                    radii.push_back(it.radius);
                                                    return false;
                                                  });
  EXPECT_EQ(result.summary.termination, Termination::converged) << result.summary.message;
  ASSERT_FALSE(accepted.empty());
  EXPECT_FALSE(accepted[0]);
  EXPECT_DOUBLE_EQ(radii[0], 1.5);
  EXPECT_NEAR(x[0], 1, 2e-8);  // |g| = |1 - 1/x| <= 1e-8 gives |x - 1| <= 1e-8 x
  // A NaN Hessian-vector product stops the run with x left at its last finite value.
  f.poison_ = true;
  Parameters<double> y = Parameters<double>::from(std::vector<double>{3});
  const auto poisoned = trust_region_newton<double>(f, y, {});
  EXPECT_EQ(poisoned.summary.termination, Termination::non_finite);
  EXPECT_EQ(y[0], 3.0);
}

TEST(TrustRegionNewton, StopsWithNoProgressAtRoundingLevel) {
  // eps = gtol = 0 never converges by test; in float the reductions reach the rounding of f
  // (or the model stops predicting any) well before 1000 iterations.
  const Quadratic<float> f({.dimension = 20, .condition_number = 10});
  Parameters<float> x = Parameters<float>::from(std::vector<float>(20, 5.0f));
  const auto result = trust_region_newton<float>(f, x, {.eps = 0});
  EXPECT_TRUE(result.summary.termination == Termination::no_progress ||
              result.summary.termination == Termination::converged)
      << result.summary.message;
  EXPECT_LT(result.summary.steps, 1000);
}

TEST(TrustRegionNewton, RejectsBadOptionsAndObjectivesByName) {
  const Rosenbrock<double> f(2);
  Parameters<double> x = Parameters<double>::from(std::vector<double>{0, 0});
  const struct {
    TrustRegionNewtonOptions options;
    const char* message;
  } cases[] = {
      {{.eta0 = 0.3}, "TrustRegionNewtonOptions::eta0 = 0.3 violates eta0 < eta1"},
      {{.eta1 = 0.8}, "TrustRegionNewtonOptions::eta1 = 0.8 violates eta1 < eta2"},
      {{.sigma1 = 0.6}, "TrustRegionNewtonOptions::sigma1 = 0.6 violates sigma1 < sigma2"},
      {{.sigma3 = 1}, "TrustRegionNewtonOptions::sigma3 = 1 violates sigma3 > 1"},
      {{.cg_tolerance = 1}, "TrustRegionNewtonOptions::cg_tolerance = 1 violates 0 < cg_tolerance < 1"},
      {{.forcing = "cubic"}, "TrustRegionNewtonOptions::forcing = 'cubic' is not one of constant, quadratic"},
      {{.preconditioner = "ilu"}, "TrustRegionNewtonOptions::preconditioner = 'ilu' is not one of auto, none, jacobi"},
      {{.preconditioner_mix = 0},
       "TrustRegionNewtonOptions::preconditioner_mix = 0 violates 0 < preconditioner_mix <= 1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    try {
      trust_region_newton<double>(f, x, c.options);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_STREQ(e.what(), c.message);
    }
  }
  try {
    trust_region_newton<double>(f, x, {.preconditioner = "jacobi"});
    ADD_FAILURE() << "accepted";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(),
                 "trust_region_newton: preconditioner=jacobi needs the Hessian's diagonal, which 'rosenbrock' does not "
                 "provide (use preconditioner=none)");
  }
  const testing::DiagonalQuadratic<double> no_products(2, 10);
  EXPECT_THROW(trust_region_newton<double>(no_products, x, {}), MismatchError);
  Parameters<double> wrong = Parameters<double>::from(std::vector<double>{0, 0, 0});
  EXPECT_THROW(trust_region_newton<double>(f, wrong, {}), MismatchError);
}

}  // namespace
}  // namespace descent
