#include "problem.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/objective/least_squares_problem.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/objective/rastrigin.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "descent/objective/test_problems.hpp"
#include "option_error.hpp"

namespace descent::cli {

namespace {

// The option a ConfigError of an objective is about, from the field its message names
// ("QuadraticOptions::condition_number = 0.5 violates ..."): the user set that option,
// not the field.
std::string option_for(const std::string& message) {
  const struct {
    const char* field;
    const char* option;
  } fields[] = {{"::dimension ", "--dim"},
                {"::features ", "--dim"},
                {"::samples ", "--samples"},
                {"::condition_number ", "--condition"}};
  for (const auto& f : fields)
    if (message.find(f.field) != std::string::npos) return f.option;
  return "--function";
}

template <class T>
std::unique_ptr<Differentiable<T>> build(const ProblemArgs& a) {
  if (a.function == "quadratic") {
    QuadraticOptions o;
    o.dimension = a.dimension;
    o.condition_number = a.condition;
    o.seed = a.seed;
    return std::make_unique<Quadratic<T>>(o);
  }
  if (a.function == "rosenbrock") return std::make_unique<Rosenbrock<T>>(a.dimension);
  if (a.function == "rastrigin") return std::make_unique<Rastrigin<T>>(a.dimension);
  if (a.function == "least_squares") {
    LeastSquaresOptions o;
    o.samples = a.samples;
    o.features = a.dimension;
    o.seed = a.seed;
    return std::make_unique<SyntheticLeastSquares<T>>(o);
  }
  if (const TestProblem* problem = find_test_problem(a.function))
    return problem->make<T>(a.dimension_given ? a.dimension : problem->default_dimension);
  throw OptionError("--function", "unknown function '" + a.function + "'");
}

}  // namespace

std::vector<std::string> function_names() {
  std::vector<std::string> names = kFunctions;
  for (const TestProblem& p : test_problems())
    if (std::find(kFunctions.begin(), kFunctions.end(), p.name) == kFunctions.end()) names.push_back(p.name);
  return names;
}

std::vector<std::string> test_problem_names() {
  std::vector<std::string> names;
  for (const TestProblem& p : test_problems()) names.push_back(p.name);
  return names;
}

template <class T>
std::unique_ptr<Differentiable<T>> make_problem(const ProblemArgs& args) {
  try {
    return build<T>(args);
  } catch (const ConfigError& e) {
    throw OptionError(option_for(e.what()), e.what());
  }
}

template <class T>
std::vector<T> initial_point(const std::string& init, std::size_t dimension, std::uint64_t seed) {
  std::vector<T> x(dimension);
  if (init == "random") {
    Random rng(seed, Stream::init);
    for (auto& v : x) v = static_cast<T>(rng.normal());
    return x;
  }
  // from_chars: the whole text must be one number, read the same in every locale.
  double value = 0;
  const char* first = init.data();
  const char* last = first + init.size();
  if (first != last && *first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (init.empty() || ec != std::errc() || ptr != last || !std::isfinite(value) ||
      !std::isfinite(static_cast<T>(value)))
    throw OptionError("--init", "expected 'random' or a finite number, found '" + init + "'");
  for (auto& v : x) v = static_cast<T>(value);
  return x;
}

template <class T>
std::vector<T> initial_point(const std::string& init, const ProblemArgs& problem, std::size_t dimension) {
  if (init != "standard") return initial_point<T>(init, dimension, problem.seed);
  const TestProblem* entry = find_test_problem(problem.function);
  if (entry == nullptr)
    throw OptionError("--init", "'" + problem.function +
                                    "' has no standard starting point; use 'random' or a number (the test problems of "
                                    "docs/objectives.md have one)");
  const std::vector<double> start = entry->start(dimension);
  std::vector<T> x(start.size());
  std::transform(start.begin(), start.end(), x.begin(), [](double v) { return static_cast<T>(v); });
  return x;
}

template std::unique_ptr<Differentiable<float>> make_problem<float>(const ProblemArgs&);
template std::unique_ptr<Differentiable<double>> make_problem<double>(const ProblemArgs&);
template std::vector<float> initial_point<float>(const std::string&, std::size_t, std::uint64_t);
template std::vector<double> initial_point<double>(const std::string&, std::size_t, std::uint64_t);
template std::vector<float> initial_point<float>(const std::string&, const ProblemArgs&, std::size_t);
template std::vector<double> initial_point<double>(const std::string&, const ProblemArgs&, std::size_t);

}  // namespace descent::cli
