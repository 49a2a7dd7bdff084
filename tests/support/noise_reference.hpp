// The Philox noise stream's normals written out with Random, by the recipe add_gaussian_noise
// documents (estimator/dp_sgd.hpp): the reference the private estimators' noise is checked
// against, independent of its vectorized implementation.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "descent/core/random.hpp"

namespace descent::testing {

// Standard normals number 0 .. count - 1 from `position` of the noise stream of `seed`: pair
// m reads the four draws at position + 4 m (u1 = uniform_open_zero(), u2 = uniform()) and
// gives r cos(2 pi u2), r sin(2 pi u2) with r = sqrt(-2 ln u1).
inline std::vector<double> stream_normals(std::uint64_t seed, std::uint64_t position, std::size_t count) {
  Random r(seed, Stream::noise);
  std::vector<double> z;
  for (std::size_t m = 0; z.size() < count; ++m) {
    r.seek(position + 4 * m);
    const double u1 = r.uniform_open_zero();
    const double u2 = r.uniform();
    const double radius = std::sqrt(-2 * std::log(u1));
    z.push_back(radius * std::cos(2 * std::numbers::pi * u2));
    if (z.size() < count) z.push_back(radius * std::sin(2 * std::numbers::pi * u2));
  }
  return z;
}

}  // namespace descent::testing
