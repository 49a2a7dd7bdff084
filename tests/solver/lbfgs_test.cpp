// L-BFGS: the two-loop recursion against the explicit BFGS inverse update, the quasi-Newton
// property that makes it exact on quadratics (finite termination with exact line searches),
// convergence on Rosenbrock in both precisions and with both line searches, and every way a
// run ends.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/core/vector_ops.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "descent/solver/lbfgs.hpp"
#include "descent/solver/lbfgs_history.hpp"
#include "descent/spec/solver_spec.hpp"

namespace descent {
namespace {

// H g from the explicit recursion H_{i+1} = (I - rho s y^T) H_i (I - rho y s^T) + rho s s^T,
// started from gamma I with gamma = s.y / y.y of the newest pair (Nocedal & Wright, 7.19-7.20).
Eigen::VectorXd explicit_inverse_times(const std::vector<Eigen::VectorXd>& s, const std::vector<Eigen::VectorXd>& y,
                                       const Eigen::VectorXd& g) {
  const Eigen::Index n = g.size();
  const double gamma = s.back().dot(y.back()) / y.back().dot(y.back());
  Eigen::MatrixXd H = gamma * Eigen::MatrixXd::Identity(n, n);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double rho = 1 / y[i].dot(s[i]);
    const Eigen::MatrixXd V = Eigen::MatrixXd::Identity(n, n) - rho * y[i] * s[i].transpose();
    H = V.transpose() * H * V + rho * s[i] * s[i].transpose();
  }
  return H * g;
}

TEST(LbfgsHistory, TwoLoopRecursionEqualsTheExplicitInverseUpdate) {
  const std::size_t n = 6, m = 4;
  Random rng(3, Stream::data);
  LbfgsHistory<double> history(n, m);
  std::vector<Eigen::VectorXd> S, Y;
  // Pairs from a fixed SPD matrix (y = A s), so that s.y > 0 and H stays well conditioned.
  Eigen::MatrixXd B(n, n);
  for (std::size_t i = 0; i < n * n; ++i) B.data()[i] = rng.normal();
  const Eigen::MatrixXd A = B * B.transpose() + Eigen::MatrixXd::Identity(n, n);
  for (int k = 0; k < 7; ++k) {  // 7 > m: the oldest pairs are dropped
    Eigen::VectorXd s(n);
    for (auto& v : s) v = rng.normal();
    const Eigen::VectorXd y = A * s;
    history.push(std::span<const double>(s.data(), n), std::span<const double>(y.data(), n));
    S.push_back(s);
    Y.push_back(y);
    if (S.size() > m) S.erase(S.begin()), Y.erase(Y.begin());
    Eigen::VectorXd g(n), out(n);
    for (auto& v : g) v = rng.normal();
    history.apply(std::span<const double>(g.data(), n), std::span<double>(out.data(), n));
    const Eigen::VectorXd expected = explicit_inverse_times(S, Y, g);
    // Both are products of the same m rank-two updates; with cond(A) small the two orders of
    // operations agree to a few hundred ulps of the result's size.
    EXPECT_LE((out - expected).norm(), 1e-13 * expected.norm()) << k;
    EXPECT_EQ(history.size(), std::min<std::size_t>(k + 1, m));
  }
  EXPECT_THROW(history.push(std::vector<double>(n, 1.0), std::vector<double>(n, -1.0)), ConfigError);
  EXPECT_THROW(history.push(std::vector<double>(n - 1), std::vector<double>(n - 1)), MismatchError);
}

// With exact line searches, BFGS on a strictly convex quadratic in R^n terminates in at most
// n iterations, and L-BFGS with m >= n takes the same steps (Nocedal & Wright, Theorem 6.4 and
// Section 7.2). More-Thuente's interpolation is exact on the quadratic phi, so a curvature
// tolerance of 1e-6 makes its steps exact up to rounding: after n = 8 iterations the
// gradient has fallen by the rounding level of the problem (kappa * eps relative), far below
// the (1 - 1/kappa)^8 that steepest descent would give.
TEST(Lbfgs, TerminatesInNIterationsOnAQuadraticWithExactLineSearches) {
  QuadraticOptions q;
  q.dimension = 8;
  q.condition_number = 100;
  const Quadratic<double> f(q);
  Parameters<double> x = Parameters<double>::from(std::vector<double>(8, 0.0));
  LbfgsOptions o;
  o.memory = 8;
  o.c1 = 1e-7;
  o.c2 = 1e-6;
  o.gtol = 0;
  o.ftol = 0;
  o.max_steps = 8;
  std::vector<double> g0(8);
  f.value_and_gradient(x.flat(), g0);
  const Summary<double> s = lbfgs(f, x, o);
  EXPECT_EQ(s.steps, 8);
  EXPECT_LE(s.final_gradient_norm, 1e-9 * norm2(std::span<const double>(g0)));
  for (double v : x.flat()) EXPECT_NEAR(v, 1, 1e-9);
}

template <class T>
class LbfgsPrecision : public ::testing::Test {};
using Precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LbfgsPrecision, Precisions);

// The classic start (-1.2, 1, -1.2, 1, ...) of the chained Rosenbrock function; x* = 1.
TYPED_TEST(LbfgsPrecision, ReachesTheMinimumOfRosenbrockWithEitherLineSearch) {
  using T = TypeParam;
  const Rosenbrock<T> f(10);
  for (const char* search : {"strong_wolfe", "armijo"}) {
    SCOPED_TRACE(search);
    std::vector<T> start(10);
    for (std::size_t i = 0; i < 10; ++i) start[i] = i % 2 == 0 ? T(-1.2) : T(1);
    Parameters<T> x = Parameters<T>::from(start);
    LbfgsOptions o;
    o.line_search = search;
    o.max_steps = 500;
    // Float: sqrt(eps) is the gradient's noise floor near x* (f's terms cancel to ~eps f0).
    o.gtol = std::is_same_v<T, float> ? 1e-3 : 1e-8;
    o.ftol = 0;
    const Summary<T> s = lbfgs(f, x, o);
    EXPECT_TRUE(s.termination == Termination::converged || s.termination == Termination::no_progress)
        << to_string(s.termination) << ": " << s.message;
    // |x - x*| ~ |g| / lambda_min(H*) with lambda_min ~ 0.4 for this d: 1e-2 in float
    // (3e-3 of gradient over 0.4), 1e-6 in double.
    const double tolerance = std::is_same_v<T, float> ? 1e-2 : 1e-6;
    for (T v : x.flat()) EXPECT_NEAR(v, 1, tolerance);
    EXPECT_LT(s.steps, 200);
    EXPECT_EQ(s.objective_calls >= s.steps + 1, true);
  }
}

TEST(Lbfgs, StopsForEachReasonWithAMessage) {
  const Rosenbrock<double> f(2);
  const auto start = [] { return Parameters<double>::from(std::vector<double>{-1.2, 1}); };
  LbfgsOptions o;
  o.max_steps = 3;
  Parameters<double> x = start();
  Summary<double> s = lbfgs(f, x, o);
  EXPECT_EQ(s.termination, Termination::max_steps);
  EXPECT_EQ(s.steps, 3);
  EXPECT_EQ(s.message, "reached max_steps = 3");
  EXPECT_EQ(s.final_value, f.value(x.flat()));

  o.max_steps = 1000;
  o.gtol = 1e-7;
  o.ftol = 0;
  x = start();
  s = lbfgs(f, x, o);
  EXPECT_EQ(s.termination, Termination::converged);
  EXPECT_EQ(s.message.rfind("max_i |g_i| = ", 0), 0u) << s.message;

  o.gtol = 0;
  o.ftol = 1e-3;
  x = start();
  s = lbfgs(f, x, o);
  EXPECT_EQ(s.termination, Termination::converged);
  EXPECT_EQ(s.message, "relative decrease of f <= ftol");

  // The observer sees every iterate and can stop the run.
  std::vector<std::int64_t> seen;
  SolverRun run;
  run.observe_double = [&](const SolverIterate<double>& it) {
    seen.push_back(it.step);
    EXPECT_EQ(it.value, f.value(it.x));
    return it.step == 4;
  };
  x = start();
  s = lbfgs(f, x, LbfgsOptions{}, run);
  EXPECT_EQ(s.termination, Termination::user_stop);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3, 4}));
}

// An objective whose "gradient" points uphill: no step along -g lowers f, even after the
// history is cleared, so the run ends with no_progress and keeps its parameters.
class WrongGradient final : public Differentiable<double> {
 public:
  std::string name() const override { return "wrong_gradient"; }
  std::size_t dimension() const override { return 2; }
  double value(std::span<const double> x) const override { return x[0] * x[0] + x[1] * x[1]; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    g[0] = -2 * x[0];
    g[1] = -2 * x[1];
    return value(x);
  }
};

TEST(Lbfgs, EndsWithNoProgressWhenNoStepLowersF) {
  const WrongGradient f;
  Parameters<double> x = Parameters<double>::from(std::vector<double>{1, 2});
  const Summary<double> s = lbfgs(f, x, LbfgsOptions{});
  EXPECT_EQ(s.termination, Termination::no_progress);
  EXPECT_NE(s.message.find("no step along -g lowered f"), std::string::npos) << s.message;
  EXPECT_EQ(x[0], 1);
  EXPECT_EQ(x[1], 2);
}

TEST(Lbfgs, NonFiniteStartAndBadOptionsAreReported) {
  const Rosenbrock<double> f(2);
  Parameters<double> x = Parameters<double>::from(std::vector<double>{std::nan(""), 1});
  EXPECT_EQ(lbfgs(f, x, LbfgsOptions{}).termination, Termination::non_finite);
  Parameters<double> wrong = Parameters<double>::from(std::vector<double>{1, 2, 3});
  EXPECT_THROW(lbfgs(f, wrong, LbfgsOptions{}), MismatchError);
  const auto error = [&](LbfgsOptions o) {
    Parameters<double> p = Parameters<double>::from(std::vector<double>{0, 0});
    try {
      lbfgs(f, p, o);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  LbfgsOptions o;
  o.memory = 0;
  EXPECT_EQ(error(o), "LbfgsOptions::memory = 0 violates memory >= 1");
  o = {};
  o.line_search = "wolfe";
  EXPECT_EQ(error(o), "LbfgsOptions::line_search = 'wolfe' is not one of strong_wolfe, armijo");
  o = {};
  o.c1 = 0.95;
  EXPECT_EQ(error(o), "LbfgsOptions::c2 = 0.9 violates c2 > c1 (c1 = 0.95)");
  o.line_search = "armijo";  // c2 plays no part in backtracking
  EXPECT_EQ(error(o), "(accepted)");
}

TEST(Lbfgs, SpecsNameTheLineSearchBare) {
  EXPECT_EQ(parse_solver("lbfgs(memory=5, line_search=armijo)").canonical(),
            "lbfgs(memory=5, gtol=1e-05, ftol=2.220446049250313e-09, line_search=armijo, c1=1e-04, c2=0.9, "
            "xtol=1e-10, max_line_search=20)");
  try {
    parse_solver("lbfgs(line_search=strong_wolf)");
    ADD_FAILURE() << "accepted";
  } catch (const ParseError& e) {
    EXPECT_NE(
        std::string(e.what()).find("'strong_wolf' is not one of strong_wolfe, armijo; did you mean 'strong_wolfe'?"),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_solver("lbfgs(line_search=armijo(c1=0.1))"), ParseError);
  EXPECT_THROW(parse_solver("lbfgs(line_search=1)"), ParseError);
}

}  // namespace
}  // namespace descent
