// Centered RMSProp divides by sqrt(s - a^2), an estimate of the gradient's variance that is
// >= 0 in exact arithmetic (s - a^2 = W(1 - W) E[g^2] + W Var(g) for the weights W =
// 1 - alpha^t) but tends to 0 for a steady gradient, where rounding can make it
// negative. A negative rounding residue must count as 0 (the exact value's sign), not
// turn the parameters into NaN.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"

namespace descent::testing {
namespace {

template <class T>
void run_constant_gradient(double g, double alpha, int steps) {
  const TransformPtr t = parse_transform("rmsprop(lr=1e-6, alpha=" + format_number(alpha) + ", eps=1, centered=true)");
  const auto layout = ParameterLayout::flat(1);
  auto state = init_state<T>(*t, layout);
  AlignedBuffer<T> p(1, T(0)), d(1);
  for (int k = 0; k < steps; ++k) {
    d[0] = static_cast<T>(g);
    apply<T>(*t, state, d.span(), p.span(), layout);
    ASSERT_TRUE(std::isfinite(static_cast<double>(p[0]))) << "step " << k + 1;
  }
  // With eps = 1 the step is lr * g / (sqrt(s - a^2) + 1) in (0, lr * g]: after `steps`
  // steps p lies in [-steps * lr * g, 0).
  EXPECT_LT(p[0], T(0));
  EXPECT_GE(static_cast<double>(p[0]), -steps * 1e-6 * g * (1 + 1e-5));
}

// In double, g = 3.7 with alpha = 0.9 makes the computed s - a^2 negative at step 331.
TEST(RmspropCentered, SteadyGradientNeverGivesNan) {
  run_constant_gradient<double>(3.7, 0.9, 400);
  run_constant_gradient<double>(1e-3, 0.99, 3500);
  run_constant_gradient<float>(3.7, 0.9, 400);
}

}  // namespace
}  // namespace descent::testing
