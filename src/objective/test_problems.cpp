#include "descent/objective/test_problems.hpp"

#include <algorithm>

#include "test_problem_support.hpp"

namespace descent {

bool DimensionRule::allows(std::size_t n) const {
  if (fixed != 0) return n == fixed;
  return n >= minimum && multiple_of != 0 && n % multiple_of == 0;
}

std::string DimensionRule::describe() const {
  if (fixed != 0) return "dimension = " + std::to_string(fixed);
  std::string rule = "dimension >= " + std::to_string(minimum);
  if (multiple_of == 2) rule += " and even";
  if (multiple_of > 2) rule += " and a multiple of " + std::to_string(multiple_of);
  return rule;
}

std::optional<TestProblemMinimum> TestProblem::reached_from_start(std::size_t n) const {
  if (stationary_point_from_start)
    if (auto local = stationary_point_from_start(n)) return local;
  if (global_minimum) return global_minimum(n);
  return std::nullopt;
}

const std::vector<TestProblem>& test_problems() {
  static const std::vector<TestProblem> catalog = [] {
    std::vector<TestProblem> all;
    detail::add_mgh_fixed_size_problems(all);
    detail::add_mgh_scalable_problems(all);
    detail::add_classic_problems(all);
    std::sort(all.begin(), all.end(), [](const TestProblem& a, const TestProblem& b) { return a.name < b.name; });
    return all;
  }();
  return catalog;
}

const TestProblem* find_test_problem(std::string_view name) {
  const auto& all = test_problems();
  const auto it = std::find_if(all.begin(), all.end(), [&](const TestProblem& p) { return p.name == name; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace descent
