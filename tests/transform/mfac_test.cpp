// M-FAC (the mfac transform) beyond the generic tests of transform_cases.hpp:
//  - its output is F^{-1} g for the explicit inverse of F = damping I + (1/m) sum g_i g_i^T
//    over the window (Eigen, on a small problem), in both modes, across many windows;
//  - the coefficient matrix D is the paper's g_i^T F_i^{-1} g_j, and after hundreds of
//    slides the updated D equals the static algorithm's D recomputed from scratch;
//  - a window of per-sample gradients of a well-specified least-squares model is a Hessian
//    approximation: as a fixed (static) preconditioner it makes gradient descent's step
//    count independent of the conditioning;
//  - chains that mix the global member with others equal their members run in sequence,
//    a non-finite direction does not poison the window, bad options are named.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/mfac.hpp"
#include "descent/transform/mfac_coefficients.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

namespace coefficients = mfac_coefficients;

// Unit roundoff of T.
template <class T>
constexpr double kUnit = std::numeric_limits<T>::epsilon() / 2;

// Bound on ||r - F^{-1} x||_2 for the r mfac computes in double, with kappa = kappa_2(F).
// mfac forms r = (x - G^T w) / lambda with w = S^{-1} G x, S = m lambda I + G G^T (G: the
// n <= m window directions as rows), from:
//  - scalar products G x with errors <= d u |g_i| |x|;
//  - an L D L^T factorization of S, backward stable (error <= c m u ||S||) and carried
//    through at most m updates per entry while the window slides;
//  - the combination x - G^T w, error <= m u ||G|| ||w||.
// With ||G S^{-1}|| <= 1 / (2 sqrt(m lambda)) (singular values s / (m lambda + s^2)),
// ||S|| = m lambda kappa and ||w|| <= ||x|| / (2 sqrt(m lambda)), an error dS of S moves
// G^T w by at most ||G S^{-1}|| ||dS|| ||w|| <= (||dS|| / ||S||) kappa ||x|| / 4, and the
// other two terms by less than (d + m) u kappa ||x||. The explicit inverse of F the tests
// compare with (LU) is itself off by c d u kappa ||x|| / lambda. Hence
//   ||r - F^{-1} x|| <= C (d + m^2) u kappa ||x|| / lambda,
// and C = 8 covers the constants c of the factorizations (a few units) with room. A wrong
// formula differs by a fraction of ||F^{-1} x|| >= ||x|| / (lambda kappa), far above this.
double product_bound(std::size_t d, std::size_t m, double kappa, double x_norm, double damping) {
  return 8.0 * static_cast<double>(d + m * m) * kUnit<double> * kappa * x_norm / damping;
}

// Whether the direction of step t enters the window (MfacOptions' documented rule).
bool enters(const MfacOptions& o, std::int64_t t) {
  if (o.dynamic) return true;
  if (o.refresh == 0) return t <= o.m;
  return (t - 1) % o.refresh < o.m;
}

template <class T>
std::size_t scalar_index(const TransformState<T>& s, const std::string& name) {
  const auto it = std::find(s.scalar_names.begin(), s.scalar_names.end(), name);
  if (it == s.scalar_names.end()) ADD_FAILURE() << "no scalar " << name;
  return static_cast<std::size_t>(it - s.scalar_names.begin());
}
template <class T>
double scalar(const TransformState<T>& s, const std::string& name) {
  return s.scalars[scalar_index(s, name)];
}
template <class T>
std::span<const double> coefficients_of(const TransformState<T>& s, std::size_t m) {
  return {s.scalars.data() + scalar_index(s, "D(0,0)"), coefficients::packed_size(m)};
}

Eigen::MatrixXd damped_fisher(const std::deque<Eigen::VectorXd>& window, std::size_t m, double damping) {
  const auto d = window.front().size();
  Eigen::MatrixXd f = damping * Eigen::MatrixXd::Identity(d, d);
  for (const auto& g : window) f += g * g.transpose() / static_cast<double>(m);
  return f;
}

double condition_number(const Eigen::MatrixXd& spd) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(spd);
  return eigen.eigenvalues().maxCoeff() / eigen.eigenvalues().minCoeff();
}

// mfac's output for every step against the explicit inverse of the window's damped
// Fisher, over `steps` Gaussian directions (several windows, so the ring wraps).
template <class T>
void check_explicit_inverse(const MfacOptions& o, std::size_t d, std::int64_t steps) {
  SCOPED_TRACE(mfac(o)->spec());
  const TransformPtr transform = mfac(o);
  const auto m = static_cast<std::size_t>(o.m);
  const auto layout = ParameterLayout::flat(d);
  auto state = init_state<T>(*transform, layout);
  const std::vector<T> p(d, T(0));
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal;
  std::deque<Eigen::VectorXd> window;
  double worst = 0;  // largest error / bound seen
  for (std::int64_t t = 1; t <= steps; ++t) {
    std::vector<T> x(d);
    Eigen::VectorXd xd(d);
    for (std::size_t i = 0; i < d; ++i) {
      x[i] = static_cast<T>(normal(rng));
      xd[i] = static_cast<double>(x[i]);  // the reference sees the same (rounded) input
    }
    if (enters(o, t)) {
      window.push_back(xd);
      if (window.size() > m) window.pop_front();
    }
    update<T>(*transform, state, std::span<T>(x), std::span<const T>(p), layout);
    const Eigen::MatrixXd f = damped_fisher(window, m, o.damping);
    const Eigen::VectorXd expected = f.inverse() * xd;
    Eigen::VectorXd actual(d);
    for (std::size_t i = 0; i < d; ++i) actual[i] = static_cast<double>(x[i]);
    // In float the window is stored exactly (a copy of the input) and everything else runs
    // in double; the output is then rounded once, by at most u_float relative per element.
    const double bound = product_bound(d, m, condition_number(f), xd.norm(), o.damping) +
                         (std::is_same_v<T, float> ? kUnit<float> * expected.norm() : 0.0);
    const double error = (actual - expected).norm();
    ASSERT_LE(error, bound) << "step " << t << ", |F^{-1} x| = " << expected.norm();
    worst = std::max(worst, error / bound);
  }
  ::testing::Test::RecordProperty("worst_error_over_bound", std::to_string(worst));
}

TEST(Mfac, DynamicMatchesTheExplicitInverse) {
  // lambda = 1: kappa(F) ~ 10; lambda = 1e-3: kappa(F) ~ 1e4, the window dominating F.
  for (double damping : {1.0, 1e-3}) {
    check_explicit_inverse<double>({.m = 4, .damping = damping}, 12, 41);
    check_explicit_inverse<float>({.m = 4, .damping = damping}, 12, 41);
  }
  check_explicit_inverse<double>({.m = 1, .damping = 0.1}, 5, 7);  // the smallest window
}

TEST(Mfac, StaticMatchesTheExplicitInverse) {
  for (double damping : {1.0, 1e-3}) {
    // Kept after step 4 for good; renewed every 7 steps (steps 8-11, 15-18, ... enter).
    check_explicit_inverse<double>({.m = 4, .damping = damping, .dynamic = false}, 12, 30);
    check_explicit_inverse<double>({.m = 4, .damping = damping, .dynamic = false, .refresh = 7}, 12, 40);
    check_explicit_inverse<float>({.m = 4, .damping = damping, .dynamic = false, .refresh = 7}, 12, 40);
  }
}

// D_ij = g_i^T F_i^{-1} g_j, F_i = lambda I + (1/m) sum_{k<i} g_k g_k^T: the paper's
// definition, with explicit inverses, for n < m directions (a window still filling).
TEST(Mfac, CoefficientsAreThePapersScalarProducts) {
  const std::size_t d = 9, m = 7, n = 5;
  const double damping = 0.05;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  std::vector<Eigen::VectorXd> g(n, Eigen::VectorXd(d));
  for (auto& v : g)
    for (std::size_t k = 0; k < d; ++k) v[k] = normal(rng);
  std::vector<double> gram(coefficients::packed_size(m)), dmat(coefficients::packed_size(m));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) gram[coefficients::packed_index(m, i, j)] = g[i].dot(g[j]);
  coefficients::factorize(m, n, damping, gram, dmat);
  Eigen::MatrixXd fi = damping * Eigen::MatrixXd::Identity(d, d);
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::MatrixXd inverse = fi.inverse();
    // Same analysis as product_bound, with |g_i| |g_j| for |x|.
    const double kappa = condition_number(fi);
    for (std::size_t j = i; j < n; ++j) {
      const double expected = g[i].dot(inverse * g[j]);
      const double bound = product_bound(d, m, kappa, g[i].norm() * g[j].norm(), damping);
      EXPECT_NEAR(dmat[coefficients::packed_index(m, i, j)], expected, bound) << "D(" << i << "," << j << ")";
    }
    fi += g[i] * g[i].transpose() / static_cast<double>(m);
  }
}

// The dynamic algorithm updates D in O(m^2) per slide; after every slide of 400 it must
// equal the static algorithm's D computed from scratch from the window (oldest first), and
// the two must give the same product.
TEST(Mfac, SlidingWindowEqualsTheStaticAlgorithmFromScratch) {
  const std::size_t d = 30, m = 6;
  const double damping = 1e-2;
  const TransformPtr transform = mfac({.m = static_cast<std::int64_t>(m), .damping = damping});
  const auto layout = ParameterLayout::flat(d);
  auto state = init_state<double>(*transform, layout);
  const std::vector<double> p(d, 0.0);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  double worst = 0;
  for (int t = 1; t <= 400; ++t) {
    // Directions with a common drift, as gradients along a path have: the window is far from
    // orthogonal, so D has large off-diagonal entries.
    std::vector<double> x(d);
    for (std::size_t i = 0; i < d; ++i) x[i] = normal(rng) + 2.0 * std::sin(0.3 * i + 0.01 * t);
    const std::vector<double> input = x;
    update<double>(*transform, state, std::span<double>(x), std::span<const double>(p), layout);
    if (t < static_cast<int>(m)) continue;
    const auto next = static_cast<std::size_t>(scalar(state, "next"));
    ASSERT_EQ(scalar(state, "filled"), static_cast<double>(m));
    std::vector<const double*> window;  // oldest first: the full ring starts at `next`
    for (std::size_t a = 0; a < m; ++a) window.push_back(state.slots[(next + a) % m].data());
    std::vector<double> gram(coefficients::packed_size(m)), fresh(coefficients::packed_size(m));
    Eigen::MatrixXd f = damping * Eigen::MatrixXd::Identity(d, d);
    for (std::size_t i = 0; i < m; ++i) {
      const Eigen::Map<const Eigen::VectorXd> gi(window[i], d);
      f += gi * gi.transpose() / static_cast<double>(m);
      for (std::size_t j = i; j < m; ++j)
        gram[coefficients::packed_index(m, i, j)] = gi.dot(Eigen::Map<const Eigen::VectorXd>(window[j], d));
    }
    coefficients::factorize(m, m, damping, gram, fresh);
    const double kappa = condition_number(f);
    // D, like the factor of S = m I + G G^T / lambda it is, moves by at most kappa(S) ||dS||
    // for an error dS of S; dS (the scalar products' d u and each of the <= m stable
    // updates' c m u, relative to ||S|| = m kappa(F) >= ||S|| with kappa(S) <= kappa(F))
    // gives the bound, with the same C = 8 as product_bound.
    const double d_bound = 8.0 * static_cast<double>(d + m * m) * kUnit<double> * kappa * kappa * m;
    const auto updated = coefficients_of(state, m);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = i; j < m; ++j) {
        const std::size_t k = coefficients::packed_index(m, i, j);
        ASSERT_NEAR(updated[k], fresh[k], d_bound) << "step " << t << ", D(" << i << "," << j << ")";
        worst = std::max(worst, std::abs(updated[k] - fresh[k]) / d_bound);
      }
    // The static algorithm's product: w from the fresh D, then (x - sum_i w_i g_i) / lambda.
    std::vector<double> w(m);
    for (std::size_t a = 0; a < m; ++a)
      w[a] = Eigen::Map<const Eigen::VectorXd>(window[a], d).dot(Eigen::Map<const Eigen::VectorXd>(input.data(), d));
    coefficients::solve(m, m, damping, fresh, w, w);
    const Eigen::Map<const Eigen::VectorXd> in(input.data(), d);
    Eigen::VectorXd expected = in;
    for (std::size_t a = 0; a < m; ++a) expected -= w[a] * Eigen::Map<const Eigen::VectorXd>(window[a], d);
    expected /= damping;
    const double error = (Eigen::Map<const Eigen::VectorXd>(x.data(), d) - expected).norm();
    ASSERT_LE(error, 2 * product_bound(d, m, kappa, in.norm(), damping)) << "step " << t;
  }
  RecordProperty("worst_coefficient_error_over_bound", std::to_string(worst));
}

TEST(Mfac, StaticWindowChangesOnlyInItsCollectionSteps) {
  const std::size_t d = 20;
  const TransformPtr transform = mfac({.m = 3, .damping = 0.5, .dynamic = false, .refresh = 5});
  const auto layout = ParameterLayout::flat(d);
  auto state = init_state<double>(*transform, layout);
  const std::vector<double> p(d, 0.0);
  for (std::int64_t t = 1; t <= 16; ++t) {
    const auto before = state;
    std::vector<double> x(d);
    for (std::size_t i = 0; i < d; ++i) x[i] = test_direction(i, t) - 1.0;
    update<double>(*transform, state, std::span<double>(x), std::span<const double>(p), layout);
    const bool collecting = (t - 1) % 5 < 3;  // steps 1-3, 6-8, 11-13, 16
    bool changed = before.scalars != state.scalars;
    for (std::size_t k = 0; k < state.slots.size(); ++k)
      changed = changed || std::memcmp(before.slots[k].data(), state.slots[k].data(), d * sizeof(double)) != 0;
    EXPECT_EQ(changed, collecting) << "step " << t;
  }
}

// A direction with a NaN gives a non-finite update but enters the window as zeros: the run
// goes on exactly as if that direction had been 0 (states and later updates bitwise equal).
TEST(Mfac, NonFiniteDirectionEntersTheWindowAsZeros) {
  const std::size_t d = 3 * kTileSize + 5;
  const TransformPtr transform = mfac({.m = 3, .damping = 0.5});
  const auto layout = ParameterLayout::flat(d);
  auto poisoned = init_state<double>(*transform, layout);
  auto zeroed = init_state<double>(*transform, layout);
  const std::vector<double> p(d, 0.0);
  for (std::int64_t t = 1; t <= 9; ++t) {
    std::vector<double> a(d), b(d);
    for (std::size_t i = 0; i < d; ++i) a[i] = b[i] = test_direction(i, t) - 0.9;
    if (t == 4) {
      a[777] = std::numeric_limits<double>::quiet_NaN();
      std::fill(b.begin(), b.end(), 0.0);
    }
    update<double>(*transform, poisoned, std::span<double>(a), std::span<const double>(p), layout);
    update<double>(*transform, zeroed, std::span<double>(b), std::span<const double>(p), layout);
    if (t == 4) {
      EXPECT_TRUE(std::isnan(a[777]));
    } else {
      EXPECT_EQ(0, std::memcmp(a.data(), b.data(), d * sizeof(double))) << "step " << t;
    }
    expect_bitwise_equal_states(poisoned, zeroed);
  }
}

// Chains with the global member first, last, twice in a row and after a reducing member:
// fused by the executor they compute what their members compute one after the other
// (bitwise), and a leading clip may take the caller's squared norm.
TEST(Mfac, ChainsWithTheGlobalMemberEqualTheirMembersInSequence) {
  const std::size_t n = 3 * kTileSize + 100;
  const auto layout = ParameterLayout::flat(n);
  for (const char* spec :
       {"chain(mfac(m=2, damping=3), sgd(lr=0.1, momentum=0.5))",
        "chain(sgd(lr=1, momentum=0.5), mfac(m=2, damping=3))",
        "chain(clip_by_global_norm(max_norm=30), mfac(m=3, damping=3), mfac(m=2, damping=5), adam(lr=0.01))",
        "chain(mfac(m=2, damping=3), clip_by_global_norm(max_norm=0.1), weight_decay(rate=0.01))"}) {
    SCOPED_TRACE(spec);
    const TransformPtr transform = parse_transform(spec);
    const auto* c = dynamic_cast<const Chain*>(transform.get());
    ASSERT_NE(c, nullptr);
    auto fused = init_state<double>(*transform, layout);
    auto hinted = init_state<double>(*transform, layout);
    std::vector<TransformState<double>> members;
    for (const auto& member : c->members()) members.push_back(init_state<double>(*member, layout));
    AlignedBuffer<double> p_fused(n), p_hinted(n), p_seq(n), d(n), d_hinted(n), d_seq(n);
    for (std::size_t i = 0; i < n; ++i) p_fused[i] = p_hinted[i] = p_seq[i] = test_param(i);
    for (std::int64_t t = 1; t <= 5; ++t) {
      for (std::size_t i = 0; i < n; ++i) d[i] = d_hinted[i] = d_seq[i] = test_direction(i, t) - 0.8;
      const double squared = sum_of_squares(std::span<const double>(d.data(), n));
      apply<double>(*transform, fused, d.span(), p_fused.span(), layout);
      apply<double>(*transform, hinted, d_hinted.span(), p_hinted.span(), layout, squared);
      for (std::size_t k = 0; k < members.size(); ++k)
        update<double>(*c->members()[k], members[k], d_seq.span(), std::span<const double>(p_seq.data(), n), layout);
      for (std::size_t i = 0; i < n; ++i) p_seq[i] += d_seq[i];
      ASSERT_EQ(0, std::memcmp(p_fused.data(), p_seq.data(), n * sizeof(double))) << "step " << t;
      ASSERT_EQ(0, std::memcmp(p_fused.data(), p_hinted.data(), n * sizeof(double))) << "step " << t;
    }
    for (std::size_t k = 0; k < members.size(); ++k)
      expect_bitwise_equal_states(fused.children[k], members[k], "/" + std::to_string(k));
  }
}

// A well-specified linear model y = a^T x* + eps, a ~ N(0, Sigma), eps ~ N(0, sigma^2), has
// per-sample gradients g = a (a^T e - eps) (e = x - x*) whose second moment is
//   E[g g^T] = (e^T Sigma e + sigma^2) Sigma + 2 Sigma e e^T Sigma
// (Gaussian fourth moments): the Hessian Sigma up to a scalar and a rank-one term that at
// most triples one eigenvalue. The empirical Fisher of m such gradients adds the sampling
// error of a covariance from m samples, eigenvalues within (1 -+ sqrt(d/m))^2 of the truth
// with high probability. So the static window, m per-sample gradients at the start x0,
// preconditions Sigma to a condition number of about 3 ((1 + 1/4) / (1 - 1/4))^2 = 8.3 for
// d = 16, m = 256, whatever kappa(Sigma) is: gradient descent on f = 1/2 e^T Sigma e with
// that preconditioner (lr = 1 / its largest eigenvalue) needs about 8.3 ln(1e8) = 153
// steps to shrink ||e||_Sigma by 1e8, plain gradient descent (its best constant step
// 2 / (L + mu)) about kappa / 2 ln(1e8) = 9200 at kappa = 1e3.
TEST(Mfac, StaticWindowOfPerSampleGradientsPreconditionsIllConditionedLeastSquares) {
  const std::size_t d = 16, m = 256;
  const double kappa = 1e3, sigma = 1.0, damping = 1e-6;
  std::vector<double> curvature(d);
  for (std::size_t i = 0; i < d; ++i)
    curvature[i] = std::pow(kappa, -static_cast<double>(i) / static_cast<double>(d - 1));
  const std::vector<double> x_star(d, 1.0);
  const auto layout = ParameterLayout::flat(d);
  const TransformPtr preconditioner = mfac({.m = static_cast<std::int64_t>(m), .damping = damping, .dynamic = false});
  auto state = init_state<double>(*preconditioner, layout);
  std::vector<double> x(d, 0.0);

  // Collection: m per-sample gradients at x0 = 0 enter the window (their updates unused).
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  for (std::size_t k = 0; k < m; ++k) {
    std::vector<double> a(d), g(d);
    double residual = 0;
    for (std::size_t i = 0; i < d; ++i) {
      a[i] = std::sqrt(curvature[i]) * normal(rng);
      residual += a[i] * (x[i] - x_star[i]);
    }
    residual -= sigma * normal(rng);
    for (std::size_t i = 0; i < d; ++i) g[i] = a[i] * residual;
    update<double>(*preconditioner, state, std::span<double>(g), std::span<const double>(x), layout);
  }

  const auto gradient = [&](const std::vector<double>& z) {
    std::vector<double> g(d);
    for (std::size_t i = 0; i < d; ++i) g[i] = curvature[i] * (z[i] - x_star[i]);
    return g;
  };
  const auto precondition = [&](std::vector<double> v) {
    update<double>(*preconditioner, state, std::span<double>(v), std::span<const double>(x), layout);
    return v;
  };
  const auto error = [&](const std::vector<double>& z) {
    double s = 0;
    for (std::size_t i = 0; i < d; ++i) s += curvature[i] * (z[i] - x_star[i]) * (z[i] - x_star[i]);
    return std::sqrt(s);
  };
  // Largest eigenvalue of F^{-1} Sigma by power iteration (the window stays fixed now).
  std::vector<double> v(d, 1.0);
  double largest = 0;
  for (int k = 0; k < 300; ++k) {
    std::vector<double> w = precondition(gradient([&] {
      std::vector<double> z(d);
      for (std::size_t i = 0; i < d; ++i) z[i] = x_star[i] + v[i];
      return z;
    }()));
    double norm = 0;
    for (double e : w) norm += e * e;
    norm = std::sqrt(norm);
    double v_norm = 0;
    for (double e : v) v_norm += e * e;
    largest = norm / std::sqrt(v_norm);
    for (std::size_t i = 0; i < d; ++i) v[i] = w[i] / norm;
  }

  const auto steps_to_target = [&](double lr, bool preconditioned) {
    std::vector<double> z(d, 0.0);
    const double target = 1e-8 * error(z);
    for (int t = 1; t <= 100000; ++t) {
      std::vector<double> g = gradient(z);
      if (preconditioned) g = precondition(g);
      for (std::size_t i = 0; i < d; ++i) z[i] -= lr * g[i];
      if (error(z) <= target) return t;
    }
    return 100001;
  };
  const int plain = steps_to_target(2.0 / (1.0 + 1.0 / kappa), false);
  const int preconditioned = steps_to_target(1.0 / largest, true);
  RecordProperty("plain_gd_steps", plain);
  RecordProperty("mfac_gd_steps", preconditioned);
  std::printf("steps to 1e-8: plain GD %d, M-FAC-preconditioned GD %d\n", plain, preconditioned);
  // Plain GD's count follows from its rate: with lr = 2 / (L + mu) the modes of the largest
  // and the smallest curvature both shrink by rho = (kappa - 1) / (kappa + 1) per step, the
  // others faster. So it needs at least the steps that bring the curvature-1 mode (|e| = 1,
  // ||.||_Sigma share 1) below the target and at most ln(1e8) / ln(1 / rho).
  const double rho = (kappa - 1) / (kappa + 1);
  const double target = 1e-8 * error(std::vector<double>(d, 0.0));
  EXPECT_GE(plain, std::floor(std::log(1 / target) / std::log(1 / rho)));
  EXPECT_LE(plain, std::ceil(std::log(1e8) / std::log(1 / rho)));
  // Above 8.3 ln(1e8) = 153 would mean the window is no Hessian approximation after all;
  // 200 leaves room for the high-probability bounds, and is 1/46 of plain GD's count.
  EXPECT_LE(preconditioned, 200);
}

TEST(Mfac, StateIsTheWindowAndThePackedCoefficients) {
  const std::size_t d = 1000, m = 5;
  const auto state = init_state<float>(*mfac({.m = static_cast<std::int64_t>(m)}), ParameterLayout::flat(d));
  ASSERT_EQ(state.slots.size(), m);  // m d numbers in the parameters' precision
  for (std::size_t k = 0; k < m; ++k) {
    EXPECT_EQ(state.slot_names[k], "gradient_" + std::to_string(k));
    EXPECT_EQ(state.slots[k].size(), d);
  }
  EXPECT_EQ(state.scalars.size(), 2 + m * (m + 1) / 2);  // next, filled, D's upper triangle
  EXPECT_EQ(state.scalar_names[0], "next");
  EXPECT_EQ(state.scalar_names[1], "filled");
  EXPECT_EQ(state.scalar_names[2], "D(0,0)");
  EXPECT_EQ(state.scalar_names.back(), "D(4,4)");
}

std::string config_error_of(const std::function<void()>& build) {
  try {
    build();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Mfac, BadOptionsAreNamed) {
  EXPECT_EQ(config_error_of([] { mfac({.m = 0}); }), "MfacOptions::m = 0 violates 1 <= m <= 1024");
  EXPECT_EQ(config_error_of([] { mfac({.m = 1025}); }), "MfacOptions::m = 1025 violates 1 <= m <= 1024");
  EXPECT_EQ(config_error_of([] { mfac({.damping = 0}); }), "MfacOptions::damping = 0 violates damping > 0");
  EXPECT_EQ(config_error_of([] { parse_transform("mfac(damping=-1)"); }),
            "MfacOptions::damping = -1 violates damping > 0");
  EXPECT_EQ(config_error_of([] { mfac({.refresh = 50}); }),
            "MfacOptions::refresh = 50 violates refresh = 0 when dynamic = true");
  EXPECT_EQ(config_error_of([] { parse_transform("mfac(m=8, dynamic=false, refresh=5)"); }),
            "MfacOptions::refresh = 5 violates refresh = 0 or refresh >= m");
  EXPECT_EQ(config_error_of([] { mfac({.m = 8, .dynamic = false, .refresh = 8}); }), "accepted");
  EXPECT_EQ(config_error_of([] { mfac({.m = 1024}); }), "accepted");
}

TEST(Mfac, RegistryDefaultsAreTheHeaderDefaults) {
  EXPECT_EQ(parse_transform("mfac")->spec(), mfac()->spec());
  EXPECT_EQ(mfac()->spec(), "mfac(m=16, damping=1e-04, dynamic=true, refresh=0)");
  EXPECT_EQ(mfac()->kind(), TransformKind::global);
  // The chains docs/algorithms.md suggests.
  for (const char* spec : {"chain(mfac(m=16, damping=1e-4), sgd(lr=1e-3, momentum=0.9))",
                           "chain(add_decayed_weights(1e-4), mfac(m=64, damping=1e-5), sgd(lr=1e-4, momentum=0.9))",
                           "chain(clip_by_global_norm(1), mfac(m=16), nesterov(lr=1e-3))"})
    EXPECT_NO_THROW(parse_transform(spec)) << spec;
}

TEST(Mfac, PerTileUseIsRefused) {
  const TransformPtr transform = mfac();
  auto state = init_state<double>(*transform, ParameterLayout::flat(4));
  std::vector<double> d(4, 1.0), p(4, 0.0);
  EXPECT_THROW(transform->update_tile(state, Tile<double>{d.data(), p.data(), 0, 4}), MismatchError);
}

// A loaded checkpoint could hold any ring position: one that is no slot is refused.
TEST(Mfac, ImpossibleRingPositionsAreAMismatchNotACrash) {
  const TransformPtr transform = mfac({.m = 3});
  const auto layout = ParameterLayout::flat(4);
  std::vector<double> d(4, 1.0), p(4, 0.0);
  for (const auto& [next, filled, message] :
       {std::tuple{3.0, 3.0, "mfac state: next = 3 is not an integer in [0, 2]"},
        std::tuple{1.5, 3.0, "mfac state: next = 1.5 is not an integer in [0, 2]"},
        std::tuple{0.0, std::numeric_limits<double>::quiet_NaN(),
                   "mfac state: filled = nan is not an integer in [0, 3]"},
        std::tuple{2.0, 1.0, "mfac state: next = 2 with filled = 1 (a window still filling takes slot `filled`)"}}) {
    auto state = init_state<double>(*transform, layout);
    state.scalars[scalar_index(state, "next")] = next;
    state.scalars[scalar_index(state, "filled")] = filled;
    try {
      update<double>(*transform, state, std::span<double>(d), std::span<const double>(p), layout);
      ADD_FAILURE() << "accepted " << message;
    } catch (const MismatchError& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
  }
}

// Time per step at d = 1e6 (not part of the suite; docs/algorithms.md quotes it):
//   build/rel/tests/descent_transform_tests --gtest_also_run_disabled_tests \
//       --gtest_filter='Mfac.DISABLED_TimePerStep'
template <class T>
void time_steps(std::size_t m) {
  const std::size_t d = 1'000'000;
  const TransformPtr transform = mfac({.m = static_cast<std::int64_t>(m)});
  const auto layout = ParameterLayout::flat(d);
  auto state = init_state<T>(*transform, layout);
  AlignedBuffer<T> x(d), p(d);
  const auto fill = [&](int t) {
    for (std::size_t i = 0; i < d; ++i) x[i] = static_cast<T>(std::sin(0.001 * double(i) * (t + 1)));
  };
  for (std::size_t t = 0; t < m; ++t) {  // fill the window: the steady state slides it
    fill(static_cast<int>(t));
    update<T>(*transform, state, x.span(), std::span<const T>(p.data(), d), layout);
  }
  std::vector<double> seconds;
  for (int t = 0; t < 10; ++t) {
    fill(t);
    const auto start = std::chrono::steady_clock::now();
    update<T>(*transform, state, x.span(), std::span<const T>(p.data(), d), layout);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  // The memory-bound floor to compare with: one read-only pass over the window.
  std::vector<double> reads;
  double sink = 0;
  for (int t = 0; t < 10; ++t) {
    const auto start = std::chrono::steady_clock::now();
    for (const auto& slot : state.slots) sink += sum_of_squares(slot.span());
    reads.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  std::sort(reads.begin(), reads.end());
  std::printf("mfac %s d=1e6 m=%zu: median %.2f ms per step, %.2f ms per read of the window (%d threads)%s\n",
              std::is_same_v<T, float> ? "float" : "double", m, 1e3 * seconds[seconds.size() / 2],
              1e3 * reads[reads.size() / 2], num_threads(), std::isfinite(sink) ? "" : " (non-finite)");
}

TEST(Mfac, DISABLED_TimePerStep) {
  for (std::size_t m : {16, 64}) {
    time_steps<float>(m);
    time_steps<double>(m);
  }
}

}  // namespace
}  // namespace descent::testing
