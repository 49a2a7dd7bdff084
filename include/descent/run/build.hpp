// Building a run from its RunSpec: the one place where a model, an estimator, the loop's
// callbacks and train()'s options are assembled, for the CLI (train, compare, minimize)
// and the Python module alike. Each builder looks its pieces up in the registry, so a
// newly registered model, estimator, solver or callback needs no change here or in any
// front end.
#pragma once

#include <memory>
#include <vector>

#include "descent/core/parameters.hpp"
#include "descent/data/dataset.hpp"
#include "descent/loop/callback.hpp"
#include "descent/loop/train.hpp"
#include "descent/model/model.hpp"
#include "descent/run/run_spec.hpp"

namespace descent {

// The model spec.kind names, over `data` (kept by reference). ConfigError for an unknown
// kind (with a suggestion) or options out of range.
template <class T>
std::unique_ptr<Model<T>> build_model(const ModelSpec& spec, const Dataset<T>& data);

// The starting parameters of a model built from `spec`: He / Glorot from spec.init_seed
// for an MLP, zeros for the linear models.
template <class T>
Parameters<T> initial_parameters(const ModelSpec& spec, const Model<T>& model);

// The run's estimator seeded with the run's seed, or null (train() then draws minibatches).
template <class T>
EstimatorPtr<T> build_estimator(const RunSpec& run);

// Fresh callbacks for every entry of run.callbacks, in order.
template <class T>
std::vector<std::shared_ptr<Callback<T>>> build_callbacks(const RunSpec& run);

// train()'s options from the run: epochs, batches, seed, estimator, full objective and
// callbacks. The front end adds what is its own (evaluation, files, progress, interrupt).
template <class T>
TrainOptions<T> train_options(const RunSpec& run);

// What a solver takes from the run (steps, seed) plus the front end's stop request.
SolverRun solver_run(const RunSpec& run, std::int64_t max_steps, std::function<bool()> stop);

}  // namespace descent
