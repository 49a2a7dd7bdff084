// Test problems with bounds, min f(x) subject to lower <= x <= upper, for solvers that
// handle them (L-BFGS-B, projected methods). At every stated solution some bounds are active,
// and the solution is known exactly (derived in closed form, or built into the problem by
// choosing x*, its active set and its multipliers first), so a solver's answer can be checked
// against it and against the first-order conditions:
//   lower_i < x*_i < upper_i  =>  g_i = 0;   x*_i = lower_i  =>  g_i >= 0;   x*_i = upper_i  =>  g_i <= 0,
// equivalently P(x* - g) = x*, with g = grad f(x*) and P the projection onto the box.
//
//   for (const BoundedTestProblem& p : bounded_test_problems()) {
//     auto f = p.make<double>();
//     ... minimize f from p.start within [p.lower, p.upper], compare with p.minimizer ...
//   }
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/objective/objective.hpp"

namespace descent {

struct BoundedTestProblem {
  std::string name;       // "rosenbrock_box"
  std::string title;      // "Rosenbrock on a box that excludes (1, 1)"
  std::string reference;  // where the problem comes from, or how its solution is derived
  std::size_t dimension = 0;
  // Bounds, one per coordinate; -inf or +inf where that side is unbounded.
  std::vector<double> lower;
  std::vector<double> upper;
  std::vector<double> start;  // feasible
  // The solution: exact (every coordinate representable, f(x*) = f* exactly in double).
  std::vector<double> minimizer;
  double minimum = 0;
  // Which bounds are active at x*, and whether strictly (nonzero multiplier).
  std::string note;

  // The objective without its bounds. Its known_minimum(), where it has one, is the
  // unbounded function's (Rosenbrock's (1, 1)); the bounded minimum is the entry's.
  template <class T>
  std::unique_ptr<Differentiable<T>> make() const;

  std::function<std::unique_ptr<Differentiable<float>>()> make_float;
  std::function<std::unique_ptr<Differentiable<double>>()> make_double;
};

// Every bounded test problem, sorted by name.
const std::vector<BoundedTestProblem>& bounded_test_problems();

// The entry named `name`, or nullptr.
const BoundedTestProblem* find_bounded_test_problem(std::string_view name);

// max_i |P(x - g)_i - x_i|, P the projection onto [lower, upper] (the measure L-BFGS-B's pgtol
// tests): 0 exactly where x satisfies the first-order conditions above; NaN when a gradient
// entry is NaN. x must be feasible. Throws MismatchError when the lengths differ.
template <class T>
T projected_gradient_norm(std::span<const T> x, std::span<const T> gradient, std::span<const double> lower,
                          std::span<const double> upper);

template <>
inline std::unique_ptr<Differentiable<float>> BoundedTestProblem::make<float>() const {
  return make_float();
}
template <>
inline std::unique_ptr<Differentiable<double>> BoundedTestProblem::make<double>() const {
  return make_double();
}

}  // namespace descent
