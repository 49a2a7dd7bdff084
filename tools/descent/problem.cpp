#include "problem.hpp"

#include <charconv>
#include <cmath>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/objective/least_squares_problem.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/objective/rastrigin.hpp"
#include "descent/objective/rosenbrock.hpp"
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
  throw OptionError("--function", "unknown function '" + a.function + "'");
}

}  // namespace

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

template std::unique_ptr<Differentiable<float>> make_problem<float>(const ProblemArgs&);
template std::unique_ptr<Differentiable<double>> make_problem<double>(const ProblemArgs&);
template std::vector<float> initial_point<float>(const std::string&, std::size_t, std::uint64_t);
template std::vector<double> initial_point<double>(const std::string&, std::size_t, std::uint64_t);

}  // namespace descent::cli
