#include "descent/objective/quadratic.hpp"

#include <algorithm>
#include <cmath>

#include "descent/core/size_check.hpp"
#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "ordered_dot.hpp"

namespace descent {

void QuadraticOptions::validate() const {
  require(dimension >= 1, kName, "dimension", static_cast<double>(dimension), "dimension >= 1");
  require(std::isfinite(condition_number) && condition_number >= 1, kName, "condition_number", condition_number,
          "1 <= condition_number < inf");
  require(std::isfinite(mu) && mu > 0, kName, "mu", mu, "0 < mu < inf");
  require(std::isfinite(mu * condition_number), kName, "mu", mu, "mu * condition_number < inf");
  // One eigenvalue cannot span a ratio L / mu > 1.
  require(dimension > 1 || condition_number == 1, kName, "condition_number", condition_number,
          "condition_number = 1 when dimension = 1");
}

template <class T>
Quadratic<T>::Quadratic(QuadraticOptions options) : options_(options) {
  options_.validate();
  const std::size_t d = options_.dimension;
  // Spectrum in double, rounded once to T, so that float and double problems agree to
  // float precision. The ends are set exactly: mu and L are what callers asked for.
  eigenvalues_.resize(d);
  const double log_kappa = std::log(options_.condition_number);
  for (std::size_t i = 0; i < d; ++i) {
    const double fraction = d == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(d - 1);
    eigenvalues_[i] = static_cast<T>(options_.mu * std::exp(log_kappa * fraction));
  }
  eigenvalues_.front() = static_cast<T>(options_.mu);
  eigenvalues_.back() = static_cast<T>(options_.mu * options_.condition_number);

  if (options_.rotate) {
    Random rng(options_.seed, Stream::data);
    std::vector<double> u(d);
    double norm_squared = 0;
    for (double& ui : u) {
      ui = rng.normal();
      norm_squared += ui * ui;
    }
    // u = 0 happens with probability ~2^-53 per coordinate; e_0 is as good a mirror.
    if (norm_squared == 0) {
      u[0] = 1;
      norm_squared = 1;
    }
    const double inv_norm = 1 / std::sqrt(norm_squared);
    direction_.resize(d);
    for (std::size_t i = 0; i < d; ++i) direction_[i] = static_cast<T>(u[i] * inv_norm);
  }
}

template <class T>
void Quadratic<T>::check_point(std::span<const T> x) const {
  detail::require_size(*this, "x", x.size(), dimension());
}

template <class T>
void Quadratic<T>::reflect(std::span<T> y) const {
  if (direction_.empty()) return;
  // H y = y - 2 (u . y) u for a unit u.
  const T twice_projection = static_cast<T>(2 * detail::ordered_dot(direction_.data(), y.data(), y.size()));
  const T* u = direction_.data();
  T* out = y.data();
  for (std::size_t i = 0; i < y.size(); ++i) out[i] -= twice_projection * u[i];
}

template <class T>
T Quadratic<T>::value(std::span<const T> x) const {
  check_point(x);
  // Same arithmetic as value_and_gradient (w = H (x - x*), f = 1/2 sum lambda_i w_i^2),
  // but w_i is recomputed on the fly instead of being stored.
  const std::size_t d = dimension();
  T twice_projection = 0;
  if (!direction_.empty()) {
    const T* u = direction_.data();
    const double projection = detail::ordered_sum(
        d, [&](std::size_t i) { return static_cast<double>(u[i]) * static_cast<double>(x[i] - T{1}); });
    twice_projection = static_cast<T>(2 * projection);
  }
  double sum = 0;
  for (std::size_t i = 0; i < d; ++i) {
    T w = x[i] - T{1};
    if (!direction_.empty()) w -= twice_projection * direction_[i];
    sum += static_cast<double>(eigenvalues_[i]) * static_cast<double>(w) * static_cast<double>(w);
  }
  return static_cast<T>(sum / 2);
}

template <class T>
T Quadratic<T>::value_and_gradient(std::span<const T> x, std::span<T> gradient) const {
  check_point(x);
  detail::require_size(*this, "gradient", gradient.size(), dimension());
  // The gradient buffer doubles as the work vector, so nothing is allocated:
  // g <- x - x*, g <- H g (= w), f = 1/2 sum lambda_i w_i^2, g <- H D w.
  const std::size_t d = dimension();
  for (std::size_t i = 0; i < d; ++i) gradient[i] = x[i] - T{1};
  reflect(gradient);
  double sum = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const T w = gradient[i];
    sum += static_cast<double>(eigenvalues_[i]) * static_cast<double>(w) * static_cast<double>(w);
    gradient[i] = eigenvalues_[i] * w;
  }
  reflect(gradient);
  return static_cast<T>(sum / 2);
}

template <class T>
void Quadratic<T>::hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const {
  check_point(x);
  detail::require_size(*this, "v", v.size(), dimension());
  detail::require_size(*this, "out", out.size(), dimension());
  std::copy(v.begin(), v.end(), out.begin());
  reflect(out);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] *= eigenvalues_[i];
  reflect(out);
}

template <class T>
std::optional<KnownMinimum<T>> Quadratic<T>::known_minimum() const {
  return KnownMinimum<T>{std::vector<T>(dimension(), T{1}), T{0}};
}

template class Quadratic<float>;
template class Quadratic<double>;

}  // namespace descent
