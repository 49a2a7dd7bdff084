#include "descent/solver/conjugate_directions.hpp"

#include <cmath>
#include <deque>

#include "linear_system.hpp"
#include "vector_arithmetic.hpp"

namespace descent {

const std::vector<Field<ConjugateDirectionsOptions>>& ConjugateDirectionsOptions::fields() {
  using O = ConjugateDirectionsOptions;
  static const std::vector<Field<O>> f = {
      {"tolerance", &O::tolerance, Range::non_negative(), "stop when ||r|| <= tolerance ||b||"},
      {"max_iterations", &O::max_iterations, Range::at_least(0), "updates of x"},
      {"window", &O::window, Range::at_least(0), "earlier directions each new one is made A-conjugate to"}};
  return f;
}

void ConjugateDirectionsOptions::validate() const { descent::validate(*this); }

namespace {

// One earlier direction with what the Gram-Schmidt step needs of it.
template <class T>
struct Conjugate {
  std::vector<T> d, Ad;
  double curvature = 0;  // d^T A d
};

}  // namespace

template <class T>
ConjugateGradientResult conjugate_directions(const LinearOperator<T>& A, std::span<const T> b, std::span<T> x,
                                             const DirectionMap<T>& direction,
                                             const ConjugateDirectionsOptions& options) {
  using namespace solver_detail;
  options.validate();
  check_system<T>("conjugate_directions", A, b, x, nullptr);
  if (!direction) throw MismatchError("conjugate_directions: no direction map given");
  const std::size_t n = b.size();
  const auto window = static_cast<std::size_t>(options.window);
  ConjugateGradientResult result;
  std::vector<T> r(n), d(n), Ad(n);
  std::deque<Conjugate<T>> earlier;  // oldest first
  initial_residual<T>(A, b, x, r, result.operator_products);
  const double target = options.tolerance * norm<T>(b);
  double r_norm = norm<T>(r);
  result.residual_norms.push_back(r_norm);
  auto finish = [&](CgTermination t) {
    result.termination = t;
    return result;
  };
  if (!std::isfinite(r_norm)) return finish(CgTermination::non_finite);
  if (r_norm <= target) return finish(CgTermination::converged);
  for (std::int64_t k = 0; k < options.max_iterations; ++k) {
    direction(r, d);
    if (!all_finite<T>(d)) return finish(CgTermination::non_finite);
    A.apply(d, Ad);
    ++result.operator_products;
    for (const Conjugate<T>& c : earlier) {
      const double coefficient = dot<T>(c.Ad, d) / c.curvature;
      axpy<T>(-coefficient, c.d, d);
      axpy<T>(-coefficient, c.Ad, Ad);
    }
    const double curvature = dot<T>(d, Ad);
    if (!std::isfinite(curvature)) return finish(CgTermination::non_finite);
    if (curvature <= 0) return finish(CgTermination::non_positive_curvature);
    const double alpha = dot<T>(r, d) / curvature;
    if (!std::isfinite(alpha)) return finish(CgTermination::non_finite);
    axpy<T>(alpha, d, x);
    axpy<T>(-alpha, Ad, r);
    ++result.iterations;
    if (window > 0) {
      // The oldest entry's storage is reused once the window is full.
      Conjugate<T> entry;
      if (earlier.size() == window) {
        entry = std::move(earlier.front());
        earlier.pop_front();
      }
      entry.d.assign(d.begin(), d.end());
      entry.Ad.assign(Ad.begin(), Ad.end());
      entry.curvature = curvature;
      earlier.push_back(std::move(entry));
    }
    r_norm = norm<T>(r);
    result.residual_norms.push_back(r_norm);
    if (!std::isfinite(r_norm)) return finish(CgTermination::non_finite);
    if (r_norm <= target) return finish(CgTermination::converged);
  }
  return finish(CgTermination::max_iterations);
}

template ConjugateGradientResult conjugate_directions<float>(const LinearOperator<float>&, std::span<const float>,
                                                             std::span<float>, const DirectionMap<float>&,
                                                             const ConjugateDirectionsOptions&);
template ConjugateGradientResult conjugate_directions<double>(const LinearOperator<double>&, std::span<const double>,
                                                              std::span<double>, const DirectionMap<double>&,
                                                              const ConjugateDirectionsOptions&);

}  // namespace descent
