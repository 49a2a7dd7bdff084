// A standard set of unconstrained test problems, for testing solvers on known answers:
// most from More, Garbow & Hillstrom, "Testing unconstrained optimization software",
// ACM TOMS 7(1):17-41, 1981 ("MGH n" below is their problem number), a few classics
// besides. Each entry of the catalog gives the problem's allowed dimensions, its standard
// starting point, its minimum where one is known and, for problems with several local
// minima, the one that descent methods reach from the standard start. Each problem has an
// exact gradient and an exact Hessian-vector product, in float and double; the sums of
// squares among them derive from SumOfSquares<T> (objective/sum_of_squares.hpp).
//
//   for (const TestProblem& p : test_problems()) {
//     const std::size_t n = p.default_dimension;
//     auto f = p.make<double>(n);
//     std::vector<double> x = p.start(n);
//     ... minimize f from x, compare with p.reached_from_start(n) ...
//   }
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "descent/objective/objective.hpp"

namespace descent {

// The dimensions a problem is defined for: exactly `fixed` when it is not 0, otherwise
// every multiple of `multiple_of` that is at least `minimum`.
struct DimensionRule {
  std::size_t fixed = 0;
  std::size_t minimum = 1;
  std::size_t multiple_of = 1;

  bool allows(std::size_t n) const;
  // The rule as a constraint: "dimension = 2", "dimension >= 1", "dimension >= 2 and even",
  // "dimension >= 4 and a multiple of 4".
  std::string describe() const;
};

// A minimum of a test problem, or a saddle point that descent methods converge to from the
// standard start (see TestProblem::stationary_point_from_start).
struct TestProblemMinimum {
  // f at the point. Exact (0, or the double nearest an exact rational) when
  // `closed_form`, otherwise computed by Newton's method in 60-digit arithmetic
  // (tests/objective/test_problem_minima.py) and rounded to double.
  double value = 0;
  // A minimizer, rounded to double; empty when none is recorded (a zero-residual problem
  // whose solution has no closed form: its f* = 0 is still exact).
  std::vector<double> x;
  bool closed_form = true;
  // What the literature states, for a value that was computed here: MGH's digits
  // ("8.21487...e-3"), which the computed value must agree with. Empty otherwise.
  std::string published;
  // A stationary point whose Hessian has a negative eigenvalue, not a minimum: reached only
  // by methods that keep a symmetry of the start (biggs_exp6).
  bool saddle = false;
};

struct TestProblem {
  std::string name;       // what `descent minimize --function` takes, e.g. "freudenstein_roth"
  std::string title;      // "Freudenstein and Roth"
  std::string reference;  // "MGH 2; Freudenstein & Roth 1963"
  DimensionRule dimensions;
  std::size_t default_dimension = 0;  // a size MGH report results for (10 for most scalable ones)
  // The standard starting point x0 at dimension n (MGH's, where they give one).
  std::function<std::vector<double>(std::size_t)> start;
  // The global minimum at dimension n, where known (empty otherwise).
  std::function<std::optional<TestProblemMinimum>(std::size_t)> global_minimum;
  // The stationary point that gradient-based descent methods (exact gradients, a line search)
  // started at start(n) converge to, where it is known and is not the global minimum: a local
  // minimum (freudenstein_roth; trigonometric at n = 10), or a saddle point the start's
  // symmetry keeps them on (biggs_exp6). Empty otherwise. See reached_from_start().
  std::function<std::optional<TestProblemMinimum>(std::size_t)> stationary_point_from_start;
  // Local minima, scaling, what makes the problem hard: one or two sentences.
  std::string note;

  // What a descent method is expected to reach from the standard start:
  // stationary_point_from_start(n) when there is one, otherwise global_minimum(n).
  std::optional<TestProblemMinimum> reached_from_start(std::size_t n) const;

  // The problem at dimension n. Throws ConfigError "<name>::dimension = <n> violates <rule>"
  // when dimensions.allows(n) is false.
  template <class T>
  std::unique_ptr<Differentiable<T>> make(std::size_t n) const;

  std::function<std::unique_ptr<Differentiable<float>>(std::size_t)> make_float;
  std::function<std::unique_ptr<Differentiable<double>>(std::size_t)> make_double;
};

// Every test problem, sorted by name.
const std::vector<TestProblem>& test_problems();

// The entry named `name`, or nullptr.
const TestProblem* find_test_problem(std::string_view name);

template <>
inline std::unique_ptr<Differentiable<float>> TestProblem::make<float>(std::size_t n) const {
  return make_float(n);
}
template <>
inline std::unique_ptr<Differentiable<double>> TestProblem::make<double>(std::size_t n) const {
  return make_double(n);
}

}  // namespace descent
