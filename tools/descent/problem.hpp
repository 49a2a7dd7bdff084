// The test functions `descent minimize --function` can minimize, and starting points.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/objective/objective.hpp"

namespace descent::cli {

inline const std::vector<std::string> kFunctions = {"quadratic", "rosenbrock", "rastrigin", "least_squares"};

struct ProblemArgs {
  std::string function;
  std::size_t dimension = 10;
  std::size_t samples = 0;  // least_squares: n
  double condition = 0;     // quadratic: kappa
  std::uint64_t seed = 0;   // quadratic rotation, least_squares data
};

// Throws OptionError naming the option whose value the objective rejects.
template <class T>
std::unique_ptr<Differentiable<T>> make_problem(const ProblemArgs& args);

// `init` is "random" (x_i ~ N(0, 1) from Random(seed, Stream::init)) or one finite
// number for every coordinate. Throws OptionError("--init", ...) otherwise.
template <class T>
std::vector<T> initial_point(const std::string& init, std::size_t dimension, std::uint64_t seed);

}  // namespace descent::cli
