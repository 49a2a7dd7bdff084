// Finite-difference checks of an objective's analytic gradient and Hessian-vector
// product. Every built-in objective passes them in the tests, and a new objective should
// too before anything is optimized with it.
//
// Error model. The central difference D(h) = (f(x + h e_i) - f(x - h e_i)) / 2h has
//   truncation error  D(h) - g_i = h^2 f'''(x)/6 + O(h^4)            (Taylor expansion),
//   rounding error    |D(h) - D_exact(h)| <= 2 delta / 2h = delta / h (delta: the absolute
//                     error of one computed value of f, a few eps |f| for a careful
//                     evaluation, eps = machine epsilon of T).
// Their sum h^2 |f'''|/6 + c eps F / h is smallest at h ~ (eps F / |f'''|)^(1/3), where both
// terms are ~ eps^(2/3): the default step is therefore h_i = cbrt(eps) max(1, |x_i|)
// (relative for large |x_i|, absolute near 0), and a correct gradient agrees with D(h)
// to about eps^(2/3) relative (~4e-11 in double, ~2e-5 in float: check in double).
//
// Rather than guess f''' and delta, the checker estimates both terms at each coordinate:
//   tau_i = |D(2h) - D(h)| / 3          truncation: D(2h) - D(h) = 3 h^2 f'''/6 + O(h^4);
//   rho_i = 8 eps F / (2h)              rounding, with delta = 4 eps F and
//                                       F = max|f| over the probes + sum_j |g_j| max(1, |x_j|),
//                                       the size of f plus its sensitivity to relative
//                                       perturbations eps of the inputs;
// and accepts coordinate i when
//   |analytic_i - D_i(h)| <= atol + rtol max(|analytic_i|, |D_i(h)|) + 2 (tau_i + rho_i).
// A wrong gradient is off by O(1) relative, six or more orders above this in double.
// An objective whose value is a sum of large terms that cancel (so that its rounding
// error is far above eps |f|) needs a larger atol.
//
// The Hessian-vector check differentiates the gradient along v in the same way:
// (g(x + h v) - g(x - h v)) / 2h with h = step max(1, ||x||_inf) / ||v||_inf, and the
// analytic product is taken along the direction actually probed, (x+ - x-) / 2h, which
// differs from v by the rounding of x +- h v.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <type_traits>

#include "descent/objective/objective.hpp"

namespace descent {

template <class T>
struct GradientCheckOptions {
  static constexpr const char* kName = "GradientCheckOptions";
  // Relative step: h_i = step * max(1, |x_i|); 0 < step < inf. cbrt(eps) balances the
  // h^2 truncation and eps / h rounding errors (see above).
  T step = std::cbrt(std::numeric_limits<T>::epsilon());
  // Relative tolerance on top of the estimated error, >= 0: the accuracy a central
  // difference reaches at the balanced step, eps^(2/3).
  T rtol = std::cbrt(std::numeric_limits<T>::epsilon() * std::numeric_limits<T>::epsilon());
  // Absolute tolerance, >= 0 (raise it for values computed with heavy cancellation).
  T atol = 0;
  // Gradient check only: compare at most this many coordinates, evenly spaced over
  // 0..d-1 and including both ends (each costs 4 evaluations of f); 0 = all.
  std::size_t max_coordinates = 0;

  // Throws ConfigError "GradientCheckOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

struct GradientCheckResult {
  double max_abs_error = 0;     // max over compared i of |analytic_i - numeric_i|
  double max_rel_error = 0;     // max of |analytic_i - numeric_i| / max(|analytic_i|, |numeric_i|)
  std::size_t worst_index = 0;  // the coordinate whose error is largest relative to its tolerance
  double analytic = 0;          // analytic derivative at worst_index
  double numeric = 0;           // central difference D(h) at worst_index
  double tolerance = 0;         // the tolerance at worst_index
  std::size_t checked = 0;      // coordinates compared
  bool ok = true;               // every compared coordinate is within its tolerance

  // "gradient check passed: ..." or "coordinate 3: analytic 1.5, numeric 1.2, |error| 0.3
  // exceeds tolerance 1e-08", for test failure messages.
  std::string describe() const;
};

// Compares f.value_and_gradient(x) with central differences of f.value().
// Throws MismatchError when x.size() != f.dimension(), ConfigError on bad options.
template <class T>
GradientCheckResult check_gradient(const Differentiable<T>& f, std::type_identity_t<std::span<const T>> x,
                                   const GradientCheckOptions<T>& options = {});

// Compares f.hessian_vector(x, v) with central differences of the gradient along v.
// Throws MismatchError when f has no Hessian-vector product or a size differs.
template <class T>
GradientCheckResult check_hessian_vector(const Differentiable<T>& f, std::type_identity_t<std::span<const T>> x,
                                         std::type_identity_t<std::span<const T>> v,
                                         const GradientCheckOptions<T>& options = {});

}  // namespace descent
