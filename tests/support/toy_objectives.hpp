// Small objectives written inside the tests, so that loop tests do not depend on the
// library's built-in objectives (which have tests of their own).
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include "descent/objective/objective.hpp"

namespace descent::testing {

// f(x) = 1/2 sum_i lambda_i (x_i - 1)^2 with lambda_i spread over [1, kappa].
template <class T>
class DiagonalQuadratic : public Differentiable<T> {
 public:
  DiagonalQuadratic(std::size_t n, double kappa) : lambda_(n) {
    for (std::size_t i = 0; i < n; ++i)
      lambda_[i] = static_cast<T>(n == 1 ? 1.0 : 1.0 + (kappa - 1.0) * double(i) / double(n - 1));
  }
  std::string name() const override { return "diagonal_quadratic"; }
  std::size_t dimension() const override { return lambda_.size(); }
  T value(std::span<const T> x) const override {
    T f = 0;
    for (std::size_t i = 0; i < x.size(); ++i) f += T(0.5) * lambda_[i] * (x[i] - 1) * (x[i] - 1);
    return f;
  }
  T value_and_gradient(std::span<const T> x, std::span<T> g) const override {
    for (std::size_t i = 0; i < x.size(); ++i) g[i] = lambda_[i] * (x[i] - 1);
    return value(x);
  }
  std::optional<T> smoothness() const override { return lambda_.back(); }

 private:
  std::vector<T> lambda_;
};

// f_i(x) = 1/2 ||x - c_i||^2 with centres c_i = (i, -i, i, ...) / n: a finite sum whose
// minibatch gradients differ from batch to batch, so sampling order matters.
template <class T>
class CentresSum : public FiniteSum<T> {
 public:
  CentresSum(std::size_t n, std::size_t d) : n_(n), d_(d) {}
  std::string name() const override { return "centres_sum"; }
  std::size_t dimension() const override { return d_; }
  std::size_t num_samples() const override { return n_; }
  T batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> g) const override {
    std::fill(g.begin(), g.end(), T(0));
    T f = 0;
    for (std::size_t i : batch)
      for (std::size_t j = 0; j < d_; ++j) {
        const T r = x[j] - centre(i, j);
        f += T(0.5) * r * r;
        g[j] += r;
      }
    if (batch.empty()) return 0;
    const T inv = T(1) / static_cast<T>(batch.size());
    for (auto& gj : g) gj *= inv;
    return f * inv;
  }

 private:
  T centre(std::size_t i, std::size_t j) const { return static_cast<T>((j % 2 ? -1.0 : 1.0) * double(i) / double(n_)); }
  std::size_t n_, d_;
};

// Wraps an objective and returns a NaN gradient from call number `bad_call` (0-based) on.
template <class T>
class PoisonedAfter : public Differentiable<T> {
 public:
  PoisonedAfter(const Differentiable<T>& inner, int bad_call, T poison = std::numeric_limits<T>::quiet_NaN())
      : inner_(inner), bad_call_(bad_call), poison_(poison) {}
  std::string name() const override { return inner_.name(); }
  std::size_t dimension() const override { return inner_.dimension(); }
  T value(std::span<const T> x) const override { return inner_.value(x); }
  T value_and_gradient(std::span<const T> x, std::span<T> g) const override {
    const T f = inner_.value_and_gradient(x, g);
    if (calls_++ >= bad_call_) g[g.size() / 2] = poison_;
    return f;
  }

 private:
  const Differentiable<T>& inner_;
  int bad_call_;
  T poison_;
  mutable int calls_ = 0;
};

}  // namespace descent::testing
