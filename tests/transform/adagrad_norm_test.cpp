// AdaGrad-Norm (Ward, Wu & Bottou, ICML 2019 / JMLR 2020) beyond the generic tests of
// transform_cases.hpp: the paper's indexing (the current gradient enters b before the step),
// the norm over the whole vector across blocks and tiles, the squared-norm hint that makes
// a leading adagrad_norm free in minimize(), and the property the paper is about: on a
// smooth problem it converges for step sizes far above 2 / L, where gradient descent with
// the same step diverges, and b_t stays bounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/core/parameters.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/adagrad_norm.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_value.hpp"
#include "descent/transform/sgd.hpp"
#include "transform/test_problems.hpp"

namespace descent::testing {
namespace {

template <class T>
double b_squared(const TransformState<T>& state) {
  EXPECT_EQ(state.scalar_names.size(), 1u);
  EXPECT_EQ(state.scalar_names.at(0), "b_squared");
  return state.scalars.at(0);
}

TEST(AdagradNorm, DefaultsKindAndState) {
  EXPECT_EQ(adagrad_norm()->spec(), "adagrad_norm(lr=1, b0=0.01, weight_decay=0)");
  EXPECT_EQ(parse_transform("adagrad_norm")->spec(), adagrad_norm()->spec());
  const TransformPtr t = adagrad_norm();
  EXPECT_EQ(t->kind(), TransformKind::reducing);
  EXPECT_EQ(t->reduction_size(), 1u);
  EXPECT_TRUE(t->reduces_to_squared_norm());
  // With coupled decay the reduction is over g + wd p: a caller's ||d||^2 is not it.
  EXPECT_FALSE(adagrad_norm({.weight_decay = 0.1})->reduces_to_squared_norm());
  // One scalar, b^2 = b0^2, and no per-parameter slot.
  const auto state = init_state<float>(*adagrad_norm({.b0 = 0.5}), ParameterLayout::flat(10));
  EXPECT_TRUE(state.slots.empty());
  EXPECT_EQ(b_squared(state), 0.25);
  // Driven by hand without its reduction, it refuses rather than read a null total.
  auto lone = init_state<double>(*t, ParameterLayout::flat(2));
  EXPECT_THROW(t->begin_step(lone, nullptr), MismatchError);
}

// b0 = 12 and g = (3, 4): b_1 = sqrt(144 + 25) = 13, so lr = 13 gives the update -(3, 4)
// exactly, in float and double. Dividing by b_0 instead (the delayed convention) would give
// -(13 / 12) (3, 4). Here g = d + wd p = (1, 2) + 0.5 (4, 4).
template <class T>
void check_current_gradient_enters_b_first() {
  const TransformPtr t = adagrad_norm({.lr = constant(13), .b0 = 12, .weight_decay = 0.5});
  const auto layout = ParameterLayout::flat(2);
  auto state = init_state<T>(*t, layout);
  std::vector<T> p = {4, 4}, d = {1, 2};
  apply<T>(*t, state, std::span<T>(d), std::span<T>(p), layout);
  EXPECT_EQ(p, (std::vector<T>{1, 0}));
  EXPECT_EQ(b_squared(state), 169.0);
  // Step 2: g = (83.5, 0) + 0.5 (1, 0) = (84, 0), b_2^2 = 169 + 84^2 = 85^2, update -13 * 84 / 85.
  d = {83.5, 0};
  apply<T>(*t, state, std::span<T>(d), std::span<T>(p), layout);
  EXPECT_EQ(b_squared(state), 7225.0);
  // One rounding of lr / b to T, one of the product, one of the sum: <= 3 eps relative to |p| <= 12.
  EXPECT_NEAR(p[0], 1.0 - 13.0 * 84.0 / 85.0, 3 * 12.0 * std::numeric_limits<T>::epsilon());
  EXPECT_EQ(p[1], T(0));
}

TEST(AdagradNorm, CurrentGradientEntersBBeforeTheStepFloat) { check_current_gradient_enters_b_first<float>(); }
TEST(AdagradNorm, CurrentGradientEntersBBeforeTheStepDouble) { check_current_gradient_enters_b_first<double>(); }

// Three blocks (a matrix, a bias, a long vector) of different scales, 3960 elements: four
// tiles, the last partial. Over 6 steps with both signs and a schedule, the parameters and
// b^2 follow the formula computed here in double with one norm over all blocks.
ParameterLayout three_blocks() {
  ParameterLayout layout;
  layout.add("w", {40, 60});
  layout.add("bias", {60});
  layout.add("v", {1500});
  return layout;
}

double block_direction(std::size_t i, std::int64_t t) {
  const double scale = i < 2400 ? 1.0 : (i < 2460 ? 30.0 : 0.05);  // the bias dominates the norm
  return scale * std::sin(0.37 * static_cast<double>(i) + 1.1 * static_cast<double>(t));
}

template <class T>
void check_formula_across_blocks() {
  const auto layout = three_blocks();
  const std::size_t n = layout.size();
  ASSERT_EQ(n, 3960u);
  ASSERT_GT(tile_count(n), 3u);
  const TransformPtr t = parse_transform("adagrad_norm(lr=linear_decay(init=0.8, steps=6, end=0.2), b0=3)");
  auto state = init_state<T>(*t, layout);
  AlignedBuffer<T> p(n), d(n);
  std::vector<double> expected_p(n), moved(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) expected_p[i] = p[i] = static_cast<T>(std::cos(0.5 * static_cast<double>(i)));
  double expected_b_squared = 9;
  for (std::int64_t step = 1; step <= 6; ++step) {
    for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<T>(block_direction(i, step));
    double squares = 0;
    for (std::size_t i = 0; i < n; ++i) squares += static_cast<double>(d[i]) * static_cast<double>(d[i]);
    expected_b_squared += squares;
    const double lr = 0.8 + (0.2 - 0.8) * static_cast<double>(step - 1) / 6.0;
    const double b = std::sqrt(expected_b_squared);
    for (std::size_t i = 0; i < n; ++i) {
      const double u = -lr * static_cast<double>(d[i]) / b;
      expected_p[i] += u;
      moved[i] += std::abs(u);
    }
    apply<T>(*t, state, d.span(), p.span(), layout);

    // b^2 sums 6 n positive terms (exact products of T values in double, or products rounded
    // once) in another order than here: recursive summation bounds both sums' errors by
    // (6 n + 6) 2^-53 relative, the roundings of the products by 2^-53 more.
    const double b_bound = 2 * (6 * n + 7) * 1.12e-16;
    EXPECT_NEAR(b_squared(state), expected_b_squared, b_bound * expected_b_squared) << "step " << step;
    // Rounding, per step: the sum with p (eps / 2 of |p_t|) and the update (lr / b and the
    // product, and the schedule's value: <= 2 eps of |u_t|), on each side in double, the
    // transform's side alone in float. With |p_t| <= |p_6| + sum |u|, six steps stay within
    // 2 * (6 / 2 + 2) eps (|p| + sum |u|) <= 12 eps (|p| + sum |u|), plus b's relative error
    // b_bound / 2 on every |u|.
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_LE(std::abs(static_cast<double>(p[i]) - expected_p[i]),
                12 * std::numeric_limits<T>::epsilon() * (std::abs(expected_p[i]) + moved[i]) + b_bound * moved[i])
          << "step " << step << " p[" << i << "]";
  }
  // One norm per block would weigh the blocks differently: the matrix's own b and the long
  // vector's own b are far below the global b (the bias dominates it), so per-block steps
  // would be several times larger there, far outside the tolerance above.
  double w_squares = 9, v_squares = 9;
  for (std::int64_t step = 1; step <= 6; ++step)
    for (std::size_t i = 0; i < n; ++i)
      if (i < 2400 || i >= 2460) (i < 2400 ? w_squares : v_squares) += std::pow(block_direction(i, step), 2);
  EXPECT_GT(expected_b_squared / w_squares, 10.0);
  EXPECT_GT(expected_b_squared / v_squares, 1000.0);
}

TEST(AdagradNorm, FormulaOverSeveralStepsAcrossBlocksAndTilesFloat) { check_formula_across_blocks<float>(); }
TEST(AdagradNorm, FormulaOverSeveralStepsAcrossBlocksAndTilesDouble) { check_formula_across_blocks<double>(); }

// The step length is lr_t ||g|| / b_t <= lr_t: whatever the gradient's scale. Squares are
// summed in double, so float gradients near 1e20 (whose squares overflow float) are fine.
TEST(AdagradNorm, StepIsANormalizedGradientStepAtMostLrLong) {
  const TransformPtr t = adagrad_norm({.lr = constant(2), .b0 = 1e-3});
  const auto layout = ParameterLayout::flat(2);
  auto state = init_state<float>(*t, layout);
  std::vector<float> p = {0, 0}, d = {3e20f, -4e20f};
  apply<float>(*t, state, std::span<float>(d), std::span<float>(p), layout);
  // -2 * (3, -4) / 5, up to b0^2 / ||g||^2 ~ 1e-47 and a few roundings of float.
  EXPECT_NEAR(p[0], -1.2f, 1.2f * 4 * std::numeric_limits<float>::epsilon());
  EXPECT_NEAR(p[1], 1.6f, 1.6f * 4 * std::numeric_limits<float>::epsilon());
  const double a = 3e20f, c = -4e20f;  // the float values, exactly
  EXPECT_DOUBLE_EQ(b_squared(state), 1e-6 + (a * a + c * c));
}

// A tiny b0 with a zero direction: lr / b0 overflows T (b0^2 even underflows to 0 in double),
// and inf * 0 would be NaN. The update must stay zero, and the first nonzero direction then
// gives a normalized step (b^2 = b0^2 + ||g||^2 ~ ||g||^2).
template <class T>
void check_tiny_b0_and_zero_direction(double b0) {
  const TransformPtr t = adagrad_norm({.lr = constant(0.5), .b0 = b0});
  const auto layout = ParameterLayout::flat(3);
  auto state = init_state<T>(*t, layout);
  std::vector<T> p = {1, -2, 3}, d = {0, 0, 0};
  apply<T>(*t, state, std::span<T>(d), std::span<T>(p), layout);
  EXPECT_EQ(p, (std::vector<T>{1, -2, 3}));
  d = {0, 6, 8};
  apply<T>(*t, state, std::span<T>(d), std::span<T>(p), layout);
  const T eps = std::numeric_limits<T>::epsilon();
  EXPECT_EQ(p[0], T(1));
  EXPECT_NEAR(p[1], -2 - 0.5 * 0.6, 4 * eps * 2.3);
  EXPECT_NEAR(p[2], 3 - 0.5 * 0.8, 4 * eps * 3.4);
}

TEST(AdagradNorm, TinyB0AndZeroDirectionGiveNoNanFloat) { check_tiny_b0_and_zero_direction<float>(1e-40); }
TEST(AdagradNorm, TinyB0AndZeroDirectionGiveNoNanDouble) { check_tiny_b0_and_zero_direction<double>(1e-300); }

// ---------------------------------------------------------------------------------------
// The squared-norm hint (apply.hpp): minimize() passes ||d||^2, computed as sum_of_squares
// does, and a leading member that reduces exactly that skips its own pass.

constexpr std::size_t kHintSize = 3 * kTileSize + 100;

template <class T>
void fill_signed(AlignedBuffer<T>& d) {
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<T>(std::sin(0.7 * static_cast<double>(i)) * 1.5);
}

template <class T>
struct OneStep {
  AlignedBuffer<T> p;
  TransformState<T> state;
};

template <class T>
OneStep<T> one_step(const TransformPtr& transform, std::optional<double> squared_norm) {
  const auto layout = ParameterLayout::flat(kHintSize);
  OneStep<T> r{AlignedBuffer<T>(kHintSize), init_state<T>(*transform, layout)};
  AlignedBuffer<T> d(kHintSize);
  for (std::size_t i = 0; i < kHintSize; ++i) r.p[i] = static_cast<T>(std::cos(static_cast<double>(i)));
  fill_signed(d);
  apply<T>(*transform, r.state, d.span(), r.p.span(), layout, squared_norm);
  return r;
}

template <class T>
bool same_bits(const AlignedBuffer<T>& a, const AlignedBuffer<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T>
void check_squared_norm_hint() {
  AlignedBuffer<T> d(kHintSize);
  fill_signed(d);
  const double squared = sum_of_squares(std::span<const T>(d.data(), kHintSize));
  const double lr = 0.7, b0 = 0.3;
  const TransformPtr t = adagrad_norm({.lr = constant(lr), .b0 = b0});

  // The hint is exactly the total of the transform's own pass: the same bits.
  const OneStep<T> without = one_step<T>(t, std::nullopt);
  const OneStep<T> with = one_step<T>(t, squared);
  EXPECT_TRUE(same_bits(without.p, with.p));
  EXPECT_EQ(b_squared(without.state), b0 * b0 + squared);
  EXPECT_EQ(b_squared(with.state), b0 * b0 + squared);

  // A hint four times too large is what b^2 receives, and the step is the one that b gives
  // (computed here as prepare and tile compute it): the transform used the hint, no pass.
  const OneStep<T> large = one_step<T>(t, 4 * squared);
  EXPECT_EQ(b_squared(large.state), b0 * b0 + 4 * squared);
  const T scale = static_cast<T>(lr / std::sqrt(b0 * b0 + 4 * squared));
  AlignedBuffer<T> expected(kHintSize);
  for (std::size_t i = 0; i < kHintSize; ++i) {
    const T g = d[i] + T(0) * static_cast<T>(std::cos(static_cast<double>(i)));
    expected[i] = static_cast<T>(std::cos(static_cast<double>(i))) + (-scale * g);
  }
  EXPECT_TRUE(same_bits(large.p, expected));
  EXPECT_FALSE(same_bits(large.p, with.p));

  // With coupled decay the reduction is not ||d||^2: the hint must be ignored.
  const TransformPtr decayed = adagrad_norm({.lr = constant(lr), .b0 = b0, .weight_decay = 0.1});
  EXPECT_TRUE(same_bits(one_step<T>(decayed, std::nullopt).p, one_step<T>(decayed, 4 * squared).p));
  // Not leading, it reduces the previous member's output: the hint must be ignored too.
  const TransformPtr later = chain(clip_by_value(1.0), t);
  EXPECT_TRUE(same_bits(one_step<T>(later, std::nullopt).p, one_step<T>(later, 4 * squared).p));
}

TEST(AdagradNormHint, FloatLeadingAdagradNormUsesTheHint) { check_squared_norm_hint<float>(); }
TEST(AdagradNormHint, DoubleLeadingAdagradNormUsesTheHint) { check_squared_norm_hint<double>(); }

// minimize() (which passes the hint) gives the same bits as a plain loop of gradient and
// apply() without it, over a quadratic large enough for several tiles. This holds only while
// sum_of_squares (core/parallel.cpp) and the transform's reduction run the same lane sums
// with the same rounding: in double, a multiply-add fused in one of them and not in the other
// (-ffp-contract) changes about one tile sum in five in its last bit, and b^2 with it.
TEST(AdagradNormHint, MinimizeEqualsAPlainLoopWithoutTheHint) {
  const Quadratic<double> q({.dimension = 2 * kTileSize + 31, .condition_number = 50});
  const TransformPtr t = adagrad_norm({.lr = constant(3)});
  std::vector<double> x0(q.dimension());
  for (std::size_t i = 0; i < x0.size(); ++i) x0[i] = -1.0 + std::sin(static_cast<double>(i));

  auto params = Parameters<double>::from(std::span<const double>(x0));
  auto state = init_state<double>(*t, params.layout());
  minimize<double>(q, params, *t, state, {.max_steps = 7, .final_evaluation = false});

  const auto layout = ParameterLayout::flat(x0.size());
  auto loop_state = init_state<double>(*t, layout);
  AlignedBuffer<double> x(x0.size()), g(x0.size());
  std::copy(x0.begin(), x0.end(), x.begin());
  for (int step = 0; step < 7; ++step) {
    q.value_and_gradient(std::span<const double>(x.data(), x.size()), g.span());
    apply<double>(*t, loop_state, g.span(), x.span(), layout);
  }
  EXPECT_EQ(0, std::memcmp(params.flat().data(), x.data(), x.size() * sizeof(double)));
  EXPECT_EQ(b_squared(state), b_squared(loop_state));
  EXPECT_EQ(state.count, 7);
}

// ---------------------------------------------------------------------------------------
// Convergence without tuning, on f(x) = 1/2 sum_i lambda_i (x_i - 1)^2 with lambda evenly in
// [mu, L] = [1, 10] (n = 5), from x_0 = (-2, ..., -2): F_0 = 4.5 * sum lambda = 123.75.
// Gradient descent with a constant step eta > 2 / L = 0.2 diverges: the L-coordinate's error
// is multiplied by |1 - eta L| > 1 at every step.
//
// Write g_j = grad f(x_j), b_{j+1}^2 = b_j^2 + ||g_j||^2, x_{j+1} = x_j - eta g_j / b_{j+1}.
// For an L-smooth f, f(x_{j+1}) <= f(x_j) - (eta / b_{j+1}) (1 - eta L / (2 b_{j+1})) ||g_j||^2.
//
// Regime A, eta = 2 (10 x 2 / L): already b_1 >= ||g_0|| = 3 sqrt(sum lambda^2) = 42.6 >= eta L
// = 20, so every step has b >= eta L: f decreases by at least eta ||g_j||^2 / (2 b_{j+1}), and
// since ||g_j||^2 / b_{j+1} = (b_{j+1}^2 - b_j^2) / b_{j+1} >= b_{j+1} - b_j, summing gives
//   b_t <= b_0 + 2 F_0 / eta =: B   for every t    (the argument of the paper's deterministic bound)
// Each coordinate's error is multiplied by 1 - eta lambda_i / b in [0, 1 - mu eta / B]: no
// overshoot, no increase, and f_t <= (1 - mu eta / B)^(2t) F_0, so f <= target within
// ceil(ln(F_0 / target) / (-2 ln(1 - mu eta / B))) steps.
//
// Regime B, eta = 100 (500 x 2 / L): b_1 = 42.6 < eta L = 1000; the first steps overshoot and f
// grows, and b catches up. The paper's bound for this case: while b_j < eta L, the growth of f
// is at most (L eta^2 / 2) sum ||g||^2 / b^2 <= L eta^2 ln(eta L / b_0) (as 1 - 1/x <= ln x),
// plus L eta^2 / 2 for the step where b passes eta L; with ||g||^2 <= 2 L f at that step,
//   b_t <= sqrt((eta L)^2 + 2 L Fbar) + 2 (Fbar + L eta^2 / 2) / eta,  Fbar = F_0 + L eta^2 ln(eta L / b_0).
// On a quadratic, steps contract every coordinate once b > eta L / 2 (|1 - eta lambda / b| < 1);
// until then the L-coordinate's error does not shrink, so each such step adds at least
// (L * 3)^2 to b^2: at most ceil((eta L / 2)^2 / 900) = 278 of them. After the first step j1 with
// b > eta L / 2, every error contracts at least by rho = max(1 - mu eta / B, eta L / b_j1 - 1).

constexpr std::size_t kDim = 5;
constexpr double kL = 10, kMu = 1;
constexpr double kF0 = 123.75;
constexpr double kTarget = 1e-20;  // far above double's floor for x ~ 1 (f ~ 1e-31)

// Rounding: x stays in [-2, 1] in regime A (errors keep their sign and shrink), so each step
// stores x with an absolute error <= 2.2e-16 and forms the update with <= 3 roundings
// (relative 3.3e-16 of |update| <= 3): <= 1.2e-15 per step per coordinate, never amplified
// (factors in [0, 1)), so <= 2000 * 1.2e-15 = 2.4e-12 =: delta after 2000 steps. By
// Cauchy-Schwarz f moves by at most delta sqrt(2 f sum lambda) + delta^2 sum lambda / 2.
constexpr double kDelta = 2.4e-12;
double rounding_slack(double f) { return kDelta * std::sqrt(2 * f * 27.5) + kDelta * kDelta * 27.5 / 2; }

TEST(AdagradNormConvergence, GradientDescentWithTheseStepsDiverges) {
  const SpreadQuadratic q(kDim, kL);
  for (double eta : {2.0, 100.0}) {
    const TransformPtr gd = sgd({.lr = constant(eta)});
    const auto layout = ParameterLayout::flat(kDim);
    auto state = init_state<double>(*gd, layout);
    AlignedBuffer<double> x(kDim), g(kDim);
    std::fill(x.begin(), x.end(), -2.0);
    for (int t = 0; t < 5; ++t) {
      q.gradient<double>(x.span(), g.span());
      apply<double>(*gd, state, g.span(), x.span(), layout);
    }
    // The L-coordinate alone: 1/2 L (|1 - eta L|^5 * 3)^2, the other coordinates add to it.
    // Each step rounds x - 1, lambda (x - 1), eta g and x - eta g: 4 * 2^-53 relative of e,
    // so 5 steps stay within 2.2e-15 of e and 4.4e-15 of e^2.
    const double top = std::pow(std::abs(1 - eta * kL), 5) * 3;
    EXPECT_GE(q.excess<double>(x.span()), 0.5 * kL * top * top * (1 - 1e-14)) << "eta = " << eta;
    EXPECT_GT(q.excess<double>(x.span()), 1e6 * kF0) << "eta = " << eta;
  }
}

struct Trajectory {
  std::vector<double> b;  // b_t, t = 1, 2, ...
  std::vector<double> f;  // f(x_t), t = 0, 1, ...
  std::vector<std::array<double, kDim>> x;
};

Trajectory run_adagrad_norm(double eta, std::size_t budget) {
  const SpreadQuadratic q(kDim, kL);
  const TransformPtr t = adagrad_norm({.lr = constant(eta)});  // b0 at its default, 0.01
  const auto layout = ParameterLayout::flat(kDim);
  auto state = init_state<double>(*t, layout);
  AlignedBuffer<double> x(kDim), g(kDim);
  std::fill(x.begin(), x.end(), -2.0);
  Trajectory run;
  run.f.push_back(q.excess<double>(x.span()));
  run.x.push_back({x[0], x[1], x[2], x[3], x[4]});
  while (run.f.back() > kTarget && run.b.size() < budget) {
    q.gradient<double>(x.span(), g.span());
    apply<double>(*t, state, g.span(), x.span(), layout);
    run.b.push_back(std::sqrt(b_squared(state)));
    run.f.push_back(q.excess<double>(x.span()));
    run.x.push_back({x[0], x[1], x[2], x[3], x[4]});
  }
  return run;
}

TEST(AdagradNormConvergence, StepTenTimesTwoOverLConvergesLinearlyWithBBounded) {
  constexpr double eta = 2, b0 = 0.01;
  EXPECT_NEAR(kF0, SpreadQuadratic(kDim, kL).excess<double>(std::vector<double>(kDim, -2.0)), 1e-12);
  const double bound = b0 + 2 * kF0 / eta;
  const double rate = 1 - kMu * eta / bound;
  const auto budget = static_cast<std::size_t>(std::ceil(std::log(kF0 / kTarget) / (-2 * std::log(rate))));
  ASSERT_LE(budget, 2000u);  // the horizon of kDelta
  const Trajectory run = run_adagrad_norm(eta, budget);
  EXPECT_LE(run.f.back(), kTarget) << "not converged within " << budget << " steps";
  for (std::size_t t = 1; t < run.f.size(); ++t) {
    SCOPED_TRACE("step " + std::to_string(t));
    const double b = run.b[t - 1];
    ASSERT_GE(b, eta * kL);  // a relative error ~1e-16 in b cannot reach the margin 42.6 / 20
    ASSERT_LE(b, bound);
    ASSERT_LE(run.f[t], std::pow(rate, 2.0 * static_cast<double>(t)) * kF0 + rounding_slack(run.f[t]));
    for (std::size_t i = 0; i < kDim; ++i) {
      ASSERT_LE(run.x[t][i], 1 + kDelta) << "coordinate " << i << " overshot";
      ASSERT_GE(run.x[t][i], run.x[t - 1][i] - kDelta) << "coordinate " << i << " moved away";
    }
  }
}

TEST(AdagradNormConvergence, StepFiveHundredTimesTwoOverLRecoversWithBBounded) {
  constexpr double eta = 100, b0 = 0.01;
  const double fbar = kF0 + kL * eta * eta * std::log(eta * kL / b0);
  const double bound = std::sqrt(eta * kL * eta * kL + 2 * kL * fbar) + 2 * (fbar + kL * eta * eta / 2) / eta;
  constexpr std::size_t kGrowthSteps = 278;  // ceil((eta L / 2)^2 / (3 L)^2)
  const Trajectory run = run_adagrad_norm(eta, 100000);
  ASSERT_LE(run.f.back(), kTarget);
  // The first steps overshoot: f rises far above F_0 before b catches up.
  EXPECT_GT(*std::max_element(run.f.begin(), run.f.end()), 100 * kF0);
  std::size_t j1 = 0;
  while (j1 < run.b.size() && run.b[j1] <= eta * kL / 2) ++j1;
  ++j1;  // 1-based step
  ASSERT_LE(j1, kGrowthSteps);
  for (double b : run.b) ASSERT_LE(b, bound);
  const double rho = std::max(1 - kMu * eta / bound, eta * kL / run.b[j1 - 1] - 1);
  ASSERT_LT(rho, 1.0);
  const double after = std::ceil(std::log(run.f[j1] / kTarget) / (-2 * std::log(rho)));
  EXPECT_LE(static_cast<double>(run.b.size()), static_cast<double>(j1) + after);
}

}  // namespace
}  // namespace descent::testing
