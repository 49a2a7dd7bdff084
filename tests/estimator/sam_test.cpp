#include "descent/estimator/sam.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "descent/analysis/hessian_spectrum.hpp"
#include "descent/core/parallel.hpp"
#include "descent/core/random.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/sgd.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::DiagonalQuadratic;

// f_i(x) = sum_j log cosh(x_j - c_ij), c_ij = sin(1.3 i + 0.7 j + 0.1). Not quadratic, so
// the gradient at x + eps is not the gradient at x plus a linear term. Its Hessians are
// diagonal with entries sech^2 in (0, 1]: every batch mean's gradient is 1-Lipschitz
// coordinate by coordinate, which the tolerances below use. Records every call.
class LogCoshSum final : public FiniteSum<double> {
 public:
  LogCoshSum(std::size_t n, std::size_t d) : n_(n), d_(d) {}
  std::string name() const override { return "log_cosh_sum"; }
  std::size_t dimension() const override { return d_; }
  std::size_t num_samples() const override { return n_; }
  double batch_value_and_gradient(std::span<const double> x, std::span<const std::size_t> batch,
                                  std::span<double> g) const override {
    points.emplace_back(x.begin(), x.end());
    batches.emplace_back(batch.begin(), batch.end());
    std::fill(g.begin(), g.end(), 0.0);
    double f = 0;
    for (std::size_t i : batch)
      for (std::size_t j = 0; j < d_; ++j) {
        const double r = x[j] - std::sin(1.3 * double(i) + 0.7 * double(j) + 0.1);
        f += std::log(std::cosh(r));
        g[j] += std::tanh(r);
      }
    if (batch.empty()) return 0;
    const double inv = 1.0 / double(batch.size());
    for (double& gj : g) gj *= inv;
    return f * inv;
  }
  void forget() const {
    points.clear();
    batches.clear();
  }
  mutable std::vector<std::vector<double>> points;
  mutable std::vector<std::vector<std::size_t>> batches;

 private:
  std::size_t n_, d_;
};

struct Reference {
  std::vector<double> perturbed;  // x + eps
  std::vector<double> eps;
  std::vector<double> direction;  // grad f_B(x + eps)
  double value = 0;               // f_B(x)
};

// The update rule written out as in the papers, one coordinate at a time:
//   g = grad f_B(x); SAM: eps = rho g / ||g||; ASAM: eps = rho T^2 g / ||T g||, T = |x| + eta.
Reference reference_sam(const LogCoshSum& f, const std::vector<double>& x, const std::vector<std::size_t>& batch,
                        double rho, bool adaptive, double eta) {
  const std::size_t d = x.size();
  Reference r;
  std::vector<double> g(d);
  r.value = f.batch_value_and_gradient(x, batch, g);
  double squared = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const double t = adaptive ? std::abs(x[j]) + eta : 1.0;
    squared += (t * g[j]) * (t * g[j]);
  }
  const double norm = std::sqrt(squared);
  r.eps.resize(d);
  r.perturbed.resize(d);
  for (std::size_t j = 0; j < d; ++j) {
    const double t = adaptive ? std::abs(x[j]) + eta : 1.0;
    r.eps[j] = rho * t * t * g[j] / norm;
    r.perturbed[j] = x[j] + r.eps[j];
  }
  r.direction.resize(d);
  f.batch_value_and_gradient(r.perturbed, batch, r.direction);
  return r;
}

// How far the estimator may be from the reference, per coordinate. The two compute ||T g||
// in different orders (the estimator in 16 lanes): recursive summation of d squares is off
// by at most d eps relatively, the square root halves that, and each side then rounds
// rho / norm and up to three products: |delta eps_j| <= (d + 9) eps |eps_j|. Rounding
// x_j + eps_j adds at most eps |p_j| between the two. The batch gradient is 1-Lipschitz per
// coordinate (see LogCoshSum), so the directions differ by at most |delta p_j|, plus the
// rounding of evaluating it at two different points, at most 2 (|B| + 2) eps (|B| tanh
// terms of size <= 1 summed and scaled).
double point_tolerance(const Reference& r, std::size_t j) {
  const double eps = std::numeric_limits<double>::epsilon();
  return (double(r.eps.size()) + 9) * eps * std::abs(r.eps[j]) + eps * std::abs(r.perturbed[j]);
}
double direction_tolerance(const Reference& r, std::size_t j, std::size_t batch) {
  return point_tolerance(r, j) + 2 * (double(batch) + 2) * std::numeric_limits<double>::epsilon();
}

void expect_matches_reference(const LogCoshSum& f, const SamOptions& options, std::uint64_t seed) {
  const std::size_t d = f.dimension();
  Sam<double> sam(options, seed);
  sam.bind(f);
  std::vector<double> x(d), direction(d);
  for (std::size_t j = 0; j < d; ++j) x[j] = 0.4 * std::cos(2.1 * double(j)) - 0.3;  // some |x_j| near 0, some not
  for (int step = 0; step < 3; ++step) {
    f.forget();
    const Estimate<double> e = sam.estimate(f, x, direction);
    ASSERT_EQ(f.batches.size(), 2u) << "two objective calls per step";
    EXPECT_EQ(f.batches[0], f.batches[1]) << "the same batch for both gradients";
    EXPECT_EQ(f.points[0], x) << "the first gradient is taken at x";
    const std::vector<std::size_t> batch = f.batches[0];
    const std::vector<double> perturbed = f.points[1];
    const Reference r = reference_sam(f, x, batch, options.rho, options.adaptive, options.eta);
    EXPECT_EQ(e.value, r.value) << "the value is f_B(x), unperturbed";
    EXPECT_EQ(e.objective_calls, 2);
    const std::int64_t per_call = options.batch_size == 0 ? std::int64_t(f.num_samples()) : std::int64_t(batch.size());
    EXPECT_EQ(e.sample_gradients, 2 * per_call);
    for (std::size_t j = 0; j < d; ++j) {
      EXPECT_NEAR(perturbed[j], r.perturbed[j], point_tolerance(r, j)) << "step " << step << " j " << j;
      EXPECT_NEAR(direction[j], r.direction[j], direction_tolerance(r, j, batch.size())) << "step " << step;
    }
    // Each coordinate moves: the gradient at x + eps is not the gradient at x.
    for (std::size_t j = 0; j < d; ++j) x[j] -= 0.3 * direction[j];
  }
}

TEST(Sam, FullBatchUpdateMatchesTheFormula) {
  const LogCoshSum f(9, 7);
  expect_matches_reference(f, {.rho = 0.2}, 0);
}

TEST(Sam, AdaptiveFullBatchUpdateMatchesTheFormula) {
  const LogCoshSum f(9, 7);
  expect_matches_reference(f, {.rho = 0.5, .adaptive = true, .eta = 0.01}, 0);
  expect_matches_reference(f, {.rho = 0.3, .adaptive = true, .eta = 0}, 0);  // T = |x| alone
}

TEST(Sam, MinibatchUpdateMatchesTheFormulaWithOneBatchForBothGradients) {
  const LogCoshSum f(11, 5);
  expect_matches_reference(f, {.rho = 0.1, .batch_size = 4}, 7);
  expect_matches_reference(f, {.rho = 0.4, .adaptive = true, .batch_size = 3}, 8);
}

TEST(Sam, BatchesFollowTheShuffleSamplerAndCountShortBatches) {
  // n = 7, |B| = 3: epochs of batches 3, 3, 1.
  const LogCoshSum f(7, 2);
  Sam<double> sam({.batch_size = 3}, 42);
  sam.bind(f);
  auto sampler = shuffle_sampler(3, 42);
  sampler->bind(7);
  std::vector<double> x{0.5, -0.5}, direction(2);
  std::vector<std::size_t> expected;
  for (int step = 0; step < 6; ++step) {
    f.forget();
    const auto e = sam.estimate(f, x, direction);
    sampler->next(expected);
    ASSERT_EQ(f.batches.size(), 2u);
    EXPECT_EQ(f.batches[0], expected) << step;
    EXPECT_EQ(f.batches[1], expected) << step;
    EXPECT_EQ(e.sample_gradients, 2 * std::int64_t(expected.size()));
  }
  EXPECT_EQ(sam.epochs(), 2);
}

TEST(Sam, CountsNoSamplesForAnObjectiveThatIsNotAFiniteSum) {
  const DiagonalQuadratic<double> q(4, 3.0);
  Sam<double> sam;
  sam.bind(q);
  std::vector<double> x{0, 0.5, 2, -1}, direction(4);
  const auto e = sam.estimate(q, x, direction);
  EXPECT_EQ(e.objective_calls, 2);
  EXPECT_EQ(e.sample_gradients, 0);
  // On a quadratic the formula is linear: direction = A (x - 1) + rho A g / ||g||, with
  // g = A (x - 1), lambda = (1, 5/3, 7/3, 3). Every intermediate is below 8 in magnitude
  // and each side rounds at most 8 times along the way (lambda itself included): 128 eps.
  const std::vector<double> lambda{1, 5.0 / 3, 7.0 / 3, 3};
  std::vector<double> g(4);
  double norm = 0;
  for (int j = 0; j < 4; ++j) {
    g[j] = lambda[j] * (x[j] - 1);
    norm += g[j] * g[j];
  }
  norm = std::sqrt(norm);
  for (int j = 0; j < 4; ++j)
    EXPECT_NEAR(direction[j], g[j] + 0.05 * lambda[j] * g[j] / norm, 128 * std::numeric_limits<double>::epsilon());
}

TEST(Sam, NoAscentDirectionMeansThePlainGradientAndOneCall) {
  const DiagonalQuadratic<double> q(3, 2.0);
  Sam<double> sam;
  sam.bind(q);
  std::vector<double> at_minimum(3, 1.0), direction(3, 7.0);
  const auto e = sam.estimate(q, at_minimum, direction);
  EXPECT_EQ(e.objective_calls, 1);
  EXPECT_EQ(direction, std::vector<double>(3, 0.0));
  // rho = 0 is the plain gradient, bit for bit.
  Sam<double> plain({.rho = 0});
  plain.bind(q);
  std::vector<double> x{0.3, -2, 5}, expected(3);
  q.value_and_gradient(x, expected);
  EXPECT_EQ(plain.estimate(q, x, direction).objective_calls, 1);
  EXPECT_EQ(direction, expected);
}

TEST(Sam, ComposesWithAdamAndCountsTwoCallsPerStepInTheSummary) {
  // SAM's direction on f = 1/2 (x-1)^T A (x-1) is the gradient of the convex
  // F(x) = f(x) + rho ||A (x - 1)||, minimized at x* = 1 as well; Adam steps have a size of
  // about lr, so the lr decays (as in the transform convergence tests). Stop rule, stated up
  // front (the transform convergence tests' rule for the quadratic): within 1e-4 of x* in every
  // coordinate after 1000 steps from x0 = (-2, ..., -2).
  const DiagonalQuadratic<double> q(5, 10.0);
  Parameters<double> x(ParameterLayout::flat(5), -2.0);
  MinimizeOptions<double> options{.max_steps = 1000};
  options.estimator = std::make_shared<Sam<double>>();
  const auto summary = minimize(q, x, *adam({.lr = cosine(0.1, 1000, 1e-4)}), options);
  EXPECT_EQ(summary.steps, 1000);
  EXPECT_EQ(summary.objective_calls, 2 * 1000 + 1);  // + the final evaluation
  for (double xi : x.flat()) EXPECT_NEAR(xi, 1.0, 1e-4);
}

// Two minima of equal loss 0, one sharp and one flat (2-d):
//   f(x, y) = V(x) + 1/2 lambda(x) y^2,   V(x) = c x^2 (1 - x)^2,
//   lambda(x) = lambda_f + (lambda_s - lambda_f) (1 - x)^2.
// f >= 0 and f = 0 only at (0, 0) and (1, 0). Both are minima with Hessians diag(2c,
// lambda(x)): top eigenvalue lambda_s = 100 at (0, 0) (sharp), lambda_f = 2 at (1, 0)
// (flat, with 2c = 1 below it). The x-barrier between them is at x = 1/2.
class SharpAndFlat final : public Differentiable<double> {
 public:
  static constexpr double kC = 0.5, kSharp = 100, kFlat = 2;
  std::string name() const override { return "sharp_and_flat"; }
  std::size_t dimension() const override { return 2; }
  double value(std::span<const double> p) const override {
    const double x = p[0], y = p[1];
    return kC * x * x * (1 - x) * (1 - x) + 0.5 * lambda(x) * y * y;
  }
  double value_and_gradient(std::span<const double> p, std::span<double> g) const override {
    const double x = p[0], y = p[1];
    g[0] = 2 * kC * x * (1 - x) * (1 - 2 * x) - (kSharp - kFlat) * (1 - x) * y * y;
    g[1] = lambda(x) * y;
    return value(p);
  }
  static double lambda(double x) { return kFlat + (kSharp - kFlat) * (1 - x) * (1 - x); }
};

// Why SAM ends in the flat minimum and gradient descent need not (lr = 0.015 for both):
// - Gradient descent is stable at both minima (lr lambda_s = 1.5 < 2), and once y has
//   decayed the x-dynamics is descent on the double well V: a run ends in the basin its x
//   starts in (up to a transient push while y is large).
// - SAM: near the valley floor y = 0 the gradient is mostly along y, so eps ~ +-rho e_y and
//   y bounces in a 2-cycle y' = y - lr lambda (y + rho sign y), of amplitude
//   A = lr lambda rho / (2 - lr lambda). The gradient at the perturbed point has
//   x-component V'(x) + 1/2 lambda'(x) (A + rho)^2: a push toward smaller lambda, i.e. toward
//   the flat minimum (the "drift toward wide minima" of Bartlett, Long & Bousquet, JMLR
//   2023). With rho = 0.05 the push exceeds the largest restoring slope of the double well,
//   max V' = 0.19 c = 0.096 at x = 0.21, all the way across: at x = 0.21 lambda = 63,
//   A = 0.045 and the push is 78 (0.095)^2 = 0.70; at the barrier x = 1/2, 0.19 against
//   V' = 0. So SAM leaves the sharp basin from every start, while gradient descent leaves
//   it from none that start well inside.
TEST(Sam, EndsInTheFlatMinimumMoreOftenThanGradientDescent) {
  const SharpAndFlat f;
  const auto step = sgd({.lr = constant(0.015)});
  Random rng(2024, Stream::user);  // seeded starts between the basins
  int flat_gd = 0, flat_sam = 0, runs = 0;
  double sharpness_gd = 0, sharpness_sam = 0;
  for (int run = 0; run < 20; ++run) {
    const double x0 = 0.05 + 0.9 * rng.uniform(), y0 = -0.3 + 0.6 * rng.uniform();
    for (bool sam : {false, true}) {
      Parameters<double> p = Parameters<double>::from(std::vector<double>{x0, y0});
      MinimizeOptions<double> options{.max_steps = 1000};
      if (sam) options.estimator = std::make_shared<Sam<double>>(SamOptions{.rho = 0.05});
      minimize(f, p, *step, options);
      const bool flat = p[0] > 0.5;
      const auto top = top_hessian_eigenvalue<double>(f, p.flat(), {.tolerance = 1e-8});
      ASSERT_TRUE(top.converged);
      (sam ? flat_sam : flat_gd) += flat;
      (sam ? sharpness_sam : sharpness_gd) += top.eigenvalue;
    }
    ++runs;
  }
  EXPECT_GT(flat_sam, flat_gd);
  EXPECT_GT(flat_gd, 0);  // the starts do cover both basins
  EXPECT_LT(flat_gd, runs);
  EXPECT_LT(sharpness_sam / runs, sharpness_gd / runs);
}

TEST(Sam, TrainingIsBitwiseIndependentOfTheThreadCount) {
  // 17000 parameters are 17 tiles (threads from 16): the norm and the perturbation run on threads.
  const testing::CentresSum<float> f(37, 17000);
  auto opt = adam({.lr = constant(0.01)});
  std::vector<std::vector<float>> finals;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    for (bool adaptive : {false, true}) {
      Parameters<float> x(ParameterLayout::flat(17000), 0.5f);
      MinimizeOptions<float> options{.max_steps = 5, .final_evaluation = false};
      options.estimator = std::make_shared<Sam<float>>(SamOptions{.adaptive = adaptive, .batch_size = 8}, 4);
      minimize(f, x, *opt, options);
      finals.emplace_back(x.flat().begin(), x.flat().end());
    }
  }
  set_num_threads(2);
  for (std::size_t k = 2; k < finals.size(); ++k)
    EXPECT_EQ(std::memcmp(finals[k % 2].data(), finals[k].data(), 17000 * sizeof(float)), 0) << k;
  EXPECT_NE(finals[0], finals[1]);  // SAM and ASAM do differ
}

TEST(Sam, SaveAndLoadResumeTheSameBatches) {
  const LogCoshSum f(13, 3);
  Sam<double> a({.batch_size = 4}, 5);
  a.bind(f);
  std::vector<double> x{0.1, 0.2, -0.3}, direction(3);
  for (int step = 0; step < 5; ++step) a.estimate(f, x, direction);
  BinaryWriter out;
  a.save(out);
  f.forget();
  for (int step = 0; step < 6; ++step) a.estimate(f, x, direction);
  const auto expected = f.batches;

  Sam<double> b({.batch_size = 4}, 5);
  b.bind(f);
  BinaryReader in(out.bytes(), "state");
  b.load(in);
  f.forget();
  for (int step = 0; step < 6; ++step) b.estimate(f, x, direction);
  EXPECT_EQ(f.batches, expected);
}

TEST(Sam, LoadRejectsStateOfAnotherBatchSizeAndKeepsItsOwn) {
  const LogCoshSum f(13, 3);
  Sam<double> full;
  full.bind(f);
  BinaryWriter out;
  full.save(out);
  Sam<double> batched({.batch_size = 4}, 5);
  batched.bind(f);
  BinaryReader in(out.bytes(), "state");
  try {
    batched.load(in);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("sam state was saved with batch_size = 0, this estimator has 4"),
              std::string::npos)
        << e.what();
  }
  // A truncated sampler state is refused too, and the estimator still works.
  BinaryWriter partial;
  partial.i64(4);
  partial.u64(3);
  BinaryReader truncated(partial.bytes(), "state");
  EXPECT_THROW(batched.load(truncated), FormatError);
  std::vector<double> x(3), direction(3);
  EXPECT_EQ(batched.estimate(f, x, direction).sample_gradients, 8);
}

TEST(Sam, SpecListsEveryOption) {
  EXPECT_EQ(Sam<double>().spec(), "sam(rho=0.05, adaptive=false, eta=0.01, batch_size=0)");
  EXPECT_EQ(Sam<float>({.rho = 0.5, .adaptive = true, .eta = 0, .batch_size = 32}, 9).spec(),
            "sam(rho=0.5, adaptive=true, eta=0, batch_size=32)");
}

TEST(Sam, RejectsBadOptionsNamingTheParameter) {
  auto message = [](const SamOptions& o) -> std::string {
    try {
      Sam<double> s(o);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message({.rho = -0.1}), "SamOptions::rho = -0.1 violates rho >= 0");
  EXPECT_NE(message({.rho = std::nan("")}).find("SamOptions::rho = nan"), std::string::npos);
  EXPECT_EQ(message({.eta = -1}), "SamOptions::eta = -1 violates eta >= 0");
  EXPECT_EQ(message({.batch_size = -2}), "SamOptions::batch_size = -2 violates batch_size >= 0");
}

TEST(Sam, RefusesMismatchedObjectivesAndUseBeforeBind) {
  const DiagonalQuadratic<double> q(3, 2.0);
  std::vector<double> x(3), direction(3);
  Sam<double> unbound;
  EXPECT_THROW(unbound.estimate(q, x, direction), MismatchError);
  Sam<double> batched({.batch_size = 2});
  try {
    batched.bind(q);
    FAIL();
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(),
                 "the sam estimator with batch_size = 2 needs a finite-sum objective; 'diagonal_quadratic' is not "
                 "one (use batch_size = 0 for the full gradient)");
  }
  const LogCoshSum empty(0, 3);
  EXPECT_THROW(batched.bind(empty), MismatchError);
  Sam<double> full;
  full.bind(q);
  std::vector<double> short_x(2);
  EXPECT_THROW(full.estimate(q, short_x, direction), MismatchError);
}

TEST(Sam, NonFiniteGradientsPassThroughToTheLoopsGuard) {
  const DiagonalQuadratic<double> q(3, 2.0);
  const testing::PoisonedAfter<double> poisoned(q, 0);
  Sam<double> sam;
  sam.bind(poisoned);
  std::vector<double> x{0.2, 0.4, 0.6}, direction(3);
  const auto e = sam.estimate(poisoned, x, direction);
  EXPECT_EQ(e.objective_calls, 1);  // no perturbation along a NaN
  EXPECT_TRUE(std::isnan(direction[1]));
}

}  // namespace
}  // namespace descent
