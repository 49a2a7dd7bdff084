#include "descent/objective/test_problems.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <string>

#include "descent/core/error.hpp"
#include "descent/objective/gradient_check.hpp"
#include "descent/objective/sum_of_squares.hpp"
#include "objective/test_problem_support.hpp"

namespace descent {
namespace {

using test::kEps;

// The dimensions each problem is tested at: its default, and for scalable ones the two
// smallest allowed sizes and one near 20 (wide enough for every band, e.g. Broyden
// banded's 7 columns).
std::vector<std::size_t> tested_dimensions(const TestProblem& p) {
  if (p.dimensions.fixed != 0) return {p.dimensions.fixed};
  const std::size_t k = p.dimensions.multiple_of;
  const std::size_t lo = p.dimensions.minimum;
  std::set<std::size_t> sizes{lo, lo + k, p.default_dimension, (20 / k) * k};
  return {sizes.begin(), sizes.end()};
}

std::vector<std::string> names() {
  std::vector<std::string> all;
  for (const TestProblem& p : test_problems()) all.push_back(p.name);
  return all;
}

TEST(TestProblems, CatalogHasTheStandardSet) {
  const auto& catalog = test_problems();
  EXPECT_GE(catalog.size(), 14u);
  std::size_t from_mgh = 0;
  std::set<std::string> seen;
  for (const TestProblem& p : catalog) {
    SCOPED_TRACE(p.name);
    EXPECT_TRUE(seen.insert(p.name).second) << "duplicate";
    if (p.reference.rfind("MGH ", 0) == 0) ++from_mgh;
    EXPECT_FALSE(p.title.empty());
    EXPECT_TRUE(p.start && p.global_minimum && p.make_float && p.make_double);
    EXPECT_TRUE(p.dimensions.allows(p.default_dimension));
    EXPECT_EQ(find_test_problem(p.name), &p);
  }
  EXPECT_GE(from_mgh, 14u);
  const std::vector<std::string> sorted = names();
  EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end()));
  EXPECT_EQ(find_test_problem("no_such_problem"), nullptr);
  for (const char* name : {"freudenstein_roth", "powell_badly_scaled", "brown_badly_scaled", "beale", "helical_valley",
                           "box_3d", "powell_singular", "wood", "variably_dimensioned", "trigonometric",
                           "brown_almost_linear", "discrete_boundary_value", "broyden_tridiagonal",
                           "extended_powell_singular", "penalty_1", "penalty_2", "rosenbrock", "dixon_price"})
    EXPECT_NE(find_test_problem(name), nullptr) << name;
}

TEST(TestProblems, DimensionRulesDescribeThemselves) {
  EXPECT_EQ((DimensionRule{.fixed = 2}).describe(), "dimension = 2");
  EXPECT_EQ((DimensionRule{.minimum = 1}).describe(), "dimension >= 1");
  EXPECT_EQ((DimensionRule{.minimum = 2, .multiple_of = 2}).describe(), "dimension >= 2 and even");
  EXPECT_EQ((DimensionRule{.minimum = 4, .multiple_of = 4}).describe(), "dimension >= 4 and a multiple of 4");
  const DimensionRule even{.minimum = 2, .multiple_of = 2};
  EXPECT_FALSE(even.allows(0));
  EXPECT_FALSE(even.allows(3));
  EXPECT_TRUE(even.allows(4));
}

TEST(TestProblems, MakeChecksTheDimensionAndEveryObjectMatchesItsEntry) {
  for (const TestProblem& p : test_problems()) {
    SCOPED_TRACE(p.name);
    for (const std::size_t n : tested_dimensions(p)) {
      const auto f = p.make<double>(n);
      const auto g = p.make<float>(n);
      EXPECT_EQ(f->name(), p.name);
      EXPECT_EQ(f->dimension(), n);
      EXPECT_EQ(g->dimension(), n);
      EXPECT_TRUE(f->has_hessian_vector());
      EXPECT_EQ(p.start(n).size(), n);
      const auto minimum = p.global_minimum(n);
      if (minimum && !minimum->x.empty()) {
        ASSERT_TRUE(f->known_minimum().has_value());  // the object reports the entry's x*
        EXPECT_EQ(f->known_minimum()->x, minimum->x);
        EXPECT_EQ(f->known_minimum()->value, minimum->value);
      }
    }
  }
  try {
    find_test_problem("beale")->make<double>(3);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "beale::dimension = 3 violates dimension = 2");
  }
  try {
    find_test_problem("extended_powell_singular")->make<float>(6);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "extended_powell_singular::dimension = 6 violates dimension >= 4 and a multiple of 4");
  }
  EXPECT_THROW(find_test_problem("penalty_1")->make<double>(0), ConfigError);
}

TEST(TestProblems, SpansOfTheWrongLengthAreMismatchErrors) {
  const auto f = find_test_problem("beale")->make<double>(2);
  std::vector<double> x3(3), x2(2), g3(3);
  try {
    f->value(x3);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "beale: x has 3 elements, expected 2");
  }
  EXPECT_THROW(f->value_and_gradient(x2, g3), MismatchError);
  EXPECT_THROW(f->hessian_vector(x2, x3, x2), MismatchError);
  const auto penalty = find_test_problem("penalty_1")->make<double>(4);
  const auto& squares = dynamic_cast<const SumOfSquares<double>&>(*penalty);
  std::vector<double> r4(4);
  try {
    squares.checked_residuals(std::vector<double>(4), r4);
    ADD_FAILURE() << "no error";
  } catch (const MismatchError& e) {
    EXPECT_STREQ(e.what(), "penalty_1: r has 4 elements, expected 5");
  }
}

// The standard starts of MGH, spelled out, and f there computed by hand.
TEST(TestProblems, StandardStartsAndTheirValues) {
  struct Case {
    const char* name;
    std::size_t n;
    std::vector<double> x0;
    double f0;
  };
  // f0 by hand (all intermediate values are exact in double except where noted):
  //   freudenstein_roth: r = (-12.5 + 32, -28.5 + 24) = (19.5, -4.5), f = 380.25 + 20.25;
  //   beale: r = y (x1 = 1), f = 1.5^2 + 2.25^2 + 2.625^2;
  //   helical_valley: theta = 1/2, r = (-50, 0, 0);
  //   powell_singular: r = (-7, -sqrt5, 1, 4 sqrt10), f = 49 + 5 + 1 + 160;
  //   wood: r = (-100, 4, -10 sqrt90, 4, -4 sqrt10, 0), f = 10000 + 16 + 9000 + 16 + 160;
  //   penalty_1 (n = 4): 1e-5 (0 + 1 + 4 + 9) + (30 - 1/4)^2;
  //   variably_dimensioned (n = 2): r = (-1/2, -1, -5/2, 25/4);
  //   brown_almost_linear (n = 2): r = (-3/2, -3/4);
  //   broyden_tridiagonal (n = 2): r = (-2, -3);
  //   linear_full_rank (n = 2): r = (-1, -1, -2, -2);
  //   extended_rosenbrock and rosenbrock (n = 2): 24.2; dixon_price (n = 2): 2 (2 - 1)^2;
  //   zakharov (n = 2): s = 3/2, f = 2 + 9/4 + 81/16.
  const std::vector<Case> cases = {
      {"freudenstein_roth", 2, {0.5, -2}, 400.5},
      {"beale", 2, {1, 1}, 14.203125},
      {"helical_valley", 3, {-1, 0, 0}, 2500},
      {"powell_singular", 4, {3, -1, 0, 1}, 215},
      {"wood", 4, {-3, -1, -3, -1}, 19192},
      {"extended_powell_singular", 8, {3, -1, 0, 1, 3, -1, 0, 1}, 430},
      {"penalty_1", 4, {1, 2, 3, 4}, 1.4e-4 + 885.0625},
      {"penalty_2", 3, {0.5, 0.5, 0.5}, -1},
      {"variably_dimensioned", 2, {0.5, 0}, 46.5625},
      {"trigonometric", 4, {0.25, 0.25, 0.25, 0.25}, -1},
      {"brown_almost_linear", 2, {0.5, 0.5}, 2.8125},
      {"discrete_boundary_value", 2, {-2.0 / 9, -2.0 / 9}, -1},
      {"broyden_tridiagonal", 2, {-1, -1}, 13},
      {"broyden_banded", 3, {-1, -1, -1}, -1},
      {"linear_full_rank", 2, {1, 1}, 10},
      {"extended_rosenbrock", 2, {-1.2, 1}, 24.2},
      {"rosenbrock", 4, {-1.2, 1, -1.2, 1}, -1},
      {"dixon_price", 2, {1, 1}, 2},
      {"zakharov", 2, {1, 1}, 9.3125},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const TestProblem& p = *find_test_problem(c.name);
    const std::vector<double> x0 = p.start(c.n);
    ASSERT_EQ(x0.size(), c.x0.size());
    for (std::size_t j = 0; j < x0.size(); ++j) EXPECT_NEAR(x0[j], c.x0[j], kEps * std::abs(c.x0[j])) << j;
    // Terms below 2e4 (wood) through ~10 roundings; penalty_1's 1.4e-4 is not exact in binary.
    if (c.f0 >= 0) EXPECT_NEAR(p.make<double>(c.n)->value(x0), c.f0, 16 * kEps * c.f0);
  }
  // The starts of the fixed-size problems MGH give, and those defined by a formula.
  EXPECT_EQ(find_test_problem("brown_dennis")->start(4), (std::vector<double>{25, 5, -5, -1}));
  EXPECT_EQ(find_test_problem("box_3d")->start(3), (std::vector<double>{0, 10, 20}));
  EXPECT_EQ(find_test_problem("kowalik_osborne")->start(4), (std::vector<double>{0.25, 0.39, 0.415, 0.39}));
  EXPECT_EQ(find_test_problem("biggs_exp6")->start(6), (std::vector<double>{1, 2, 1, 1, 1, 1}));
  EXPECT_EQ(find_test_problem("jennrich_sampson")->start(2), (std::vector<double>{0.3, 0.4}));
  EXPECT_EQ(find_test_problem("powell_badly_scaled")->start(2), (std::vector<double>{0, 1}));
  EXPECT_EQ(find_test_problem("brown_badly_scaled")->start(2), (std::vector<double>{1, 1}));
  EXPECT_EQ(find_test_problem("bard")->start(3), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(find_test_problem("gaussian")->start(3), (std::vector<double>{0.4, 1, 0}));
  EXPECT_EQ(find_test_problem("variably_dimensioned")->start(4), (std::vector<double>{0.75, 0.5, 0.25, 0}));
  EXPECT_EQ(find_test_problem("trigonometric")->start(5), std::vector<double>(5, 0.2));
}

// MGH 28 at n = 2 by hand: h = 1/3, t = (1/3, 2/3), x0 = t (t - 1) = (-2/9, -2/9),
// r_0 = -2/9 + (1/18) (10/9)^3,  r_1 = -2/9 + (1/18) (13/9)^3.
TEST(TestProblems, DiscreteBoundaryValueMatchesItsFormulaByHand) {
  const auto f = find_test_problem("discrete_boundary_value")->make<double>(2);
  const double r0 = -2.0 / 9 + 1000.0 / 13122, r1 = -2.0 / 9 + 2197.0 / 13122;
  const std::vector<double> x0 = find_test_problem("discrete_boundary_value")->start(2);
  // Each r_i is ~0.1 after cancelling terms of ~0.2: 16 roundings of 0.2 bound its error.
  const double residual_error = 16 * kEps * 0.25;
  EXPECT_NEAR(f->value(x0), r0 * r0 + r1 * r1, 2 * (std::abs(r0) + std::abs(r1)) * residual_error);
}

// The exact Hessian of a sum of squares keeps the residuals' curvature. Beale at (1, 1), by
// hand: r_k = y_k, grad r_k = (x1^k - 1, k x0 x1^(k-1)) = (0, k), Hess r_k = [[0, k], [k, k(k-1)]],
// so grad f = 2 sum r_k grad r_k = (0, 27.75) and
//   Hess f = 2 (sum grad r_k grad r_k^T + sum r_k Hess r_k) = 2 ([[0, 0], [0, 14]] + [[0, 13.875], [13.875, 20.25]])
//          = [[0, 27.75], [27.75, 68.5]]
// (Gauss-Newton, without the second sum, would give [[0, 0], [0, 28]]). Every number is a
// short dyadic fraction, so the products are exact.
TEST(TestProblems, SumOfSquaresHessianVectorProductIsTheExactHessian) {
  const auto f = find_test_problem("beale")->make<double>(2);
  const std::vector<double> x{1, 1};
  std::vector<double> g(2), column(2);
  EXPECT_EQ(f->value_and_gradient(x, g), 14.203125);
  EXPECT_EQ(g, (std::vector<double>{0, 27.75}));
  f->hessian_vector(x, std::vector<double>{1, 0}, column);
  EXPECT_EQ(column, (std::vector<double>{0, 27.75}));
  f->hessian_vector(x, std::vector<double>{0, 1}, column);
  EXPECT_EQ(column, (std::vector<double>{27.75, 68.5}));
}

// A scalar function phi(x) = w . r(x) whose gradient is J^T w and whose Hessian is
// sum_i w_i Hess r_i: the gradient checker then tests a problem's Jacobian transpose and
// residual curvature directly, each on its own.
class WeightedResiduals final : public Differentiable<double> {
 public:
  WeightedResiduals(const SumOfSquares<double>& f, std::vector<double> w) : f_(f), w_(std::move(w)) {}
  std::string name() const override { return f_.name() + " (w . r)"; }
  std::size_t dimension() const override { return f_.dimension(); }
  double value(std::span<const double> x) const override {
    std::vector<double> r(f_.residual_count());
    f_.checked_residuals(x, r);
    double s = 0;
    for (std::size_t i = 0; i < r.size(); ++i) s += w_[i] * r[i];
    return s;
  }
  double value_and_gradient(std::span<const double> x, std::span<double> gradient) const override {
    f_.checked_jacobian_transpose_times(x, w_, gradient);
    return value(x);
  }
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    f_.residual_curvature_times(x, w_, v, out);
  }

 private:
  const SumOfSquares<double>& f_;
  std::vector<double> w_;
};

TEST(TestProblems, JacobianProductsAreAdjointAndMatchTheResiduals) {
  for (const TestProblem& p : test_problems()) {
    for (const std::size_t n : tested_dimensions(p)) {
      SCOPED_TRACE(p.name + " n = " + std::to_string(n));
      const auto made = p.make<double>(n);
      const auto* f = dynamic_cast<const SumOfSquares<double>*>(made.get());
      if (f == nullptr) continue;  // rosenbrock: Rosenbrock<T>
      const std::size_t m = f->residual_count();
      const std::vector<double> x = test::near(p.start(n), 3);
      const std::vector<double> v = test::random_vector(n, 4, -1, 1);
      const std::vector<double> w = test::random_vector(m, 5, -1, 1);
      // w . (J v) = (J^T w) . v: both are sums of the m n products w_i J_ij v_j, each entry of J
      // computed by the two routines with at most a few roundings and summed in different
      // orders, so they differ by at most (m + n + 8) eps sum |w_i J_ij v_j|.
      std::vector<double> jv(m), jtw(n);
      f->checked_jacobian_times(x, v, jv);
      f->checked_jacobian_transpose_times(x, w, jtw);
      const Eigen::MatrixXd J = test::dense_jacobian(*f, x);
      double scale = 0;
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) scale += std::abs(w[i] * J(i, j) * v[j]);
      EXPECT_NEAR(test::dot(w, jv), test::dot(jtw, v), static_cast<double>(m + n + 8) * kEps * scale);
      // J^T w and sum_i w_i Hess r_i against central differences of w . r.
      const WeightedResiduals phi(*f, w);
      const GradientCheckResult jacobian = check_gradient(phi, x);
      EXPECT_TRUE(jacobian.ok) << jacobian.describe();
      const GradientCheckResult curvature = check_hessian_vector(phi, x, v);
      EXPECT_TRUE(curvature.ok) << curvature.describe();
    }
  }
}

TEST(TestProblems, GradientAndHessianVectorChecksAtTheStartAndNearIt) {
  for (const TestProblem& p : test_problems()) {
    for (const std::size_t n : tested_dimensions(p)) {
      SCOPED_TRACE(p.name + " n = " + std::to_string(n));
      const auto f = p.make<double>(n);
      const std::vector<double> v = test::random_vector(n, 7, -1, 1);
      for (const std::vector<double>& x : {p.start(n), test::near(p.start(n), 11)}) {
        const GradientCheckResult gradient = check_gradient(*f, x);
        EXPECT_TRUE(gradient.ok) << gradient.describe();
        const GradientCheckResult hessian = check_hessian_vector(*f, x, v);
        EXPECT_TRUE(hessian.ok) << hessian.describe();
      }
    }
  }
}

// The float instantiation computes the same derivatives: the checker's tolerances in float
// come from the same error model with float's epsilon (about 1e-3 relative).
TEST(TestProblems, FloatProblemsPassTheChecksInFloat) {
  for (const TestProblem& p : test_problems()) {
    SCOPED_TRACE(p.name);
    const std::size_t n = p.default_dimension;
    const auto f = p.make<float>(n);
    const std::vector<double> x0 = p.start(n);
    const std::vector<float> x(x0.begin(), x0.end());
    const std::vector<float> v = test::to_float(test::random_vector(n, 7, -1, 1));
    const GradientCheckResult gradient = check_gradient<float>(*f, x);
    EXPECT_TRUE(gradient.ok) << gradient.describe();
    const GradientCheckResult hessian = check_hessian_vector<float>(*f, x, v);
    EXPECT_TRUE(hessian.ok) << hessian.describe();
  }
}

// The recorded minima, global and local: f(x*) = f* and grad f(x*) = 0 within the rounding
// of x* to double (test::minimizer_tolerance), and a positive semidefinite Hessian there.
void expect_minimum(const TestProblem& p, std::size_t n, const TestProblemMinimum& minimum) {
  const auto made = p.make<double>(n);
  if (minimum.x.empty()) {
    EXPECT_EQ(minimum.value, 0.0);  // an unrecorded minimizer only for zero-residual problems
    return;
  }
  ASSERT_EQ(minimum.x.size(), n);
  std::vector<double> g(n);
  const double value = made->value_and_gradient(minimum.x, g);
  const auto* f = dynamic_cast<const SumOfSquares<double>*>(made.get());
  if (f == nullptr) {  // rosenbrock at (1, ..., 1): every term is exactly 0
    EXPECT_EQ(value, minimum.value);
    EXPECT_EQ(g, std::vector<double>(n, 0.0));
    return;
  }
  const test::MinimizerTolerance tolerance = test::minimizer_tolerance(*f, minimum.x);
  EXPECT_NEAR(value, minimum.value, tolerance.value);
  for (std::size_t j = 0; j < n; ++j) EXPECT_NEAR(g[j], 0.0, tolerance.gradient[j]) << "gradient " << j;
  // The smallest eigenvalue of the Hessian is >= 0 up to the error of the dense Hessian's
  // entries (a few eps times its largest entry, per the gradient tolerance above); at a
  // saddle it is clearly negative (biggs_exp6: -0.0098 by the 60-digit computation).
  const Eigen::MatrixXd H = test::dense_hessian(*made, minimum.x);
  const Eigen::MatrixXd symmetric = (H + H.transpose()) / 2;
  const double smallest = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(symmetric).eigenvalues()(0);
  const double rounding = 64 * kEps * static_cast<double>(n) * symmetric.cwiseAbs().maxCoeff();
  if (minimum.saddle)
    EXPECT_LT(smallest, -1e-3);
  else
    EXPECT_GE(smallest, -rounding);
}

TEST(TestProblems, RecordedMinimaAreMinima) {
  std::size_t checked = 0, saddles = 0;
  for (const TestProblem& p : test_problems()) {
    const std::vector<std::size_t> tested = tested_dimensions(p);
    std::set<std::size_t> sizes(tested.begin(), tested.end());
    sizes.insert({4, 10});  // the sizes MGH report for penalty_1 and penalty_2
    for (const std::size_t n : sizes) {
      if (!p.dimensions.allows(n)) continue;
      SCOPED_TRACE(p.name + " n = " + std::to_string(n));
      if (const auto minimum = p.global_minimum(n)) {
        expect_minimum(p, n, *minimum);
        ++checked;
      }
      if (p.stationary_point_from_start)
        if (const auto local = p.stationary_point_from_start(n)) {
          expect_minimum(p, n, *local);
          EXPECT_GT(local->value, p.global_minimum(n)->value);
          saddles += local->saddle;
        }
    }
  }
  EXPECT_GE(checked, 40u);
  EXPECT_EQ(saddles, 1u);  // biggs_exp6's
}

// Where a value was computed rather than derived, it must agree with every digit the
// literature publishes ("8.21487...e-3": the digits shown, truncated or rounded, so within one
// unit of the last one).
TEST(TestProblems, ComputedMinimaAgreeWithThePublishedDigits) {
  std::size_t compared = 0;
  for (const TestProblem& p : test_problems()) {
    for (const std::size_t n : {p.default_dimension, std::size_t{4}, std::size_t{10}}) {
      if (!p.dimensions.allows(n)) continue;
      for (const auto& minimum :
           {p.global_minimum(n),
            p.stationary_point_from_start ? p.stationary_point_from_start(n) : std::optional<TestProblemMinimum>()}) {
        if (!minimum || minimum->published.empty()) continue;
        SCOPED_TRACE(p.name + " n = " + std::to_string(n) + ": " + minimum->published);
        std::string text = minimum->published;
        const std::size_t dots = text.find("...");
        if (dots != std::string::npos) text.erase(dots, 3);
        const double published = std::strtod(text.c_str(), nullptr);
        // One unit in the last digit: 10^(exponent - decimals).
        const std::size_t point = text.find('.');
        const std::size_t e = text.find('e');
        const std::size_t mantissa_end = e == std::string::npos ? text.size() : e;
        const int decimals = point == std::string::npos ? 0 : static_cast<int>(mantissa_end - point - 1);
        const int exponent = e == std::string::npos ? 0 : std::atoi(text.c_str() + e + 1);
        const double unit = std::pow(10.0, exponent - decimals);
        EXPECT_LE(std::abs(minimum->value - published), unit);
        ++compared;
      }
    }
  }
  EXPECT_GE(compared, 10u);
}

TEST(TestProblems, ReachedFromStartIsTheLocalMinimumWhereOneIsRecorded) {
  const TestProblem& fr = *find_test_problem("freudenstein_roth");
  EXPECT_EQ(fr.global_minimum(2)->value, 0.0);
  EXPECT_NEAR(fr.reached_from_start(2)->value, 48.9842, 1e-4);
  EXPECT_EQ(fr.reached_from_start(2)->x.size(), 2u);
  const TestProblem& trig = *find_test_problem("trigonometric");
  EXPECT_NEAR(trig.reached_from_start(10)->value, 2.79506e-5, 1e-10);
  EXPECT_EQ(trig.reached_from_start(12)->value, 0.0);  // no local minimum recorded at n = 12
  const TestProblem& biggs = *find_test_problem("biggs_exp6");
  EXPECT_TRUE(biggs.reached_from_start(6)->saddle);
  EXPECT_NEAR(biggs.reached_from_start(6)->value, 5.65565e-3, 1e-8);
  const TestProblem& wood = *find_test_problem("wood");
  EXPECT_EQ(wood.reached_from_start(4)->x, std::vector<double>(4, 1.0));
  EXPECT_FALSE(find_test_problem("penalty_1")->reached_from_start(7).has_value());  // f* unknown at n = 7
}

}  // namespace
}  // namespace descent
