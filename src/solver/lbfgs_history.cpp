#include "descent/solver/lbfgs_history.hpp"

#include <algorithm>

#include "descent/core/error.hpp"
#include "descent/core/vector_ops.hpp"

namespace descent {

template <class T>
LbfgsHistory<T>::LbfgsHistory(std::size_t dimension, std::size_t memory)
    : dimension_(dimension), memory_(memory), rho_(memory), yy_(memory), alpha_(memory) {
  if (memory == 0) throw ConfigError("LbfgsHistory: memory = 0 violates memory >= 1");
  s_.resize(memory * dimension);
  y_.resize(memory * dimension);
}

template <class T>
void LbfgsHistory<T>::push(std::span<const T> s, std::span<const T> y) {
  if (s.size() != dimension_ || y.size() != dimension_)
    throw MismatchError("LbfgsHistory::push: s has " + std::to_string(s.size()) + " and y " + std::to_string(y.size()) +
                        " elements, expected " + std::to_string(dimension_));
  const double sy = dot(s, y);
  if (!(sy > 0)) throw ConfigError("LbfgsHistory::push: s.y = " + format_number(sy) + " violates s.y > 0");
  newest_ = count_ == 0 ? 0 : (newest_ + 1) % memory_;
  count_ = std::min(count_ + 1, memory_);
  std::copy(s.begin(), s.end(), s_.begin() + static_cast<std::ptrdiff_t>(newest_ * dimension_));
  std::copy(y.begin(), y.end(), y_.begin() + static_cast<std::ptrdiff_t>(newest_ * dimension_));
  rho_[newest_] = 1 / sy;
  yy_[newest_] = dot(y, y);
}

template <class T>
double LbfgsHistory<T>::scaling() const {
  if (count_ == 0) return 1;
  return 1 / (rho_[newest_] * yy_[newest_]);  // s.y / y.y
}

template <class T>
void LbfgsHistory<T>::apply(std::span<const T> g, std::span<T> out) const {
  if (g.size() != dimension_ || out.size() != dimension_)
    throw MismatchError("LbfgsHistory::apply: vectors of " + std::to_string(g.size()) + " and " +
                        std::to_string(out.size()) + " elements, expected " + std::to_string(dimension_));
  std::copy(g.begin(), g.end(), out.begin());
  const auto row = [&](const std::vector<T>& m, std::size_t k) {
    return std::span<const T>(m.data() + k * dimension_, dimension_);
  };
  for (std::size_t age = 0; age < count_; ++age) {
    const std::size_t k = slot(age);
    alpha_[k] = rho_[k] * dot(row(s_, k), std::span<const T>(out));
    const T a = static_cast<T>(alpha_[k]);
    const T* y = y_.data() + k * dimension_;
    for (std::size_t i = 0; i < dimension_; ++i) out[i] -= a * y[i];
  }
  const T gamma = static_cast<T>(scaling());
  for (std::size_t i = 0; i < dimension_; ++i) out[i] *= gamma;
  for (std::size_t age = count_; age-- > 0;) {
    const std::size_t k = slot(age);
    const double beta = rho_[k] * dot(row(y_, k), std::span<const T>(out));
    const T c = static_cast<T>(alpha_[k] - beta);
    const T* s = s_.data() + k * dimension_;
    for (std::size_t i = 0; i < dimension_; ++i) out[i] += c * s[i];
  }
}

template class LbfgsHistory<float>;
template class LbfgsHistory<double>;

}  // namespace descent
