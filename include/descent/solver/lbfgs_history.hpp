// The limited-memory BFGS approximation of the inverse Hessian (Nocedal, "Updating
// quasi-Newton matrices with limited storage", Math. Comp. 35, 1980): the m most recent
// pairs s_i = x_{i+1} - x_i, y_i = g_{i+1} - g_i, and the product H g by the two-loop
// recursion
//   q = g;  for i = newest..oldest: alpha_i = rho_i s_i.q,  q -= alpha_i y_i
//   r = gamma q
//   for i = oldest..newest: beta = rho_i y_i.r,  r += (alpha_i - beta) s_i
// with rho_i = 1 / (y_i.s_i) and the initial scaling gamma = s.y / y.y of the newest pair
// (Nocedal & Wright, eq. 7.20), which makes H's scale match the curvature just observed, so
// that the unit step is usually accepted. Cost 4 m d multiply-adds and 2 m d storage.
// A pair is only kept when s.y > 0 (the solver checks a relative form of that, see
// lbfgs.hpp): that keeps H positive definite. Dot products accumulate in double.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace descent {

template <class T>
class LbfgsHistory {
 public:
  // Throws ConfigError unless memory >= 1.
  LbfgsHistory(std::size_t dimension, std::size_t memory);

  std::size_t dimension() const { return dimension_; }
  std::size_t memory() const { return memory_; }
  std::size_t size() const { return count_; }  // pairs held, at most memory()
  bool empty() const { return count_ == 0; }

  // Adds (s, y), dropping the oldest pair when full. Throws MismatchError for wrong sizes and
  // ConfigError unless s.y > 0.
  void push(std::span<const T> s, std::span<const T> y);
  // out = H g (out must not alias g); H = I when empty.
  void apply(std::span<const T> g, std::span<T> out) const;
  // gamma of the newest pair (1 when empty): H's scale.
  double scaling() const;
  void clear() { count_ = 0; }

 private:
  // Storage slot of the pair that is `age` pairs old (0: newest).
  std::size_t slot(std::size_t age) const { return (newest_ + memory_ - age) % memory_; }

  std::size_t dimension_, memory_;
  std::vector<T> s_, y_;  // memory_ rows of dimension_
  std::vector<double> rho_, yy_;
  mutable std::vector<double> alpha_;
  std::size_t count_ = 0, newest_ = 0;
};

}  // namespace descent
