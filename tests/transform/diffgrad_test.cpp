// diffGrad (Dubey et al., IEEE TNNLS 2020): its update on a tiny problem against the
// paper's formula written out by hand, and the property the friction coefficient promises:
// with the same gradients, diffGrad's step is Adam's step times xi = 1 / (1 + exp(-|g_prev -
// g|)) in [1/2, 1), exactly half of it where the gradient did not change. Convergence on a
// convex quadratic and on Rosenbrock is in convergence_test.cpp; parity with torch-optimizer's
// DiffGrad in torch_parity_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/diffgrad.hpp"

namespace descent::testing {
namespace {

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// One update (parameters only read) of `transform` on direction g.
std::vector<double> update_of(const Transform& transform, TransformState<double>& state, std::vector<double> g,
                              const std::vector<double>& p) {
  update<double>(transform, state, std::span<double>(g), std::span<const double>(p), ParameterLayout::flat(g.size()));
  return g;
}

TEST(DiffGrad, TwoStepsFollowThePaperFormula) {
  // lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, g1 = (0.5, -2), g2 = (0.5, 1).
  const auto transform = diffgrad({.lr = constant(0.1), .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8});
  auto state = init_state<double>(*transform, ParameterLayout::flat(2));
  const std::vector<double> p = {1.0, -1.0};
  const std::vector<double> u1 = update_of(*transform, state, {0.5, -2.0}, p);
  const std::vector<double> u2 = update_of(*transform, state, {0.5, 1.0}, p);

  // Step 1: m = 0.1 g, v = 0.001 g^2, m_hat = g, sqrt(v_hat) = |g|, xi = sigmoid(|0 - g|).
  const double expected1[2] = {-0.1 * sigmoid(0.5) * 0.5 / (0.5 + 1e-8), -0.1 * sigmoid(2.0) * -2.0 / (2.0 + 1e-8)};
  // Step 2: m = 0.09 g1 + 0.1 g2, v = 0.000999 g1^2 + 0.001 g2^2, bias corrections 1 - 0.9^2 = 0.19 and
  // 1 - 0.999^2 = 0.001999; xi = sigmoid(|g1 - g2|) = sigmoid(0) = 1/2 and sigmoid(3).
  const double m2[2] = {0.09 * 0.5 + 0.1 * 0.5, 0.09 * -2.0 + 0.1 * 1.0};
  const double v2[2] = {0.000999 * 0.25 + 0.001 * 0.25, 0.000999 * 4.0 + 0.001 * 1.0};
  const double xi2[2] = {0.5, sigmoid(3.0)};
  // About a dozen roundings on each side, none cancelling (m2[1] = -0.08 is a difference of
  // -0.18 and 0.1: its rounding is at most u * 0.18 / 0.08 = 2.25 u relative): 64 eps is ample.
  const double bound = 64 * std::numeric_limits<double>::epsilon();
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(u1[i], expected1[i], bound * std::abs(expected1[i])) << i;
    const double expected2 = -0.1 * xi2[i] * (m2[i] / 0.19) / (std::sqrt(v2[i] / 0.001999) + 1e-8);
    EXPECT_NEAR(u2[i], expected2, bound * std::abs(expected2)) << i;
  }
  // The state keeps the previous gradient, which the next friction needs.
  EXPECT_EQ(state.slot_names[2], "previous_grad");
  EXPECT_EQ(state.slots[2][0], 0.5);
  EXPECT_EQ(state.slots[2][1], 1.0);
}

// The moments do not depend on xi, so fed the same gradients, diffGrad's update is Adam's
// times xi, coordinate by coordinate: xi = 1/2 exactly (a power of two, so the products agree
// bitwise) where the gradient repeats, and sigmoid(|g_prev - g|) in (1/2, 1) elsewhere.
TEST(DiffGrad, StepIsAdamsStepScaledByTheFriction) {
  const AdamOptions adam_options{.lr = constant(0.05), .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-7};
  const auto dg = diffgrad({.lr = constant(0.05), .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-7});
  const auto reference = adam(adam_options);
  const std::size_t n = 5;
  auto dg_state = init_state<double>(*dg, ParameterLayout::flat(n));
  auto adam_state = init_state<double>(*reference, ParameterLayout::flat(n));
  const std::vector<double> p(n, 0.0);
  std::vector<double> previous(n, 0.0);
  for (int t = 1; t <= 20; ++t) {
    // Coordinate 0 repeats its gradient from step 1 on; the others move, some by a lot.
    std::vector<double> g(n);
    g[0] = 0.7;
    for (std::size_t i = 1; i < n; ++i) g[i] = std::sin(1.7 * double(i) * t) * (1.0 + double(i));
    const std::vector<double> u = update_of(*dg, dg_state, g, p);
    const std::vector<double> a = update_of(*reference, adam_state, g, p);
    for (std::size_t i = 0; i < n; ++i) {
      const double xi = sigmoid(std::abs(previous[i] - g[i]));
      if (t > 1 && i == 0) {
        EXPECT_EQ(u[i], 0.5 * a[i]) << "step " << t;
      } else {
        // Both are the same few roundings apart from the product by xi (and xi's own
        // rounding, damped by its slope <= 1/4): 8 eps relative.
        EXPECT_NEAR(u[i], xi * a[i], 8 * std::numeric_limits<double>::epsilon() * std::abs(a[i]))
            << "step " << t << ", coordinate " << i;
      }
      EXPECT_GE(std::abs(u[i]), 0.5 * std::abs(a[i]));
      EXPECT_LT(std::abs(u[i]), std::abs(a[i]));
    }
    previous = g;
  }
}

}  // namespace
}  // namespace descent::testing
