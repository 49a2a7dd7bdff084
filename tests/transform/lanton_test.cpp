// LANTON (transform/lanton.hpp): Muon with noise-adaptive layerwise learning rates.
//   * the update against the hand-written reference (reference::Lanton) on a tiny
//     multi-block layout, in float and double, and the nuclear norm against Eigen's SVD;
//   * the paper's promises: a block whose gradient is noisier gets the smaller rate, by the
//     formula's factor ((alpha + H_min) / (alpha + H_l))^(1/4), and with no noise LANTON is
//     Muon bitwise; convergence on a separable matrix quadratic within a derived budget.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstring>
#include <random>

#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/lanton.hpp"
#include "descent/transform/muon.hpp"
#include "descent/transform/newton_schulz.hpp"
#include "transform/muon_bounds.hpp"
#include "transform/reference_optimizers.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

using Shapes = std::vector<std::vector<std::size_t>>;
using MatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

ParameterLayout layout_of(const Shapes& shapes) {
  ParameterLayout layout;
  for (std::size_t k = 0; k < shapes.size(); ++k) layout.add("w" + std::to_string(k), shapes[k]);
  return layout;
}

double frobenius(const double* x, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i] * x[i];
  return std::sqrt(s);
}

double svd_nuclear(const MatrixXd& x) { return Eigen::JacobiSVD<MatrixXd>(x).singularValues().sum(); }

// ---------------------------------------------------------------------------------------------
// 1. The formula.

TEST(LantonNuclearNorm, MatchesTheSumOfSingularValues) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  for (const auto& [rows, cols] : std::vector<std::pair<std::size_t, std::size_t>>{{3, 7}, {9, 4}, {1, 5}, {6, 6}}) {
    MatrixXd x(rows, cols);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(rng);
    const double expected = svd_nuclear(x);
    // Both in double on full-rank matrices: the eigenvalue route errs by <= lanton_rate_error's e_N.
    EXPECT_NEAR(
        nuclear_norm({x.data(), rows * cols}, rows, cols), expected,
        lanton_rate_error(static_cast<double>(std::min(rows, cols)), static_cast<double>(std::max(rows, cols))) *
            expected);
    EXPECT_NEAR(reference::nuclear_norm(reference::Vec(x.data(), x.data() + x.size()), rows, cols), expected,
                1e-12 * expected);
  }
  EXPECT_THROW(nuclear_norm(std::vector<double>(5), 2, 3), MismatchError);
}

const Shapes kTinyShapes = {{3, 5}, {4, 2}, {2, 2, 3}};
constexpr std::size_t kTinySize = 15 + 8 + 12;

// Five steps of the positive test data (transform_test_support.hpp), per block within Muon's
// bound plus the rate's (lanton_rate_error for these shapes: m <= 3, q <= 6), and the noise
// estimates within 2 e_N + 4u of the reference's.
template <class T>
void check_formula(bool nesterov, const std::string& adjust_lr) {
  const std::string spec = std::string("lanton(lr=cosine(init=0.1, steps=4, end=0.02), momentum=0.9, nesterov=") +
                           (nesterov ? "true" : "false") + ", weight_decay=0.02, adjust_lr=" + adjust_lr +
                           ", beta2=0.7, alpha=1e-3)";
  SCOPED_TRACE(spec);
  const TransformPtr transform = parse_transform(spec);
  const reference::Lanton ref{[](std::size_t) { return kTinyShapes; },
                              reference::cosine_schedule(0.1, 4, 0.02),
                              0.9,
                              nesterov,
                              5,
                              1e-7,
                              0.02,
                              adjust_lr,
                              0.7,
                              1e-3};
  const ParameterLayout layout = layout_of(kTinyShapes);
  auto state = init_state<T>(*transform, layout);
  ASSERT_EQ(state.scalar_names,
            (std::vector<std::string>{"noise_estimate:w0", "noise_estimate:w1", "noise_estimate:w2"}));
  std::vector<T> p(kTinySize);
  for (std::size_t i = 0; i < kTinySize; ++i) p[i] = static_cast<T>(test_param(i));
  reference::Vec ref_p(p.begin(), p.end());
  reference::State ref_state;
  const double rate_error = lanton_rate_error(3, 6);
  std::vector<double> bounds;  // per block, computed once (each scans the NS polynomial)
  for (const BlockInfo& block : layout.blocks())
    bounds.push_back(muon_update_bound(block.shape[0], block.size / block.shape[0], std::numeric_limits<T>::epsilon()) +
                     rate_error);
  for (std::int64_t t = 1; t <= 5; ++t) {
    std::vector<T> d(kTinySize);
    for (std::size_t i = 0; i < kTinySize; ++i) d[i] = static_cast<T>(test_direction(i, t) * (1 + 0.3 * (i % 3)));
    reference::Vec ref_d(d.begin(), d.end());
    direct_update<T>(*transform, state, d, p, layout);
    ref(ref_d, ref_p, ref_state, t);
    for (std::size_t k = 0; k < layout.blocks().size(); ++k) {
      const BlockInfo& block = layout.blocks()[k];
      double error = 0;
      for (std::size_t i = block.offset; i < block.offset + block.size; ++i)
        error += (d[i] - ref_d[i]) * (d[i] - ref_d[i]);
      EXPECT_LE(std::sqrt(error), bounds[k] * frobenius(ref_d.data() + block.offset, block.size))
          << "step " << t << " block " << block.name;
    }
    const auto& noise = ref_state.buffers.at("noise_estimate");
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(state.scalars[k], noise[k], (2 * rate_error + 1e-15) * noise[k]) << "step " << t << " block " << k;
      if (t == 1) EXPECT_EQ(state.scalars[k], 0.0);
      if (t >= 2) EXPECT_GT(state.scalars[k], 0.0);
    }
    for (std::size_t i = 0; i < kTinySize; ++i) {
      p[i] += d[i];
      ref_p[i] += ref_d[i];
    }
  }
}

TEST(LantonFormula, DoubleMatchesReference) {
  check_formula<double>(true, "original");
  check_formula<double>(false, "match_rms_adamw");
}
TEST(LantonFormula, FloatMatchesReference) {
  check_formula<float>(true, "original");
  check_formula<float>(false, "spectral_unclamped");
}

TEST(LantonFormula, DefaultsAndRefusals) {
  EXPECT_EQ(parse_transform("lanton")->spec(), lanton()->spec());
  EXPECT_EQ(lanton()->spec(),
            "lanton(lr=0.02, momentum=0.95, nesterov=true, weight_decay=0, adjust_lr=original, ns_steps=5, "
            "eps=1e-07, beta2=0.9, alpha=1e-08)");
  ParameterLayout with_bias;
  with_bias.add("dense.weight", {4, 3});
  with_bias.add("dense.bias", {4});
  try {
    (void)init_state<float>(*lanton(), with_bias);
    ADD_FAILURE() << "a bias block was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'dense.bias'"), std::string::npos) << e.what();
  }
  try {
    (void)lanton({.adjust_lr = "sideways"});
    ADD_FAILURE() << "adjust_lr = sideways was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("LantonOptions::adjust_lr"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lanton({.beta2 = 1.0}), ConfigError);
  EXPECT_THROW(lanton({.alpha = 0.0}), ConfigError);
}

// ---------------------------------------------------------------------------------------------
// 2. The rates: with momentum 0, no Nesterov, no decay and no lr adjustment the update of block l
// is -eta_l NS(G_l), so eta_l = -<u_l, NS(G_l)> / ||NS(G_l)||^2 (in double: exact to ~1e-15).

double rate_of(const double* update, std::vector<double> g, std::size_t rows, std::size_t cols) {
  newton_schulz<double>(g, rows, cols, 5);
  double dot = 0, norm = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    dot -= update[i] * g[i];
    norm += g[i] * g[i];
  }
  return dot / norm;
}

TEST(LantonRates, TheNoisierBlockGetsTheSmallerRateByTheFormulasFactor) {
  // Two 3 x 4 blocks with the same mean gradient M, block 0 with noise of scale 0.01, block 1 of
  // scale 1: the surrogate noise ||G_t - G_{t-1}||_*^2 is about 100^2 times larger in block 1.
  ParameterLayout layout;
  layout.add("quiet", {3, 4});
  layout.add("noisy", {3, 4});
  const double lr = 0.05, alpha = 1e-6, beta2 = 0.8;
  const TransformPtr t = lanton({.lr = constant(lr),
                                 .momentum = 0,
                                 .nesterov = false,
                                 .weight_decay = 0,
                                 .adjust_lr = "none",
                                 .beta2 = beta2,
                                 .alpha = alpha});
  auto state = init_state<double>(*t, layout);
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  std::vector<double> p(24, 1.0), previous(24, 0.0);
  double h[2] = {0, 0};
  for (std::int64_t step = 1; step <= 20; ++step) {
    std::vector<double> g(24);
    for (std::size_t i = 0; i < 24; ++i)
      g[i] = std::sin(0.7 * static_cast<double>(i % 12)) + (i < 12 ? 0.01 : 1.0) * normal(rng);
    std::vector<double> u = g;
    direct_update<double>(*t, state, u, p, layout);
    // H by the paper's recursion, the nuclear norm from Eigen's SVD.
    if (step >= 2)
      for (int k = 0; k < 2; ++k) {
        MatrixXd diff(3, 4);
        for (std::size_t i = 0; i < 12; ++i) diff.data()[i] = g[12 * k + i] - previous[12 * k + i];
        const double norm = svd_nuclear(diff);
        h[k] = beta2 * h[k] + (1 - beta2) * norm * norm;
      }
    previous = g;
    for (int k = 0; k < 2; ++k)
      EXPECT_NEAR(state.scalars[k], h[k], lanton_rate_error(3, 4) * 2 * h[k] + 1e-300) << step << " " << k;
    const double eta0 = rate_of(u.data(), {g.begin(), g.begin() + 12}, 3, 4);
    const double eta1 = rate_of(u.data() + 12, {g.begin() + 12, g.end()}, 3, 4);
    if (step == 1) {
      // No previous gradient: no noise seen, both at the base rate.
      EXPECT_NEAR(eta0, lr, 1e-13);
      EXPECT_NEAR(eta1, lr, 1e-13);
      continue;
    }
    ASSERT_GT(h[1], 100 * h[0]) << "the noise estimates do not tell the blocks apart at step " << step;
    const double expected1 = lr * std::pow((alpha + h[0]) / (alpha + h[1]), 0.25);
    EXPECT_NEAR(eta0, lr, 1e-13) << "the least noisy block steps with the base rate, step " << step;
    EXPECT_NEAR(eta1, expected1, 1e-6 * expected1) << "step " << step;
    EXPECT_LT(eta1, eta0 / 3) << "step " << step;  // (1/100)^(1/2) at least: far below
  }
}

// With the same gradient every step (the deterministic limit of a block at rest) the noise
// estimates stay 0, every rate is lr, and LANTON's steps are Muon's, bit for bit.
TEST(LantonRates, WithoutNoiseItIsMuonBitwise) {
  ParameterLayout layout = layout_of(kTinyShapes);
  const TransformPtr l = parse_transform("lanton(lr=0.03, momentum=0.9, weight_decay=0.1, adjust_lr=match_rms_adamw)");
  const TransformPtr m = parse_transform("muon(lr=0.03, momentum=0.9, weight_decay=0.1, adjust_lr=match_rms_adamw)");
  for (int precision = 0; precision < 2; ++precision) {
    auto run = [&](auto zero) {
      using T = decltype(zero);
      auto sl = init_state<T>(*l, layout);
      auto sm = init_state<T>(*m, layout);
      std::vector<T> pl(kTinySize), pm(kTinySize), g(kTinySize);
      for (std::size_t i = 0; i < kTinySize; ++i) {
        pl[i] = pm[i] = static_cast<T>(test_param(i));
        g[i] = static_cast<T>(test_direction(i, 1));
      }
      for (int step = 0; step < 4; ++step) {
        std::vector<T> gl = g, gm = g;
        apply<T>(*l, sl, gl, pl, layout);
        apply<T>(*m, sm, gm, pm, layout);
        EXPECT_EQ(0, std::memcmp(pl.data(), pm.data(), kTinySize * sizeof(T))) << "step " << step;
      }
      for (double h : sl.scalars) EXPECT_EQ(h, 0.0);
    };
    if (precision == 0)
      run(0.0f);
    else
      run(0.0);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Convergence on f(W1, W2) = sum_l 1/2 ||A_l W_l - C_l||_F^2, each A_l square with singular
// values in [1, 1.5] (mu = 1, L = 2.25), minimizer A_l^{-1} C_l, f* = 0. With momentum 0, no
// decay and no lr adjustment, block l steps W_l <- W_l - eta_l O_l, O_l = NS_5(G_l), and muon_test's
// argument holds block by block for any eta_l <= eta: while f_l >= eps_l := L^2 eta^2 r^3 top^4 /
// (2 mu o_min^2), ||G_l||_F >= L eta r^{3/2} top^2 / o_min, and
//   f_l(W_l - eta_l O_l) <= f_l - eta_l o_min ||G_l|| / sqrt(r) + L eta_l^2 r top^2 / 2
//                        <= f_l - L eta_l^2 r top^2 / 2        (eta_l <= eta).
// The rate is bounded below: G_t - G_{t-1} = A^T A (W_t - W_{t-1}) has ||.||_* <= sqrt(r) L eta
// ||O||_F <= L eta r top, so H <= Hbar := (L eta r top)^2 and eta_l >= eta (alpha / (alpha +
// Hbar))^(1/4) =: eta_min. Within N = f_l(0) / (L eta_min^2 r top^2 / 2) steps every block has
// had an iterate with f_l < eps_l.
TEST(LantonConvergence, ReachesTheDerivedNeighbourhoodOfTheOptimum) {
  const std::size_t r = 3;
  MatrixXd a[2], c[2], w[2];
  const double sigmas[2][3] = {{1.5, 1.2, 1.0}, {1.4, 1.1, 1.0}};
  for (int k = 0; k < 2; ++k) {
    std::mt19937_64 rng(30 + k);
    std::normal_distribution<double> normal;
    MatrixXd x(3, 3), y(3, 3);
    for (Eigen::Index i = 0; i < 9; ++i) x.data()[i] = normal(rng), y.data()[i] = normal(rng);
    const MatrixXd u = Eigen::HouseholderQR<MatrixXd>(x).householderQ();
    const MatrixXd v = Eigen::HouseholderQR<MatrixXd>(y).householderQ();
    a[k] = u * Eigen::Vector3d(sigmas[k][0], sigmas[k][1], sigmas[k][2]).asDiagonal() * v.transpose();
    c[k] = MatrixXd::Constant(3, 3, k == 0 ? 1.0 : -0.5);
    c[k](0, 1) = 2.0;
    w[k] = MatrixXd::Constant(3, 3, k == 0 ? 1.0 : -0.5);
  }
  const double mu = 1.0, lip = 1.5 * 1.5, eta = 0.02, alpha = 0.05;
  const double top = ns_iterate_max(5), o_min = ns_scalar_min(1 / std::sqrt(3.0), 5);
  const double eps = lip * lip * eta * eta * r * r * r * std::pow(top, 4) / (2 * mu * o_min * o_min);
  const double h_bar = std::pow(lip * eta * r * top, 2);
  const double eta_min = eta * std::pow(alpha / (alpha + h_bar), 0.25);
  const auto f = [&](int k) { return 0.5 * (a[k] * w[k] - c[k]).squaredNorm(); };
  const double f0 = std::max(f(0), f(1));
  const auto budget = static_cast<std::size_t>(std::ceil(f0 / (lip * eta_min * eta_min * r * top * top / 2)));
  ASSERT_LT(budget, 40000u);
  const TransformPtr t = lanton(
      {.lr = constant(eta), .momentum = 0, .nesterov = false, .weight_decay = 0, .adjust_lr = "none", .alpha = alpha});
  ParameterLayout layout;
  layout.add("w0", {3, 3});
  layout.add("w1", {3, 3});
  auto state = init_state<double>(*t, layout);
  std::vector<double> x(18), g(18);
  double best[2] = {f(0), f(1)};
  std::size_t reached = 0;
  for (std::size_t step = 1; step <= budget && (best[0] >= eps || best[1] >= eps); ++step) {
    for (int k = 0; k < 2; ++k) {
      const MatrixXd grad = a[k].transpose() * (a[k] * w[k] - c[k]);
      std::copy_n(grad.data(), 9, g.data() + 9 * k);
      std::copy_n(w[k].data(), 9, x.data() + 9 * k);
    }
    apply<double>(*t, state, g, x, layout);
    for (int k = 0; k < 2; ++k) {
      std::copy_n(x.data() + 9 * k, 9, w[k].data());
      best[k] = std::min(best[k], f(k));
    }
    reached = step;
  }
  EXPECT_LT(best[0], eps) << "after " << reached << " of " << budget << " steps";
  EXPECT_LT(best[1], eps) << "after " << reached << " of " << budget << " steps";
  std::printf("  f0 = %.3g, eps = %.3g reached after %zu steps (budget %zu)\n", f0, eps, reached, budget);
}

}  // namespace
}  // namespace descent::testing
