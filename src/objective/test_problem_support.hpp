// What the files that define test problems share: a base that holds a problem's name,
// sizes and known minimum, the factories of a catalog entry, and the functions that add
// each file's entries to the catalog (src/objective/test_problems.cpp joins them).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/objective/sum_of_squares.hpp"
#include "descent/objective/test_problems.hpp"

namespace descent::detail {

// Base<T> is SumOfSquares or ResidualwiseSumOfSquares; the problem adds its residuals.
template <class T, template <class> class Base>
class CatalogProblem : public Base<T> {
 public:
  CatalogProblem(std::string name, std::size_t n, std::size_t m) : name_(std::move(name)), n_(n), m_(m) {}

  std::string name() const override { return name_; }
  std::size_t dimension() const override { return n_; }
  std::size_t residual_count() const override { return m_; }
  std::optional<KnownMinimum<T>> known_minimum() const override { return minimum_; }

  // Set by the catalog's factory from the entry's global minimum, when it records x*.
  void set_known_minimum(const TestProblemMinimum& minimum) {
    if (minimum.x.size() != n_) return;
    minimum_ = KnownMinimum<T>{std::vector<T>(minimum.x.begin(), minimum.x.end()), static_cast<T>(minimum.value)};
  }

 private:
  std::string name_;
  std::size_t n_;
  std::size_t m_;
  std::optional<KnownMinimum<T>> minimum_;
};

// Throws ConfigError "<name>::dimension = <n> violates <rule>" unless the rule allows n.
inline void require_dimension(const TestProblem& entry, std::size_t n) {
  require(entry.dimensions.allows(n), entry.name, "dimension", static_cast<double>(n), entry.dimensions.describe());
}

// Fills entry.make_float and entry.make_double with factories of Problem<T>(n), which check
// n against the entry's rule first and give the object the entry's global minimum.
// Call it after every other field of the entry is set.
template <template <class> class Problem>
void set_factories(TestProblem& entry) {
  auto factory = [entry]<class T>(std::size_t n) {
    require_dimension(entry, n);
    auto problem = std::make_unique<Problem<T>>(n);
    if (entry.global_minimum)
      if (const auto minimum = entry.global_minimum(n)) problem->set_known_minimum(*minimum);
    return std::unique_ptr<Differentiable<T>>(std::move(problem));
  };
  entry.make_float = [factory](std::size_t n) { return factory.template operator()<float>(n); };
  entry.make_double = [factory](std::size_t n) { return factory.template operator()<double>(n); };
}

// A minimum at an exact point with an exact value.
inline TestProblemMinimum exact_minimum(double value, std::vector<double> x = {}) {
  return TestProblemMinimum{value, std::move(x), true, ""};
}

// A minimum computed by tests/objective/test_problem_minima.py (Newton's method in 60-digit
// arithmetic), with the digits the literature publishes for it.
inline TestProblemMinimum computed_minimum(double value, std::vector<double> x, std::string published) {
  return TestProblemMinimum{value, std::move(x), false, std::move(published)};
}

// A saddle point computed like computed_minimum (see TestProblemMinimum::saddle).
inline TestProblemMinimum computed_saddle(double value, std::vector<double> x, std::string published) {
  return TestProblemMinimum{value, std::move(x), false, std::move(published), true};
}

// The entries of each file, in no particular order.
void add_mgh_fixed_size_problems(std::vector<TestProblem>& catalog);
void add_mgh_scalable_problems(std::vector<TestProblem>& catalog);
void add_classic_problems(std::vector<TestProblem>& catalog);

}  // namespace descent::detail
