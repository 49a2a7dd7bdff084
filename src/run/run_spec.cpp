#include "descent/run/run_spec.hpp"

#include "descent/core/suggest.hpp"

namespace descent {

namespace {

constexpr struct {
  Sampling sampling;
  const char* name;
} kSamplings[] = {
    {Sampling::shuffle, "shuffle"}, {Sampling::replacement, "replacement"}, {Sampling::poisson, "poisson"}};

}  // namespace

Sampling parse_sampling(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& s : kSamplings) {
    if (name == s.name) return s.sampling;
    names.push_back(s.name);
  }
  std::string hint = suggestion(name, names);
  if (hint.rfind("; did you mean", 0) != 0) hint.clear();  // the list is in the message already
  throw ConfigError("'" + std::string(name) + "' is not one of shuffle, replacement, poisson" + hint);
}

std::string to_string(Sampling sampling) {
  for (const auto& s : kSamplings)
    if (s.sampling == sampling) return s.name;
  return "unknown";
}

std::string RunSpec::estimator_description() const {
  if (distributed && distributed->method == "dsgd")
    return (estimator ? estimator->canonical()
                      : "minibatch (" + to_string(training.sampling) + ", batch " +
                            std::to_string(training.batch_size) + ")") +
           " on each node's shard, " + distributed->spec();
  if (distributed && distributed->is_federated()) return distributed->spec();
  if (estimator) return estimator->canonical();
  if (distributed)
    return distributed->spec() + " (" + to_string(training.sampling) + ", global batch " +
           std::to_string(training.batch_size) + ")";
  return "minibatch (" + to_string(training.sampling) + ", batch " + std::to_string(training.batch_size) + ")";
}

}  // namespace descent
