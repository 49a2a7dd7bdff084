#include "descent/analysis/hessian_spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "descent/analysis/hessian_vector_product.hpp"
#include "descent/core/error.hpp"
#include "descent/core/random.hpp"

namespace descent {

const std::vector<Field<HessianSpectrumOptions>>& HessianSpectrumOptions::fields() {
  static const std::vector<Field<HessianSpectrumOptions>> f = {
      {"max_iterations", &HessianSpectrumOptions::max_iterations, Range::at_least(1),
       "Hessian-vector products at most"},
      {"tolerance", &HessianSpectrumOptions::tolerance, Range::non_negative(),
       "stop when |lambda_k - lambda_(k-1)| <= tolerance |lambda_k|"},
      {"step", &HessianSpectrumOptions::step, Range::non_negative(),
       "H v ~ (g(x + step v) - g(x - step v)) / (2 step); 0: cbrt(machine epsilon) max(1, max_i |x_i|)"}};
  return f;
}

void HessianSpectrumOptions::validate() const { descent::validate(*this); }

// The central difference of gradients along a unit v has two errors per component:
// truncation, (h^2 / 6) |d^3 f[v, v, .]|, and rounding, about eps (|g| + ||H|| |x|) / h (the
// gradient is computed to relative accuracy ~eps, and x + h v is itself rounded to within
// eps |x|). Their sum is smallest for h proportional to eps^(1/3). Without estimates of the
// third derivative we take the derivatives to vary on the scale of the parameters, so
// h = eps^(1/3) max(1, ||x||_inf): the 1 keeps h from vanishing at x = 0, and the scale
// keeps h v well above the rounding of x where |x| is large. The relative error of a
// product is then O(eps^(2/3)): about 4e-11 in double and 2e-5 in float.
template <class T>
T finite_difference_step(std::span<const T> x) {
  T scale = 1;
  for (const T xi : x) scale = std::max(scale, std::abs(xi));
  return std::cbrt(std::numeric_limits<T>::epsilon()) * scale;
}

namespace {

template <class T>
double dot(const std::vector<T>& a, const std::vector<T>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return s;
}

}  // namespace

template <class T>
HessianEigenvalue<T> top_hessian_eigenvalue(const Differentiable<T>& f, std::span<const T> x,
                                            const HessianSpectrumOptions& options) {
  options.validate();
  const std::size_t d = f.dimension();
  if (x.size() != d)
    throw MismatchError("top_hessian_eigenvalue: x has " + std::to_string(x.size()) + " elements, the objective '" +
                        f.name() + "' has dimension " + std::to_string(d));
  if (d == 0) throw MismatchError("top_hessian_eigenvalue: the objective '" + f.name() + "' has dimension 0");

  HessianEigenvalue<T> result;
  HessianVectorProduct<T> product(f, x, options.step);
  result.exact = product.exact();
  std::vector<T> v(d), w(d);

  // A Gaussian start has a nonzero component along the top eigenvector with probability 1.
  Random rng(options.seed, Stream::init);
  double start_norm = 0;
  std::vector<double> start(d);
  for (double& s : start) {
    s = rng.normal();
    start_norm += s * s;
  }
  if (start_norm == 0) {  // every draw exactly 0: probability ~2^-53 per coordinate
    start[0] = 1;
    start_norm = 1;
  }
  const double inv_start = 1 / std::sqrt(start_norm);
  for (std::size_t i = 0; i < d; ++i) v[i] = static_cast<T>(start[i] * inv_start);

  double previous = 0;
  for (std::int64_t k = 1; k <= options.max_iterations; ++k) {
    product.apply(v, w);
    result.gradient_calls = product.gradient_calls();
    result.iterations = k;
    const double lambda = dot(v, w) / dot(v, v);
    const double w_squared = dot(w, w);
    if (!std::isfinite(lambda) || !std::isfinite(w_squared)) {
      // A non-finite gradient or product: nothing can be concluded.
      result.eigenvalue = std::numeric_limits<T>::quiet_NaN();
      break;
    }
    result.eigenvalue = static_cast<T>(lambda);
    if (k > 1 && std::abs(lambda - previous) <= options.tolerance * std::abs(lambda)) {
      result.converged = true;
      break;
    }
    if (w_squared == 0) {
      // H v = 0 exactly: v is an eigenvector of eigenvalue 0 and the iteration is at a fixed
      // point. (For a random start this means H = 0, or curvature below the resolution of
      // the finite difference.)
      result.converged = true;
      break;
    }
    previous = lambda;
    if (k == options.max_iterations) break;  // keep v: it is the vector lambda belongs to
    const double inv_norm = 1 / std::sqrt(w_squared);
    for (std::size_t i = 0; i < d; ++i) v[i] = static_cast<T>(w[i] * inv_norm);
  }
  result.eigenvector = std::move(v);
  return result;
}

template float finite_difference_step<float>(std::span<const float>);
template double finite_difference_step<double>(std::span<const double>);
template HessianEigenvalue<float> top_hessian_eigenvalue<float>(const Differentiable<float>&, std::span<const float>,
                                                                const HessianSpectrumOptions&);
template HessianEigenvalue<double> top_hessian_eigenvalue<double>(const Differentiable<double>&,
                                                                  std::span<const double>,
                                                                  const HessianSpectrumOptions&);

}  // namespace descent
