// The curvature matrices a Newton-type solver can take by name: the Gauss-Newton operator of
// a sum of squares against 2 J^T J written out by hand (and equal to the Hessian at a
// zero-residual solution), the Gauss-Newton matrix of a generalized-linear finite sum (its
// Hessian), the empirical Fisher against (1/n) sum_i g_i g_i^T by hand, and the errors for a
// curvature an objective lacks.
#include "descent/solver/curvature.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "descent/objective/sum_of_squares.hpp"
#include "descent/objective/test_problems.hpp"
#include "descent/solver/empirical_fisher.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

// r(x) = (x0^2 - x1, x0 x1 - 1, 2 x1): J = [[2 x0, -1], [x1, x0], [0, 2]].
class ThreeResiduals final : public ResidualwiseSumOfSquares<double> {
 public:
  std::string name() const override { return "three_residuals"; }
  std::size_t dimension() const override { return 2; }
  std::size_t residual_count() const override { return 3; }
  double residual(std::size_t i, std::span<const double> x, std::span<double> gradient,
                  std::span<double> hessian) const override {
    const double g[3][2] = {{2 * x[0], -1}, {x[1], x[0]}, {0, 2}};
    const double h[3][4] = {{2, 0, 0, 0}, {0, 1, 1, 0}, {0, 0, 0, 0}};
    if (!gradient.empty()) std::copy(g[i], g[i] + 2, gradient.begin());
    if (!hessian.empty()) std::copy(h[i], h[i] + 4, hessian.begin());
    const double r[3] = {x[0] * x[0] - x[1], x[0] * x[1] - 1, 2 * x[1]};
    return r[i];
  }
};

TEST(Curvature, GaussNewtonOfASumOfSquaresIsTwiceJTransposeJ) {
  // At x = (1.5, -0.5): J = [[3, -1], [-0.5, 1.5], [0, 2]], J^T J = [[9.25, -3.75], [-3.75, 7.25]],
  // so 2 J^T J v = (3.5, 21.5) for v = (1, 2). The Hessian adds 2 sum_i r_i Hess r_i with
  // r = (2.75, -1.75, -1): 2 [[5.5, -1.75], [-1.75, 0]], giving H v = (7.5, 18). Every number
  // is a short binary fraction: exact in double.
  const ThreeResiduals f;
  const std::vector<double> x = {1.5, -0.5}, v = {1, 2};
  ASSERT_TRUE(f.has_gauss_newton());
  std::vector<double> out(2);
  f.gauss_newton_at(x)->apply(v, out);
  EXPECT_DOUBLE_EQ(out[0], 3.5);
  EXPECT_DOUBLE_EQ(out[1], 21.5);
  f.hessian_vector(x, v, out);
  EXPECT_DOUBLE_EQ(out[0], 7.5);
  EXPECT_DOUBLE_EQ(out[1], 18);
  // Through curvature_at, by name.
  const CurvatureOperator<double> gn = curvature_at<double>(f, x, curvature_from_name("gauss_newton"));
  gn.matrix->apply(v, out);
  EXPECT_DOUBLE_EQ(out[1], 21.5);
  EXPECT_EQ(gn.build_sample_gradients, 0);
  EXPECT_EQ(gn.product_sample_gradients, 0);  // not a finite sum
  std::vector<double> wrong(3);
  EXPECT_THROW(f.gauss_newton_at(wrong), MismatchError);
}

TEST(Curvature, GaussNewtonEqualsTheHessianAtAZeroResidualSolution) {
  // Extended Rosenbrock (MGH 21) has r(x*) = 0 at x* = (1, ..., 1): the term Gauss-Newton drops,
  // 2 sum_i r_i Hess r_i, is exactly zero there.
  const TestProblem* p = find_test_problem("extended_rosenbrock");
  ASSERT_NE(p, nullptr);
  const auto f = p->make<double>(6);
  const std::vector<double> x(6, 1.0), v = {1, -2, 0.5, 3, -1, 0.25};
  std::vector<double> gn(6), h(6);
  f->gauss_newton_at(x)->apply(v, gn);
  f->hessian_vector(x, v, h);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(gn[i], h[i]) << i;
  // Away from it they differ (the residuals' curvature is back).
  const std::vector<double> y(6, 0.5);
  f->gauss_newton_at(y)->apply(v, gn);
  f->hessian_vector(y, v, h);
  double difference = 0;
  for (int i = 0; i < 6; ++i) difference += std::abs(gn[i] - h[i]);
  EXPECT_GT(difference, 1.0);
}

// f_i(x) = 1/2 (u_i . x - y_i)^2 with u_i = (1, i), y_i = i: a generalized-linear finite sum
// whose Hessian is (1/n) sum_i u_i u_i^T.
class LineFit final : public FiniteSum<double> {
 public:
  explicit LineFit(bool with_hessian) : with_hessian_(with_hessian) {}
  std::string name() const override { return "line_fit"; }
  std::size_t dimension() const override { return 2; }
  std::size_t num_samples() const override { return 3; }
  double batch_value_and_gradient(std::span<const double> x, std::span<const std::size_t> batch,
                                  std::span<double> g) const override {
    g[0] = g[1] = 0;
    double f = 0;
    for (std::size_t i : batch) {
      const double r = x[0] + double(i) * x[1] - double(i);
      f += 0.5 * r * r;
      g[0] += r;
      g[1] += r * double(i);
    }
    const double inv = batch.empty() ? 0.0 : 1.0 / double(batch.size());
    g[0] *= inv;
    g[1] *= inv;
    return f * inv;
  }
  bool is_generalized_linear() const override { return true; }
  bool has_hessian_vector() const override { return with_hessian_; }
  void hessian_vector(std::span<const double>, std::span<const double> v, std::span<double> out) const override {
    // (1/3) [[3, 3], [3, 5]] v.
    out[0] = (3 * v[0] + 3 * v[1]) / 3;
    out[1] = (3 * v[0] + 5 * v[1]) / 3;
  }

 private:
  bool with_hessian_;
};

TEST(Curvature, GaussNewtonOfAGeneralizedLinearFiniteSumIsItsHessian) {
  const LineFit f(true);
  ASSERT_TRUE(f.has_gauss_newton());
  const std::vector<double> x = {0.5, 0.25}, v = {1, -1};
  std::vector<double> gn(2), h(2);
  f.gauss_newton_at(x)->apply(v, gn);
  f.hessian_vector(x, v, h);
  EXPECT_EQ(gn, h);
  // Without Hessian products there is nothing to return.
  const LineFit bare(false);
  EXPECT_FALSE(bare.has_gauss_newton());
  EXPECT_THROW(bare.gauss_newton_at(x), MismatchError);
  // For a finite sum, a Gauss-Newton product is a pass over the data.
  EXPECT_EQ(curvature_at<double>(f, x, Curvature::gauss_newton).product_sample_gradients, 3);
}

TEST(Curvature, EmpiricalFisherIsTheMeanOfPerSampleGradientOuterProducts) {
  // CentresSum(3, 2): f_i = 1/2 ||x - c_i||^2 with c_i = (i, -i) / 3, so at x = (1, 1)
  // g_0 = (1, 1), g_1 = (2/3, 4/3), g_2 = (1/3, 5/3) and
  // F = (1/3) sum g_i g_i^T = [[14, 22], [22, 50]] / 27: F (1, -1) = (-8, -28) / 27.
  const testing::CentresSum<double> f(3, 2);
  const std::vector<double> x = {1, 1}, v = {1, -1};
  const EmpiricalFisher<double> F(f, x);
  EXPECT_EQ(F.samples(), 3u);
  std::vector<double> out(2);
  F.apply(v, out);
  // Sums of a few products of thirds, accumulated in double: within a few ulps.
  EXPECT_NEAR(out[0], -8.0 / 27, 1e-15);
  EXPECT_NEAR(out[1], -28.0 / 27, 1e-15);
  ASSERT_TRUE(F.has_diagonal());
  F.diagonal(out);
  EXPECT_NEAR(out[0], 14.0 / 27, 1e-15);
  EXPECT_NEAR(out[1], 50.0 / 27, 1e-15);
  // By name: building reads every sample once, products read none.
  const CurvatureOperator<double> fisher = curvature_at<double>(f, x, Curvature::fisher);
  EXPECT_EQ(fisher.build_sample_gradients, 3);
  EXPECT_EQ(fisher.product_sample_gradients, 0);
  // And in float.
  const testing::CentresSum<float> ff(3, 2);
  const std::vector<float> xf = {1, 1}, vf = {1, -1};
  std::vector<float> outf(2);
  EmpiricalFisher<float>(ff, xf).apply(vf, outf);
  EXPECT_NEAR(outf[0], -8.0 / 27, 1e-6);
  EXPECT_NEAR(outf[1], -28.0 / 27, 1e-6);
  std::vector<double> wrong(3);
  EXPECT_THROW(EmpiricalFisher<double>(f, wrong), MismatchError);
  EXPECT_THROW(F.apply(wrong, out), MismatchError);
}

TEST(Curvature, ACurvatureTheObjectiveLacksIsAMismatchNamingBoth) {
  const Rosenbrock<double> rosenbrock(2);  // Hessian products, but neither a sum of squares nor a finite sum
  const testing::DiagonalQuadratic<double> no_hessian(2, 10);
  const std::vector<double> x = {0, 0};
  EXPECT_TRUE(provides_curvature<double>(rosenbrock, Curvature::hessian));
  EXPECT_FALSE(provides_curvature<double>(rosenbrock, Curvature::gauss_newton));
  EXPECT_FALSE(provides_curvature<double>(rosenbrock, Curvature::fisher));
  const struct {
    const Differentiable<double>* f;
    Curvature curvature;
    const char* message;
  } cases[] = {
      {&rosenbrock, Curvature::gauss_newton,
       "curvature_at: objective 'rosenbrock' does not provide curvature=gauss_newton (sums of squares and "
       "generalized-linear finite sums have it)"},
      {&rosenbrock, Curvature::fisher,
       "curvature_at: objective 'rosenbrock' does not provide curvature=fisher (the empirical Fisher needs a finite "
       "sum's per-sample gradients)"},
      {&no_hessian, Curvature::hessian,
       "curvature_at: objective 'diagonal_quadratic' does not provide curvature=hessian (objectives with "
       "Hessian-vector products have it)"},
  };
  for (const auto& c : cases) {
    try {
      curvature_at<double>(*c.f, x, c.curvature);
      ADD_FAILURE() << "accepted: " << c.message;
    } catch (const MismatchError& e) {
      EXPECT_STREQ(e.what(), c.message);
    }
  }
  try {
    curvature_from_name("newton");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "curvature 'newton' is not one of hessian, gauss_newton, fisher");
  }
}

}  // namespace
}  // namespace descent
