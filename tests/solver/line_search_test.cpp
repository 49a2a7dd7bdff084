// The line searches: the conditions at the accepted step (the strong Wolfe conditions on the
// six test functions of More & Thuente's paper, from four starting steps each), the
// interpolation formulas against hand-computed steps, and every way a search can end.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/solver/backtracking_armijo.hpp"
#include "descent/solver/more_thuente.hpp"

namespace descent {
namespace {

// A one-dimensional function phi with its derivative, recording the steps tried.
struct Phi {
  std::function<double(double)> value, slope;
  std::vector<double> tried;
  LineFunction function() {
    return [this](double a) {
      tried.push_back(a);
      return LinePoint{a, value(a), slope(a)};
    };
  }
  LinePoint zero() const { return {0, value(0), slope(0)}; }
};

// More & Thuente (1994), Section 5: their test functions.
Phi function1(double beta) {  // -a / (a^2 + beta): minimizer sqrt(beta)
  return {[=](double a) { return -a / (a * a + beta); },
          [=](double a) { return (a * a - beta) / ((a * a + beta) * (a * a + beta)); }};
}
Phi function2(double beta) {  // (a + beta)^5 - 2 (a + beta)^4
  return {[=](double a) { return std::pow(a + beta, 5) - 2 * std::pow(a + beta, 4); },
          [=](double a) { return 5 * std::pow(a + beta, 4) - 8 * std::pow(a + beta, 3); }};
}
Phi function3(double beta, double l) {  // phi0(a) + 2 (1 - beta) / (l pi) sin(l pi a / 2)
  const double pi = std::numbers::pi;
  const auto phi0 = [=](double a) {
    if (a <= 1 - beta) return 1 - a;
    if (a >= 1 + beta) return a - 1;
    return (a - 1) * (a - 1) / (2 * beta) + beta / 2;
  };
  const auto dphi0 = [=](double a) {
    if (a <= 1 - beta) return -1.0;
    if (a >= 1 + beta) return 1.0;
    return (a - 1) / beta;
  };
  return {[=](double a) { return phi0(a) + 2 * (1 - beta) / (l * pi) * std::sin(l * pi * a / 2); },
          [=](double a) { return dphi0(a) + (1 - beta) * std::cos(l * pi * a / 2); }};
}
Phi yanai(double b1, double b2) {  // gamma(b1) sqrt((1-a)^2 + b2^2) + gamma(b2) sqrt(a^2 + b1^2)
  const auto gamma = [](double b) { return std::sqrt(1 + b * b) - b; };
  return {[=](double a) {
            return gamma(b1) * std::sqrt((1 - a) * (1 - a) + b2 * b2) + gamma(b2) * std::sqrt(a * a + b1 * b1);
          },
          [=](double a) {
            return -gamma(b1) * (1 - a) / std::sqrt((1 - a) * (1 - a) + b2 * b2) +
                   gamma(b2) * a / std::sqrt(a * a + b1 * b1);
          }};
}

struct PaperCase {
  const char* name;
  Phi phi;
  double c1, c2;
};

std::vector<PaperCase> paper_cases() {
  return {{"function 1", function1(2), 1e-3, 0.1},        {"function 2", function2(0.004), 0.1, 0.1},
          {"function 3", function3(0.01, 39), 0.1, 0.1},  {"function 4", yanai(0.001, 0.001), 1e-3, 1e-3},
          {"function 5", yanai(0.01, 0.001), 1e-3, 1e-3}, {"function 6", yanai(0.001, 0.01), 1e-3, 1e-3}};
}

// The paper's experiment: from a0 in {1e-3, 1e-1, 10, 1000} the search ends at a step that
// satisfies both strong Wolfe conditions, in few evaluations (the paper's tables report at
// most 12 per search; 20 is the budget here).
TEST(MoreThuente, SatisfiesTheStrongWolfeConditionsOnThePapersFunctions) {
  for (auto& c : paper_cases()) {
    for (const double a0 : {1e-3, 1e-1, 1e1, 1e3}) {
      SCOPED_TRACE(std::string(c.name) + ", a0 = " + format_number(a0));
      Phi phi = c.phi;
      StrongWolfeOptions o;
      o.c1 = c.c1;
      o.c2 = c.c2;
      const LinePoint zero = phi.zero();
      const LineSearchResult r = more_thuente(phi.function(), zero, a0, o);
      ASSERT_TRUE(r.accepted()) << to_string(r.status);
      EXPECT_LE(r.point.value, zero.value + c.c1 * r.point.step * zero.slope);
      EXPECT_LE(std::abs(r.point.slope), c.c2 * std::abs(zero.slope));
      EXPECT_EQ(r.point.step, phi.tried.back());  // the point returned is the last evaluated
      EXPECT_LE(r.evaluations, 14);
    }
  }
}

// On a quadratic, cubic and quadratic interpolation are exact: after a first trial beyond the
// minimizer (case 1), the second trial is the minimizer itself, where phi' = 0.
TEST(MoreThuente, InterpolationIsExactOnAQuadratic) {
  Phi phi{[](double a) { return (a - 2) * (a - 2); }, [](double a) { return 2 * (a - 2); }};
  const LineSearchResult r = more_thuente(phi.function(), phi.zero(), 10, StrongWolfeOptions{});
  ASSERT_TRUE(r.accepted());
  ASSERT_EQ(phi.tried.size(), 2u);
  // The interpolated step 2 is computed from values of size 64: rounding of a few ulps of 64.
  EXPECT_NEAR(r.point.step, 2, 64 * 8 * std::numeric_limits<double>::epsilon());
}

// Until a minimizer is bracketed, each trial moves between 1.1 and 4 times as far beyond the
// last one as that one moved beyond its predecessor (the extrapolation range of the paper's
// Section 4; the first trial after a0 may go up to 5 a0).
TEST(MoreThuente, ExtrapolatesWithinTheBound) {
  Phi phi{[](double a) { return -std::log1p(a) + a / 1e4; }, [](double a) { return -1 / (1 + a) + 1e-4; }};
  StrongWolfeOptions o;
  o.c2 = 1e-3;  // |phi'| <= 1e-3 |phi'(0)| needs a >= 908: far beyond the first trial
  const LineSearchResult r = more_thuente(phi.function(), phi.zero(), 1e-3, o);
  ASSERT_TRUE(r.accepted());
  EXPECT_GE(r.point.step, 908);
  EXPECT_GE(phi.tried.size(), 6u);  // 1e-3 * 5^k reaches 908 after k >= 9 extrapolations at most; 6 at least
  const auto& t = phi.tried;
  EXPECT_LE(t[1], 5 * t[0]);
  for (std::size_t k = 2; k < t.size(); ++k) {
    if (phi.slope(t[k - 1]) > 0) break;  // bracketed from here on
    const double previous = t[k - 1] - t[k - 2];
    EXPECT_LE(t[k] - t[k - 1], 4 * previous * (1 + 1e-12)) << k;
    EXPECT_GE(t[k] - t[k - 1], 1.1 * previous * (1 - 1e-12)) << k;
  }
}

TEST(MoreThuente, StopsAtTheStepLimitAndRetreatsFromNonFiniteValues) {
  Phi line{[](double a) { return -a; }, [](double) { return -1.0; }};
  LineSearchResult r = more_thuente(line.function(), line.zero(), 1, StrongWolfeOptions{}, /*step_limit=*/30);
  EXPECT_EQ(r.status, LineSearchStatus::at_max_step);
  EXPECT_EQ(r.point.step, 30);
  EXPECT_TRUE(r.decreased);
  // f = -log(2 - a) - a ... undefined beyond a = 2: the search backs off and ends inside.
  Phi barrier{[](double a) { return a < 2 ? -3 * a - std::log(2 - a) : std::nan(""); },
              [](double a) { return a < 2 ? -3 + 1 / (2 - a) : std::nan(""); }};
  r = more_thuente(barrier.function(), barrier.zero(), 100, StrongWolfeOptions{});
  ASSERT_TRUE(r.accepted()) << to_string(r.status);
  EXPECT_LT(r.point.step, 2);
  Phi never{[](double a) { return a == 0 ? 0 : std::nan(""); }, [](double) { return -1.0; }};
  r = more_thuente(never.function(), never.zero(), 1, StrongWolfeOptions{});
  EXPECT_EQ(r.status, LineSearchStatus::non_finite);
  EXPECT_FALSE(r.decreased);
}

TEST(MoreThuente, ReportsWhyNoStepWasFound) {
  Phi uphill{[](double a) { return a; }, [](double) { return 1.0; }};
  EXPECT_EQ(more_thuente(uphill.function(), uphill.zero(), 1, StrongWolfeOptions{}).status,
            LineSearchStatus::not_descent);
  EXPECT_TRUE(uphill.tried.empty());
  Phi quadratic{[](double a) { return (a - 2) * (a - 2); }, [](double a) { return 2 * (a - 2); }};
  StrongWolfeOptions one;
  one.max_evaluations = 1;
  const LineSearchResult r = more_thuente(quadratic.function(), quadratic.zero(), 10, one);
  EXPECT_EQ(r.status, LineSearchStatus::max_evaluations);
  EXPECT_FALSE(r.decreased);  // phi(10) = 64 > phi(0) = 4
}

TEST(MoreThuente, RejectsBadOptionsByName) {
  Phi phi = function1(2);
  const auto error = [&](StrongWolfeOptions o, double a0 = 1) {
    try {
      more_thuente(phi.function(), phi.zero(), a0, o);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  StrongWolfeOptions o;
  o.c2 = 1e-5;
  EXPECT_EQ(error(o), "StrongWolfeOptions::c2 = 1e-05 violates c2 >= c1 (c1 = 1e-04)");
  o = {};
  o.c1 = 0;
  EXPECT_EQ(error(o), "StrongWolfeOptions::c1 = 0 violates 0 < c1 < 1");
  EXPECT_EQ(error({}, -1), "more_thuente: the initial step must be positive and finite, got -1");
}

// Backtracking with a fixed factor tries 1, 1/2, 1/4, ... and stops at the first step with
// sufficient decrease: on phi(a) = (a - 0.1)^2 with phi'(0) = -0.2 and c1 = 1e-4, phi(a) <=
// 0.01 - 2e-5 a first holds at a = 1/8 (phi(1/4) = 0.0225, phi(1/8) = 0.000625).
TEST(BacktrackingArmijo, PlainBacktrackingHalvesUntilSufficientDecrease) {
  Phi phi{[](double a) { return (a - 0.1) * (a - 0.1); }, [](double a) { return 2 * (a - 0.1); }};
  ArmijoOptions o;
  o.interpolate = false;
  const LineSearchResult r = backtracking_armijo(phi.function(), phi.zero(), 1, o);
  ASSERT_TRUE(r.accepted());
  EXPECT_EQ(phi.tried, (std::vector<double>{1, 0.5, 0.25, 0.125}));
  EXPECT_EQ(r.point.step, 0.125);
}

// With interpolation the first backtrack minimizes the quadratic through phi(0), phi'(0) and
// phi(a): exact for a quadratic phi (a = 0.1 here), unless the safeguard [0.1 a, 0.5 a]
// clips it; the second uses the cubic through the last two trials, exact for a cubic phi.
TEST(BacktrackingArmijo, InterpolatesAQuadraticThenACubicWithinTheSafeguards) {
  Phi quadratic{[](double a) { return (a - 0.1) * (a - 0.1); }, [](double a) { return 2 * (a - 0.1); }};
  LineSearchResult r = backtracking_armijo(quadratic.function(), quadratic.zero(), 0.5, ArmijoOptions{});
  ASSERT_EQ(quadratic.tried.size(), 2u);
  EXPECT_NEAR(quadratic.tried[1], 0.1, 1e-15);
  EXPECT_TRUE(r.accepted());
  // From a = 10 the quadratic's minimizer 0.1 lies below 0.1 a = 1: clipped to 1.
  quadratic.tried.clear();
  backtracking_armijo(quadratic.function(), quadratic.zero(), 10, ArmijoOptions{});
  EXPECT_EQ(quadratic.tried[1], 1);
  // phi(a) = a^3 - a: phi'(0) = -1; from a = 4 the quadratic step is 4/(2*64)... 1/8 < 0.4:
  // clipped to 0.4; the cubic through a = 4 and a = 0.4 is phi itself, so the next trial is
  // its minimizer 1/sqrt(3) if inside [0.04, 0.2] — it is not, so 0.2.
  Phi cubic{[](double a) { return a * a * a - a; }, [](double a) { return 3 * a * a - 1; }};
  ArmijoOptions strict;
  strict.c1 = 0.9;  // demands nearly the tangent's decrease, so several backtracks happen
  backtracking_armijo(cubic.function(), cubic.zero(), 4, strict);
  ASSERT_GE(cubic.tried.size(), 3u);
  EXPECT_DOUBLE_EQ(cubic.tried[1], 0.4);
  EXPECT_DOUBLE_EQ(cubic.tried[2], 0.2);
}

TEST(BacktrackingArmijo, NonFiniteValuesAndBudgetsEndTheSearchWithAReason) {
  Phi barrier{[](double a) { return a < 1 ? -a : std::nan(""); }, [](double a) { return a < 1 ? -1 : std::nan(""); }};
  LineSearchResult r = backtracking_armijo(barrier.function(), barrier.zero(), 50, ArmijoOptions{});
  ASSERT_TRUE(r.accepted());
  EXPECT_EQ(barrier.tried, (std::vector<double>{50, 5, 0.5}));  // NaN: down to the lower safeguard 0.1 a
  Phi uphill{[](double a) { return a; }, [](double) { return 1.0; }};
  EXPECT_EQ(backtracking_armijo(uphill.function(), uphill.zero(), 1, ArmijoOptions{}).status,
            LineSearchStatus::not_descent);
  Phi steep{[](double a) { return (a - 0.1) * (a - 0.1); }, [](double a) { return 2 * (a - 0.1); }};
  ArmijoOptions two;
  two.max_evaluations = 2;
  two.interpolate = false;
  r = backtracking_armijo(steep.function(), steep.zero(), 1, two);
  EXPECT_EQ(r.status, LineSearchStatus::max_evaluations);
  ArmijoOptions tiny;
  tiny.interpolate = false;
  tiny.min_step = 0.3;
  r = backtracking_armijo(steep.function(), steep.zero(), 1, tiny);
  EXPECT_EQ(r.status, LineSearchStatus::at_min_step);
}

}  // namespace
}  // namespace descent
