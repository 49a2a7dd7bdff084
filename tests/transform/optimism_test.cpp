// Optimism turns the divergent simultaneous gradient descent-ascent on the bilinear game
// min_x max_y x y into a convergent iteration (Daskalakis et al. 2018, Section 3). In complex
// form w = x + i y the game's vector field F(x, y) = (y, -x) is -i w, so
//   GDA:  w_{t+1} = (1 + i eta) w_t,          |w_t| = (1 + eta^2)^{t/2} |w_0|, growing;
//   OGD:  w_{t+1} = w_t + 2 i eta w_t - i eta w_{t-1},  w_1 = (1 + 2 i eta) w_0 (no hint at t = 1),
// a linear recurrence whose solution is c1 l1^t + c2 l2^t with l the roots of
// l^2 - (1 + 2 i eta) l + i eta = 0, both inside the unit circle for small eta. The test
// runs descent's chain(sgd(lr=eta), optimism) on the vector field and compares every iterate
// with that closed form.
#include <gtest/gtest.h>

#include <complex>

#include "descent/core/aligned_buffer.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"

namespace descent::testing {
namespace {

using Complex = std::complex<double>;

// Runs `spec` for `steps` steps on the field (y, -x) from (1, 0.5); the iterates as w.
std::vector<Complex> play(const std::string& spec, int steps) {
  const TransformPtr t = parse_transform(spec);
  const ParameterLayout layout = ParameterLayout::flat(2);
  auto state = init_state<double>(*t, layout);
  AlignedBuffer<double> z(2), d(2);
  z[0] = 1.0;
  z[1] = 0.5;
  std::vector<Complex> out{{z[0], z[1]}};
  for (int k = 0; k < steps; ++k) {
    d[0] = z[1];   // d/dx of x y
    d[1] = -z[0];  // minus d/dy: the max player ascends
    apply<double>(*t, state, d.span(), z.span(), layout);
    out.emplace_back(z[0], z[1]);
  }
  return out;
}

TEST(Optimism, GradientDescentAscentSpiralsOutAtItsClosedFormRate) {
  const double eta = 0.1;
  const auto w = play("sgd(lr=0.1)", 200);
  for (std::size_t t = 0; t < w.size(); t += 50) {
    const double expected = std::pow(1 + eta * eta, t / 2.0) * std::abs(w[0]);
    // Each step is one rounding of a product and a sum: relative error <= ~4 eps per step.
    EXPECT_NEAR(std::abs(w[t]), expected, 1e-13 * static_cast<double>(t + 1) * expected) << t;
  }
  EXPECT_GT(std::abs(w.back()), 2.5 * std::abs(w[0]));  // (1.01)^100 = 2.7
}

TEST(Optimism, OptimisticGradientDescentFollowsItsRecurrenceAndConverges) {
  const double eta = 0.1;
  const auto w = play("chain(sgd(lr=0.1), optimism)", 400);
  const Complex i(0, 1);
  const Complex b = 1.0 + 2.0 * i * eta, c = i * eta;  // l^2 - b l + c = 0
  const Complex root = std::sqrt(b * b - 4.0 * c);
  const Complex l1 = (b + root) / 2.0, l2 = (b - root) / 2.0;
  ASSERT_LT(std::abs(l1), 1.0);
  ASSERT_LT(std::abs(l2), 1.0);
  // w_0 = c1 + c2, w_1 = c1 l1 + c2 l2.
  const Complex w0 = w[0], w1 = (1.0 + 2.0 * i * eta) * w0;
  const Complex c2 = (w1 - l1 * w0) / (l2 - l1), c1 = w0 - c2;
  for (std::size_t t = 0; t < w.size(); ++t) {
    const Complex expected = c1 * std::pow(l1, static_cast<double>(t)) + c2 * std::pow(l2, static_cast<double>(t));
    // The recurrence is contracting, so rounding errors (a few eps per step, relative to
    // |w_0| ~ 1) do not grow: 1e-13 absolute leaves a wide margin over 400 steps.
    EXPECT_NEAR(w[t].real(), expected.real(), 1e-13) << t;
    EXPECT_NEAR(w[t].imag(), expected.imag(), 1e-13) << t;
  }
  const double rho = std::max(std::abs(l1), std::abs(l2));
  EXPECT_LT(std::abs(w.back()), 2 * (std::abs(c1) + std::abs(c2)) * std::pow(rho, 400.0));
  EXPECT_LT(std::abs(w.back()), 0.3 * std::abs(w[0]));  // rho^400 ~ exp(-400 eta^2 / 2) = 0.14
}

TEST(Optimism, StrengthZeroIsTheOptimizerAlone) {
  const auto with = play("chain(adam(lr=0.01), optimism(strength=0))", 30);
  const auto without = play("adam(lr=0.01)", 30);
  for (std::size_t t = 0; t < with.size(); ++t) EXPECT_EQ(with[t], without[t]) << t;
}

}  // namespace
}  // namespace descent::testing

namespace descent::testing {
namespace {

TEST(Optimism, BeforeExponentiatedGradientIsOptimisticMirrorDescentOnTheSimplex) {
  // Optimistic online mirror descent with the entropy (Rakhlin & Sridharan 2013) keeps two
  // sequences on the simplex, y_t = y_{t-1} e^{-eta g_t} / Z and x_{t+1} = y_t e^{-eta g_t} / Z'
  // (the last gradient as the hint); in log space log x_{t+1} = log x_t - eta (2 g_t - g_{t-1})
  // + const, which is exponentiated gradient fed 2 g_t - g_{t-1}: chain(optimism,
  // exponentiated_gradient(simplex=true)). Checked against the two-sequence form on a linear
  // loss whose gradient changes every step; each step is a few roundings of an exp and a sum, so
  // 1e-13 over 30 steps.
  const double eta = 0.3;
  const std::size_t n = 4;
  const TransformPtr t = parse_transform("chain(optimism, exponentiated_gradient(lr=0.3, simplex=true))");
  const ParameterLayout layout = ParameterLayout::flat(n);
  auto state = init_state<double>(*t, layout);
  AlignedBuffer<double> x(n, 0.25), d(n);
  std::vector<double> y(n, 0.25);
  for (int k = 1; k <= 30; ++k) {
    std::vector<double> g(n);
    for (std::size_t i = 0; i < n; ++i) g[i] = std::sin(0.7 * k + 1.3 * static_cast<double>(i));
    for (std::size_t i = 0; i < n; ++i) d[i] = g[i];
    apply<double>(*t, state, d.span(), x.span(), layout);
    // The two-sequence reference: y from its own past, x_{t+1} from y_t with the hint g_t. At
    // the first step the hint before it is 0, as optimism's u_0 = 0.
    double zy = 0, zx = 0;
    std::vector<double> next_x(n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] *= std::exp(-eta * g[i]);
      zy += y[i];
    }
    for (std::size_t i = 0; i < n; ++i) y[i] /= zy;
    for (std::size_t i = 0; i < n; ++i) {
      next_x[i] = y[i] * std::exp(-eta * g[i]);
      zx += next_x[i];
    }
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(x[i], next_x[i] / zx, 1e-13) << "step " << k << " i " << i;
  }
}

}  // namespace
}  // namespace descent::testing
