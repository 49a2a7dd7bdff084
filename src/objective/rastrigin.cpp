#include "descent/objective/rastrigin.hpp"

#include <cmath>
#include <numbers>

#include "descent/core/size_check.hpp"
#include "descent/core/error.hpp"

namespace descent {

namespace {
template <class T>
constexpr T kPi = std::numbers::pi_v<T>;
}  // namespace

template <class T>
Rastrigin<T>::Rastrigin(std::size_t dimension) : dimension_(dimension) {
  require(dimension >= 1, "Rastrigin", "dimension", static_cast<double>(dimension), "dimension >= 1");
}

template <class T>
T Rastrigin<T>::value(std::span<const T> x) const {
  detail::require_size(*this, "x", x.size(), dimension_);
  double sum = 0;
  for (std::size_t i = 0; i < dimension_; ++i) {
    const T s = std::sin(kPi<T> * x[i]);
    sum += static_cast<double>(x[i] * x[i] + T{20} * s * s);
  }
  return static_cast<T>(sum);
}

template <class T>
T Rastrigin<T>::value_and_gradient(std::span<const T> x, std::span<T> gradient) const {
  detail::require_size(*this, "x", x.size(), dimension_);
  detail::require_size(*this, "gradient", gradient.size(), dimension_);
  double sum = 0;
  for (std::size_t i = 0; i < dimension_; ++i) {
    const T s = std::sin(kPi<T> * x[i]);
    const T c = std::cos(kPi<T> * x[i]);
    sum += static_cast<double>(x[i] * x[i] + T{20} * s * s);
    // d/dx [x^2 + 20 sin^2(pi x)] = 2 x + 40 pi sin(pi x) cos(pi x) = 2 x + 20 pi sin(2 pi x).
    gradient[i] = T{2} * x[i] + T{40} * kPi<T> * s * c;
  }
  return static_cast<T>(sum);
}

template <class T>
void Rastrigin<T>::hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const {
  detail::require_size(*this, "x", x.size(), dimension_);
  detail::require_size(*this, "v", v.size(), dimension_);
  detail::require_size(*this, "out", out.size(), dimension_);
  for (std::size_t i = 0; i < dimension_; ++i)
    out[i] = (T{2} + T{40} * kPi<T> * kPi<T> * std::cos(T{2} * kPi<T> * x[i])) * v[i];
}

template <class T>
std::optional<T> Rastrigin<T>::smoothness() const {
  // |f''(t)| = |2 + 40 pi^2 cos(2 pi t)| <= 2 + 40 pi^2, attained at integers.
  return static_cast<T>(2 + 40 * std::numbers::pi * std::numbers::pi);
}

template <class T>
std::optional<KnownMinimum<T>> Rastrigin<T>::known_minimum() const {
  return KnownMinimum<T>{std::vector<T>(dimension_, T{0}), T{0}};
}

template class Rastrigin<float>;
template class Rastrigin<double>;

}  // namespace descent
