#include "descent/objective/rosenbrock.hpp"

#include <algorithm>

#include "descent/core/size_check.hpp"
#include "descent/core/error.hpp"

namespace descent {

template <class T>
Rosenbrock<T>::Rosenbrock(std::size_t dimension) : dimension_(dimension) {
  require(dimension >= 2, "Rosenbrock", "dimension", static_cast<double>(dimension), "dimension >= 2");
}

template <class T>
T Rosenbrock<T>::value(std::span<const T> x) const {
  detail::require_size(*this, "x", x.size(), dimension_);
  // Terms in T, their sum in double: every term is >= 0, so the sum has no cancellation
  // and its relative error stays at the level of one term's.
  double sum = 0;
  for (std::size_t i = 0; i + 1 < dimension_; ++i) {
    const T valley = x[i + 1] - x[i] * x[i];
    const T offset = T{1} - x[i];
    sum += static_cast<double>(T{100} * valley * valley + offset * offset);
  }
  return static_cast<T>(sum);
}

template <class T>
T Rosenbrock<T>::value_and_gradient(std::span<const T> x, std::span<T> gradient) const {
  detail::require_size(*this, "x", x.size(), dimension_);
  detail::require_size(*this, "gradient", gradient.size(), dimension_);
  std::fill(gradient.begin(), gradient.end(), T{0});
  double sum = 0;
  for (std::size_t i = 0; i + 1 < dimension_; ++i) {
    const T valley = x[i + 1] - x[i] * x[i];
    const T offset = T{1} - x[i];
    sum += static_cast<double>(T{100} * valley * valley + offset * offset);
    // d/dx_i [100 t^2 + (1 - x_i)^2] = -400 x_i t - 2 (1 - x_i);  d/dx_{i+1} = 200 t.
    gradient[i] += T{-400} * x[i] * valley - T{2} * offset;
    gradient[i + 1] += T{200} * valley;
  }
  return static_cast<T>(sum);
}

template <class T>
void Rosenbrock<T>::hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const {
  detail::require_size(*this, "x", x.size(), dimension_);
  detail::require_size(*this, "v", v.size(), dimension_);
  detail::require_size(*this, "out", out.size(), dimension_);
  std::fill(out.begin(), out.end(), T{0});
  for (std::size_t i = 0; i + 1 < dimension_; ++i) {
    // The 2 x 2 Hessian block of term i on coordinates (i, i+1).
    const T diagonal = T{1200} * x[i] * x[i] - T{400} * x[i + 1] + T{2};
    const T off_diagonal = T{-400} * x[i];
    out[i] += diagonal * v[i] + off_diagonal * v[i + 1];
    out[i + 1] += off_diagonal * v[i] + T{200} * v[i + 1];
  }
}

template <class T>
std::optional<KnownMinimum<T>> Rosenbrock<T>::known_minimum() const {
  return KnownMinimum<T>{std::vector<T>(dimension_, T{1}), T{0}};
}

template class Rosenbrock<float>;
template class Rosenbrock<double>;

}  // namespace descent
