// One training run, typed: what the CLI's flags, a job file's tables and Python's keyword
// arguments all describe, with every spec string parsed once. A front end fills a RunSpec
// (parsing each spec where it knows what to call it in a message: `origin_of`), and the
// builders in run/build.hpp turn it into the model, estimator, callbacks and train()
// options, the same way for every front end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/loop/train.hpp"
#include "descent/model/model_spec.hpp"
#include "descent/spec/callback_spec.hpp"
#include "descent/spec/distributed_spec.hpp"
#include "descent/spec/estimator_spec.hpp"
#include "descent/spec/solver_spec.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

// train()'s loop settings (TrainOptions without the per-precision parts).
struct TrainingSpec {
  std::int64_t epochs = 10;      // >= 1
  std::size_t batch_size = 128;  // >= 1
  Sampling sampling = Sampling::shuffle;
  std::uint64_t seed = 0;  // every stream of the run: sampling, the estimator's draws, a solver's coin
  bool full_objective = false;
  std::int64_t solver_steps = 1000;  // a solver run's iterations (RunSpec::solver)
};

struct RunSpec {
  ModelSpec model;
  TransformPtr optimizer;                  // the transform chain (none for a solver run)
  std::optional<EstimatorSpec> estimator;  // none: minibatches of training.batch_size drawn by training.sampling
  std::optional<SolverSpec> solver;        // a solver with a loop of its own instead of optimizer + estimator
  TrainingSpec training;
  std::vector<CallbackSpec> callbacks;  // averaging and stopping rules, called in this order
  // Spread over the ranks of world_communicator() (distributed/world.hpp); none: one process.
  std::optional<DistributedSpec> distributed;

  // How the run's minibatches are drawn, in words: the estimator's canonical spec, or
  // "minibatch (shuffle, batch 128)".
  std::string estimator_description() const;
};

// "shuffle", "replacement", "poisson"; otherwise ConfigError "'x' is not one of ..." (the
// caller puts the key in front, parse_at).
Sampling parse_sampling(std::string_view name);
std::string to_string(Sampling sampling);

// Runs `parse()` and rethrows a library error with `origin` in front ("--estimator: ...",
// "job.toml: [estimator].spec: ..."), keeping its type and a ParseError's column.
template <class Parse>
auto parse_at(const std::string& origin, Parse&& parse) -> decltype(parse()) {
  try {
    return std::forward<Parse>(parse)();
  } catch (const ParseError& e) {
    throw ParseError(origin + ": " + e.what(), e.column());
  } catch (const MismatchError& e) {
    throw MismatchError(origin + ": " + e.what());
  } catch (const ConfigError& e) {
    throw ConfigError(origin + ": " + e.what());
  }
}

}  // namespace descent
