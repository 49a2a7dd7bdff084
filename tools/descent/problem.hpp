// The test functions `descent minimize --function` can minimize, and starting points.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/objective/objective.hpp"

namespace descent::cli {

// The four functions `descent minimize` always had, each with options of its own.
inline const std::vector<std::string> kFunctions = {"quadratic", "rosenbrock", "rastrigin", "least_squares"};

// Every name --function accepts: kFunctions, then the test problems of the catalog
// (descent/objective/test_problems.hpp) that are not among them, in the catalog's order.
std::vector<std::string> function_names();

// The test problems' names alone (rosenbrock included), for messages.
std::vector<std::string> test_problem_names();

struct ProblemArgs {
  std::string function;
  std::size_t dimension = 10;
  std::size_t samples = 0;  // least_squares: n
  double condition = 0;     // quadratic: kappa
  std::uint64_t seed = 0;   // quadratic rotation, least_squares data
  // False when --dim was not given: a test problem of the catalog then takes its default
  // dimension (beale: 2) instead of `dimension`. kFunctions always take `dimension`.
  bool dimension_given = true;
};

// Throws OptionError naming the option whose value the objective rejects.
template <class T>
std::unique_ptr<Differentiable<T>> make_problem(const ProblemArgs& args);

// `init` is "random" (x_i ~ N(0, 1) from Random(seed, Stream::init)) or one finite
// number for every coordinate. Throws OptionError("--init", ...) otherwise.
template <class T>
std::vector<T> initial_point(const std::string& init, std::size_t dimension, std::uint64_t seed);

// The same, and also "standard": the test problem's standard starting point at `dimension`
// (the catalog's start; rosenbrock's is (-1.2, 1, -1.2, 1, ...)). quadratic, rastrigin and
// least_squares have none: OptionError("--init", ...).
template <class T>
std::vector<T> initial_point(const std::string& init, const ProblemArgs& problem, std::size_t dimension);

}  // namespace descent::cli
