// L-BFGS-B and its parts: the compact representation against the explicit BFGS update, the
// generalized Cauchy point against a segment-by-segment reference, the iterates without
// bounds against L-BFGS's, and the projected-gradient optimum on problems whose bounds are
// active at the solution.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "descent/solver/cauchy_point.hpp"
#include "descent/solver/compact_bfgs.hpp"
#include "descent/solver/lbfgs.hpp"
#include "descent/solver/lbfgs_history.hpp"
#include "descent/solver/lbfgsb.hpp"

namespace descent {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Pairs (s, y = A s) from a fixed SPD matrix A, so that every s.y > 0.
struct Pairs {
  std::vector<Eigen::VectorXd> s, y;
};
Pairs random_pairs(std::size_t n, int count, std::uint64_t seed) {
  Random rng(seed, Stream::data);
  Eigen::MatrixXd R(n, n);
  for (std::size_t i = 0; i < n * n; ++i) R.data()[i] = rng.normal();
  const Eigen::MatrixXd A = R * R.transpose() / double(n) + Eigen::MatrixXd::Identity(n, n);
  Pairs p;
  for (int k = 0; k < count; ++k) {
    Eigen::VectorXd s(n);
    for (auto& v : s) v = rng.normal();
    p.s.push_back(s);
    p.y.push_back(A * s);
  }
  return p;
}

std::span<const double> view(const Eigen::VectorXd& v) { return {v.data(), static_cast<std::size_t>(v.size())}; }

// B from the direct BFGS update B+ = B - B s s^T B / (s^T B s) + y y^T / (y^T s), started from
// theta I with theta = y.y / s.y of the newest pair, over the kept pairs oldest first: the
// matrix the compact form represents (Byrd, Nocedal & Schnabel 1994, Theorem 2.3).
TEST(CompactBfgs, EqualsTheDirectBfgsUpdate) {
  const std::size_t n = 7, m = 3;
  const Pairs p = random_pairs(n, 5, 11);
  CompactBfgs compact(n, m);
  LbfgsHistory<double> inverse(n, m);
  for (int k = 0; k < 5; ++k) {
    compact.push(view(p.s[k]), view(p.y[k]));
    inverse.push(view(p.s[k]), view(p.y[k]));
    const int first = std::max(0, k + 1 - int(m));
    const double theta = p.y[k].squaredNorm() / p.s[k].dot(p.y[k]);
    EXPECT_NEAR(compact.theta(), theta, 1e-15 * theta);
    Eigen::MatrixXd B = theta * Eigen::MatrixXd::Identity(n, n);
    for (int j = first; j <= k; ++j) {
      const Eigen::VectorXd Bs = B * p.s[j];
      B += -Bs * Bs.transpose() / p.s[j].dot(Bs) + p.y[j] * p.y[j].transpose() / p.y[j].dot(p.s[j]);
    }
    Random rng(k, Stream::noise);
    Eigen::VectorXd v(n);
    for (auto& e : v) e = rng.normal();
    const std::vector<double> got = compact.times(view(v));
    const Eigen::VectorXd expected = B * v;
    // A few m-term sums of well-conditioned products: 1e-12 relative is ~1e4 ulps of slack.
    EXPECT_LE((Eigen::Map<const Eigen::VectorXd>(got.data(), n) - expected).norm(), 1e-12 * expected.norm()) << k;
    // The compact B and the two-loop H are inverses of each other (same pairs, H0 = B0^-1).
    std::vector<double> Hv(n);
    inverse.apply(std::span<const double>(got), Hv);
    EXPECT_LE((Eigen::Map<const Eigen::VectorXd>(Hv.data(), n) - v).norm(), 1e-11 * v.norm()) << k;
  }
}

// The model m(z) = g.(z - x) + 1/2 (z - x)^T B (z - x) along the projected path P(x - t g),
// minimized segment by segment with B applied explicitly (O(n^2) per segment): the first t
// where the derivative turns non-negative.
std::vector<double> reference_cauchy_point(const std::vector<double>& x, const std::vector<double>& g,
                                           const std::vector<double>& l, const std::vector<double>& u,
                                           const CompactBfgs& B) {
  const std::size_t n = x.size();
  std::vector<double> bps = {0};
  for (std::size_t i = 0; i < n; ++i) {
    if (g[i] < 0 && u[i] < kInf) bps.push_back((x[i] - u[i]) / g[i]);
    if (g[i] > 0 && l[i] > -kInf) bps.push_back((x[i] - l[i]) / g[i]);
  }
  std::sort(bps.begin(), bps.end());
  bps.push_back(kInf);
  const auto path = [&](double t) {
    std::vector<double> z(n);
    for (std::size_t i = 0; i < n; ++i) z[i] = std::clamp(x[i] - t * g[i], l[i], u[i]);
    return z;
  };
  for (std::size_t j = 0; j + 1 < bps.size(); ++j) {
    const double t0 = bps[j], t1 = bps[j + 1];
    if (t1 <= t0) continue;
    const std::vector<double> z0 = path(t0);
    std::vector<double> dir(n), offset(n);
    for (std::size_t i = 0; i < n; ++i) {
      const bool moving = z0[i] == x[i] - t0 * g[i] && !(g[i] < 0 && z0[i] >= u[i]) && !(g[i] > 0 && z0[i] <= l[i]);
      dir[i] = moving ? -g[i] : 0.0;
      offset[i] = z0[i] - x[i];
    }
    const std::vector<double> Bd = B.times(dir), Bo = B.times(offset);
    double slope = 0, curvature = 0;
    for (std::size_t i = 0; i < n; ++i) {
      slope += g[i] * dir[i] + offset[i] * Bd[i];
      curvature += dir[i] * Bd[i];
    }
    if (slope >= 0) return z0;
    const double dt = -slope / curvature;
    if (t0 + dt < t1) return path(t0 + dt);
  }
  return path(bps[bps.size() - 2]);
}

TEST(CauchyPoint, IsTheFirstMinimizerOfTheModelAlongTheProjectedPath) {
  const std::size_t n = 12;
  for (int memory_pairs : {0, 1, 4}) {
    CompactBfgs B(n, 5);
    const Pairs p = random_pairs(n, memory_pairs, 5);
    for (int k = 0; k < memory_pairs; ++k) B.push(view(p.s[k]), view(p.y[k]));
    Random rng(memory_pairs, Stream::data);
    std::vector<double> x(n), g(n), l(n), u(n);
    for (std::size_t i = 0; i < n; ++i) {
      l[i] = i % 4 == 0 ? -kInf : -0.5 - rng.uniform();
      u[i] = i % 5 == 0 ? kInf : 0.5 + rng.uniform();
      x[i] = i % 6 == 0 ? l[i] == -kInf ? 0.0 : l[i] : 0.3 * rng.normal();  // some start on a bound
      g[i] = 3 * rng.normal();
    }
    const CauchyPoint cp = generalized_cauchy_point(x, g, l, u, B);
    const std::vector<double> expected = reference_cauchy_point(x, g, l, u, B);
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(cp.point[i], expected[i], 1e-12) << memory_pairs << " " << i;
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_GE(cp.point[i], l[i]);
      EXPECT_LE(cp.point[i], u[i]);
      if (!cp.free[i]) EXPECT_TRUE(cp.point[i] == l[i] || cp.point[i] == u[i]) << i;
    }
    // c = W^T (z - x), which the subspace step relies on.
    std::vector<double> moved(n);
    for (std::size_t i = 0; i < n; ++i) moved[i] = cp.point[i] - x[i];
    const std::vector<double> c = B.transpose_times(moved);
    ASSERT_EQ(cp.c.size(), c.size());
    for (std::size_t j = 0; j < c.size(); ++j) EXPECT_NEAR(cp.c[j], c[j], 1e-12 * (1 + std::abs(c[j]))) << j;
  }
}

// Without bounds L-BFGS-B's step is L-BFGS's -H g once the memory holds a pair (the Cauchy
// point is skipped and the subspace step is the model's unconstrained minimizer): with the
// same line search the iterates agree to rounding, here on 25 iterations of Rosenbrock.
TEST(Lbfgsb, WithoutBoundsRetracesLbfgs) {
  const Rosenbrock<double> f(6);
  std::vector<double> start = {-1.2, 1, -1.2, 1, -1.2, 1};
  std::vector<std::vector<double>> a, b;
  SolverRun record_a, record_b;
  record_a.observe_double = [&](const SolverIterate<double>& it) {
    a.emplace_back(it.x.begin(), it.x.end());
    return false;
  };
  record_b.observe_double = [&](const SolverIterate<double>& it) {
    b.emplace_back(it.x.begin(), it.x.end());
    return false;
  };
  LbfgsbOptions bo;
  bo.max_steps = 25;
  bo.ftol = 0;
  LbfgsOptions lo;
  lo.max_steps = 25;
  lo.ftol = 0;
  lo.c1 = bo.c1;
  lo.xtol = bo.xtol;
  Parameters<double> xa = Parameters<double>::from(start), xb = Parameters<double>::from(start);
  lbfgsb(f, xa, {}, {}, bo, record_a);
  lbfgs(f, xb, lo, record_b);
  ASSERT_EQ(a.size(), 25u);
  ASSERT_EQ(b.size(), 25u);
  // Both compute the same H g by different formulas (compact form vs two-loop): differences
  // of a few ulps per iteration, amplified by Rosenbrock's curvature but still far below 1e-8.
  for (std::size_t k = 0; k < 25; ++k)
    for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(a[k][i], b[k][i], 1e-8) << k << " " << i;
}

// Rosenbrock on [-2, 0.5] x [-2, 2]: the bound x_0 <= 0.5 is active at the solution (0.5,
// 0.25), f* = 0.25, where df/dx_0 = -1 pushes against it and df/dx_1 = 0.
TEST(Lbfgsb, FindsTheSolutionOnAnActiveBound) {
  const Rosenbrock<double> f(2);
  Parameters<double> x = Parameters<double>::from(std::vector<double>{-1.2, 1});
  const std::vector<double> lower = {-2, -2}, upper = {0.5, 2};
  LbfgsbOptions o;
  o.gtol = 1e-10;
  o.ftol = 0;
  const Summary<double> s = lbfgsb(f, x, lower, upper, o);
  EXPECT_EQ(s.termination, Termination::converged) << s.message;
  EXPECT_EQ(x[0], 0.5);  // exactly on the bound, not near it
  // |df/dx_1| = 200 |x_1 - 0.25| <= 1e-10 at convergence.
  EXPECT_NEAR(x[1], 0.25, 1e-12);
  EXPECT_NEAR(s.final_value, 0.25, 1e-15);
  std::vector<double> g(2), xd = {x[0], x[1]};
  f.value_and_gradient(x.flat(), g);
  EXPECT_LE(projected_gradient_max_norm(xd, g, lower, upper), 1e-10);
  EXPECT_LT(g[0], 0);  // the multiplier of the active bound has the right sign
}

// A strongly convex quadratic 1/2 (x - 1)^T A (x - 1) (mu = 1, L = 1000) on a box that cuts
// off its minimizer from both sides: the solution is the unique KKT point. L-BFGS-B must
// identify its active set exactly (variables placed on their bounds, not near them) and end
// within the error bound of the projected-gradient map G(x) = x - P(x - grad f(x)) of a
// mu-strongly convex, L-smooth function: |x - x*| <= (1 + L) / mu |G(x)|.
TEST(Lbfgsb, ReachesTheKktPointOfABoxConstrainedQuadratic) {
  QuadraticOptions q;
  q.dimension = 30;
  q.condition_number = 1e3;
  const Quadratic<double> f(q);  // unconstrained minimizer (1, ..., 1)
  std::vector<double> lower(30, -kInf), upper(30, kInf);
  for (std::size_t i = 0; i < 30; i += 3) upper[i] = 0.5;
  for (std::size_t i = 4; i < 30; i += 6) lower[i] = 1.5;
  Parameters<double> x = Parameters<double>::from(std::vector<double>(30, 0.0));
  LbfgsbOptions o;
  o.gtol = 1e-5;
  o.ftol = 0;
  const Summary<double> s = lbfgsb(f, x, lower, upper, o);
  EXPECT_EQ(s.termination, Termination::converged) << s.message;
  std::vector<double> g(30), xd(x.flat().begin(), x.flat().end());
  f.value_and_gradient(x.flat(), g);
  EXPECT_LE(projected_gradient_max_norm(xd, g, lower, upper), 1e-5);
  double G = 0;
  for (std::size_t i = 0; i < 30; ++i) G += std::pow(xd[i] - std::clamp(xd[i] - g[i], lower[i], upper[i]), 2);
  G = std::sqrt(G);
  // Reference: projected gradient descent with step 1/L, run until its own G is below 1e-12.
  std::vector<double> r(30, 0.0), gr(30);
  const double L = *f.smoothness();
  for (int k = 0; k < 400000; ++k) {
    f.value_and_gradient(r, gr);
    if (projected_gradient_max_norm(r, gr, lower, upper) < 1e-12) break;
    for (std::size_t i = 0; i < 30; ++i) r[i] = std::clamp(r[i] - gr[i] / L, lower[i], upper[i]);
  }
  double distance = 0;
  for (std::size_t i = 0; i < 30; ++i) {
    distance += (xd[i] - r[i]) * (xd[i] - r[i]);
    const bool active = r[i] == lower[i] || r[i] == upper[i];
    EXPECT_EQ(xd[i] == lower[i] || xd[i] == upper[i], active) << i;
  }
  EXPECT_LE(std::sqrt(distance), (1 + L) / 1.0 * G + 1e-9);
}

TEST(Lbfgsb, ProjectsTheStartAndRespectsFixedVariables) {
  const Rosenbrock<double> f(3);
  // x_2 is fixed by lower = upper = 0.3; the start lies outside the box in x_0.
  const std::vector<double> lower = {-1, -kInf, 0.3}, upper = {1, kInf, 0.3};
  Parameters<double> x = Parameters<double>::from(std::vector<double>{-5, 1, 0.3});
  const Summary<double> s = lbfgsb(f, x, lower, upper, LbfgsbOptions{});
  EXPECT_TRUE(s.termination == Termination::converged) << s.message;
  EXPECT_EQ(x[2], 0.3);
  EXPECT_GE(x[0], -1);
  EXPECT_LE(x[0], 1);
}

TEST(Lbfgsb, RejectsBoundsThatDoNotFit) {
  const Rosenbrock<double> f(2);
  Parameters<double> x = Parameters<double>::from(std::vector<double>{0, 0});
  const auto error = [&](std::vector<double> l, std::vector<double> u) {
    try {
      lbfgsb(f, x, l, u, LbfgsbOptions{});
    } catch (const MismatchError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(error({0, 1}, {1, 0}), "lbfgsb: bounds of parameter 1 are [1, 0]: need lower <= upper, neither NaN");
  EXPECT_EQ(error({0}, {}), "lbfgsb: lower bounds have 1 entries for 2 parameters");
  EXPECT_EQ(error({0, std::nan("")}, {}),
            "lbfgsb: bounds of parameter 1 are [nan, inf]: need lower <= upper, neither NaN");
  // Bounds go only to a solver that takes them.
  SolverRun run;
  run.lower = {0, 0};
  EXPECT_THROW(parse_solver("lbfgs").run<double>(f, x, run), MismatchError);
  EXPECT_EQ(parse_solver("lbfgsb").run<double>(f, x, run).termination, Termination::converged);
}

}  // namespace
}  // namespace descent
