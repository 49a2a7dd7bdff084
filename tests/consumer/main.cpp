// Uses an installed descent with nothing but its headers and descent::descent. The part
// between the readme-example markers is, verbatim, the C++ example of README.md (the
// CTest readme_example_in_sync checks that), so the README's code always compiles.

// [readme-example begin]
#include <algorithm>
#include <span>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"

// Runs `steps` updates of clipped Adam on f(x) = 1/2 ||x||^2 (gradient x, minimum 0).
std::vector<double> minimize_half_squared_norm(const std::vector<double>& start, int steps) {
  using namespace descent;
  auto x = Parameters<double>::from(start);
  TransformPtr optimizer = chain(clip_by_global_norm(1.0), adam({.lr = constant(0.1)}));
  TransformState<double> state = init_state<double>(*optimizer, x.layout());
  std::vector<double> gradient(x.size());
  for (int step = 0; step < steps; ++step) {
    std::copy(x.flat().begin(), x.flat().end(), gradient.begin());                // gradient of f at x
    apply(*optimizer, state, std::span<double>(gradient), x.flat(), x.layout());  // x <- x + update
  }
  return {x.flat().begin(), x.flat().end()};
}
// [readme-example end]

#include <cmath>
#include <cstdio>

namespace {

double half_squared_norm(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v;
  return 0.5 * sum;
}

}  // namespace

int main() {
  const std::vector<double> start{3.0, -2.0, 1.0, 0.5};
  const double lr = 0.1;  // the lr of minimize_half_squared_norm

  // Adam's first update is exactly -lr * g / (|g| + eps) per coordinate (m_hat = g,
  // sqrt(v_hat) = |g|), and clipping only rescales g, which that ratio ignores: every
  // coordinate moves lr towards 0. eps = 1e-8 shifts it by lr * eps / |g| < 1e-8, since
  // the smallest clipped |g| is 0.5 / ||start|| > 0.13; rounding is far below that.
  const std::vector<double> one = minimize_half_squared_norm(start, 1);
  for (std::size_t i = 0; i < start.size(); ++i) {
    const double expected = start[i] - std::copysign(lr, start[i]);
    if (!(std::abs(one[i] - expected) <= 1e-8)) {
      std::printf("FAIL: after one step x[%zu] = %.17g, expected %.17g\n", i, one[i], expected);
      return 1;
    }
  }

  // 100 steps of at most about lr each reach the neighbourhood of 0 from ||start|| = 3.8;
  // any working descent lowers f, while a wrong sign, a no-op or a NaN does not.
  const double f_start = half_squared_norm(start);
  const double f_end = half_squared_norm(minimize_half_squared_norm(start, 100));
  std::printf("f(x) went from %g to %g in 100 steps\n", f_start, f_end);
  if (!(f_end < f_start)) {
    std::printf("FAIL: f did not decrease\n");
    return 1;
  }
  return 0;
}
