#include "descent/app/job_plan.hpp"

#include "descent/spec/registry.hpp"

namespace descent {

namespace {

// Everything but the optimizer and the estimator, which a comparison varies.
RunSpec common_run_spec(const JobConfig& c) {
  RunSpec run;
  run.model = c.model;
  run.training.epochs = c.training.epochs;
  run.training.batch_size = c.training.batch_size;
  run.training.sampling =
      parse_at(c.origin("[training].sampling"), [&] { return parse_sampling(c.training.sampling); });
  run.training.seed = c.training.seed;
  run.training.full_objective = c.training.full_objective;
  run.training.solver_steps = c.solver_steps;
  if (!c.training.average.empty())
    run.callbacks.push_back(parse_at(c.origin("[training].average"),
                                     [&] { return parse_callback(c.training.average, EntryKind::averaging); }));
  if (!c.training.stationarity_stop.empty())
    run.callbacks.push_back(parse_at(c.origin("[training].stationarity_stop"), [&] {
      return parse_callback(c.training.stationarity_stop, EntryKind::stopping);
    }));
  for (std::size_t k = 0; k < c.training.callbacks.size(); ++k)
    run.callbacks.push_back(parse_at(c.origin("[training].callbacks[" + std::to_string(k) + "]"),
                                     [&] { return parse_callback(c.training.callbacks[k]); }));
  return run;
}

std::optional<EstimatorSpec> estimator_at(const std::string& origin, const std::string& spec) {
  if (spec.empty()) return std::nullopt;
  return parse_at(origin, [&] { return parse_estimator(spec); });
}

// The key a comparison run's spec came from: the list's entry, or the single spec.
std::string list_key(const std::vector<std::string>& list, const std::string& list_name, const std::string& single_key,
                     std::size_t k) {
  if (list.empty()) return single_key;
  return list_name + "[" + std::to_string(list.size() == 1 ? 0 : k) + "]";
}

// A run that trains with a solver: the job's model and callbacks, no optimizer or estimator.
RunSpec solver_run_spec(const RunSpec& common, const std::string& origin, const std::string& spec) {
  RunSpec run = common;
  run.solver = parse_at(origin, [&] { return parse_solver(spec); });
  return run;
}

}  // namespace

RunSpec train_run_spec(const JobConfig& c) {
  const RunSpec common = common_run_spec(c);
  if (!c.solver.empty()) {
    if (!c.estimator.empty())
      throw ConfigError(c.origin("[estimator].spec") + ": does not apply to a solver run (" +
                        c.origin("[solver].spec") + " trains full-batch)");
    if (!c.distributed.method.empty())
      throw ConfigError(c.origin("[distributed].method") + ": spreads an optimizer's steps over ranks; " +
                        c.origin("[solver].spec") + " runs in one process");
    return solver_run_spec(common, c.origin("[solver].spec"), c.solver);
  }
  RunSpec run = common;
  run.optimizer = parse_at(c.origin("[optimizer].spec"), [&] { return parse_transform(c.optimizer); });
  run.estimator = estimator_at(c.origin("[estimator].spec"), c.estimator);
  if (!c.distributed.method.empty()) {
    run.distributed =
        parse_at(c.origin("[distributed].method"), [&] { return parse_distributed(c.distributed.method); });
    run.distributed->timeout_seconds = c.distributed.timeout;
    if (run.distributed->is_federated() && run.estimator)
      throw ConfigError(c.origin("[estimator].spec") + ": a federated run's clients take local SGD steps (" +
                        c.origin("[distributed].method") + "); it takes no estimator");
  }
  return run;
}

std::vector<ComparedRun> compare_run_specs(const JobConfig& c) {
  if (c.compare_runs() == 0 && c.compare.solvers.empty())
    throw ConfigError(c.source +
                      ": [compare].optimizers, [compare].estimators and [compare].solvers are empty: name what to "
                      "compare");
  if (!c.distributed.method.empty())
    throw ConfigError(c.origin("[distributed].method") +
                      ": applies to `descent train`; a comparison runs in one process");
  const RunSpec common = common_run_spec(c);
  std::vector<ComparedRun> runs;
  for (std::size_t k = 0; k < c.compare_runs(); ++k) {
    const std::string& spec = c.compare_optimizer(k);
    const std::string& estimator = c.compare_estimator(k);
    ComparedRun r{.label = {}, .run = common};
    r.run.optimizer = parse_at(c.origin(list_key(c.compare.optimizers, "[compare].optimizers", "[optimizer].spec", k)),
                               [&] { return parse_transform(spec); });
    r.run.estimator = estimator_at(
        c.origin(list_key(c.compare.estimators, "[compare].estimators", "[estimator].spec", k)), estimator);
    // Default labels name what varies between the runs.
    const std::string label = c.compare.estimators.size() > 1
                                  ? (c.compare.optimizers.size() > 1 ? estimator + " + " + spec : estimator)
                                  : spec;
    r.label = k < c.compare.labels.size() ? c.compare.labels[k] : label;
    runs.push_back(std::move(r));
  }
  for (std::size_t k = 0; k < c.compare.solvers.size(); ++k) {
    const std::size_t index = c.compare_runs() + k;
    ComparedRun r{
        .label = index < c.compare.labels.size() ? c.compare.labels[index] : c.compare.solvers[k],
        .run = solver_run_spec(common, c.origin("[compare].solvers[" + std::to_string(k) + "]"), c.compare.solvers[k])};
    runs.push_back(std::move(r));
  }
  return runs;
}

}  // namespace descent
