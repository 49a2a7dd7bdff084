#include "job_options.hpp"

#include "option_error.hpp"

#include <utility>

namespace descent::cli {

void add_job_options(CLI::App& c, JobArgs& a) {
  c.add_option("-c,--config", a.config, "TOML job file (see docs/cli.md); flags below override its keys")
      ->check(CLI::ExistingFile);
  c.add_option("--data", a.data, "[data].name: fashion-mnist, synthetic or files");
  c.add_option("--train", a.train_file, "[data.train].path: a training data file (sets --data files)");
  c.add_option("--test", a.test_file, "[data.test].path: a held-out data file, evaluated after every epoch");
  c.add_option("--train-labels", a.train_labels, "[data.train].labels: the labels file of idx or npy training data");
  c.add_option("--test-labels", a.test_labels, "[data.test].labels: the labels file of idx or npy test data");
  add_data_file_options(c, a.file);
  c.add_option("--preprocess", a.preprocess, "[data].preprocess: scale, standardize or none");
  c.add_option("--train-limit", a.train_limit, "[data].train_limit: use the first N training rows");
  c.add_option("--test-limit", a.test_limit, "[data].test_limit: use the first N test rows");
  c.add_option("--model", a.model, "[model].type: least_squares, logistic, softmax or mlp");
  c.add_option("--hidden", a.hidden, "[model].hidden: hidden layer widths, e.g. --hidden 256 128")->expected(1, 16);
  c.add_option("--activation", a.activation, "[model].activation: relu, tanh or gelu");
  c.add_option("--l2", a.l2, "[model].l2: L2 penalty lambda/2 |W|^2");
  c.add_option("--optimizer", a.optimizer, "[optimizer].spec, e.g. 'adam(lr=1e-3)'");
  c.add_option("--estimator", a.estimator,
               "[estimator].spec, e.g. 'lsvrg(batch_size=8)' (default: minibatches per --batch-size/--sampling)");
  c.add_option("--solver", a.solver,
               "[solver].spec: train full-batch with a solver instead of the optimizer, e.g. 'lbfgs' or 'tron' "
               "(`descent list --kind solver`)")
      ->type_name("SPEC");
  c.add_option("--solver-steps", a.solver_steps, "[solver].steps: the solver's iterations (default 1000)");
  c.add_option("--epochs", a.epochs, "[training].epochs");
  c.add_option("--batch-size", a.batch_size, "[training].batch_size");
  c.add_option("--sampling", a.sampling, "[training].sampling: shuffle, replacement or poisson");
  c.add_option("--seed", a.seed, "[training].seed: the sampling stream");
  c.add_option("--threads", a.threads, "[training].threads: OpenMP threads (0: default)");
  c.add_option("--precision", a.precision, "[training].precision: float or double");
  c.add_option("--average", a.average, "[training].average: polyak(...), tail(...) or exponential(...)");
  c.add_option("--stationarity-stop", a.stationarity_stop, "[training].stationarity_stop: stationarity(...)");
  c.add_option("--callback", a.callbacks,
               "[training].callbacks: a callback spec, repeatable (`descent list --kind averaging`, `stopping`)")
      ->type_name("SPEC");
  c.add_flag("--full-objective", a.full_objective,
             "[training].full_objective: evaluate f(x) over all samples after each epoch");
  c.add_option("--privacy-delta", a.privacy_delta,
               "[privacy].delta: a private run (--estimator 'dp_sgd(...)') reports its epsilon at this delta "
               "(default 1e-5)");
  c.add_option("--accountant", a.accountant, "[privacy].accountant: rdp (default) or pld");
  c.add_option("--distributed", a.distributed,
               "[distributed].method: spread the run over the ranks mpirun started, e.g. "
               "`mpirun -np 4 descent train --distributed data_parallel ...` (docs/distributed.md)")
      ->type_name("SPEC");
  c.add_option("--distributed-timeout", a.distributed_timeout,
               "[distributed].timeout: seconds a rank waits for a peer before every rank stops (default 60)");
  c.add_option("-o,--out", a.out, "[output].dir: where metrics, checkpoints and reports go");
  c.add_flag("-q,--quiet", a.quiet, "print nothing but errors");
}

JobConfig job_config_from(const JobArgs& a) {
  JobConfig c = a.config.empty() ? JobConfig{} : load_job_config(a.config);
  if (a.data) c.data.name = *a.data;
  if (a.train_file) {
    c.data.name = "files";
    c.data.train.path = *a.train_file;
  }
  if (a.test_file) c.data.test.path = *a.test_file;
  if (a.train_labels) c.data.train.labels_path = *a.train_labels;
  if (a.test_labels) c.data.test.labels_path = *a.test_labels;
  if (a.test_file && !a.train_file && c.data.name != "files")
    throw OptionError("--test", "needs --train (or a job file with [data].name = \"files\")");
  apply_data_file_options(a.file, c.data.train);
  apply_data_file_options(a.file, c.data.test);
  if (a.preprocess) c.data.preprocess = *a.preprocess;
  if (a.train_limit) c.data.train_limit = *a.train_limit;
  if (a.test_limit) c.data.test_limit = *a.test_limit;
  if (a.model) c.model.kind = *a.model;
  if (a.hidden) c.model.hidden = *a.hidden;
  if (a.activation) c.model.activation = *a.activation;
  if (a.l2) c.model.l2 = *a.l2;
  // Spec flags: their messages name the flag (JobConfig::origin).
  const auto spec_flag = [&](const std::optional<std::string>& value, std::string& key_value, const char* key,
                             const char* flag) {
    if (!value) return;
    key_value = *value;
    c.flags[key] = flag;
  };
  spec_flag(a.optimizer, c.optimizer, "[optimizer].spec", "--optimizer");
  spec_flag(a.estimator, c.estimator, "[estimator].spec", "--estimator");
  spec_flag(a.solver, c.solver, "[solver].spec", "--solver");
  if (a.solver_steps) c.solver_steps = *a.solver_steps;
  spec_flag(a.average, c.training.average, "[training].average", "--average");
  spec_flag(a.stationarity_stop, c.training.stationarity_stop, "[training].stationarity_stop", "--stationarity-stop");
  spec_flag(a.sampling, c.training.sampling, "[training].sampling", "--sampling");
  spec_flag(a.distributed, c.distributed.method, "[distributed].method", "--distributed");
  if (a.distributed_timeout) c.distributed.timeout = *a.distributed_timeout;
  if (!a.callbacks.empty()) {
    c.training.callbacks = a.callbacks;
    for (std::size_t k = 0; k < a.callbacks.size(); ++k)
      c.flags["[training].callbacks[" + std::to_string(k) + "]"] = "--callback '" + a.callbacks[k] + "'";
  }
  if (a.full_objective) c.training.full_objective = true;
  if (a.epochs) c.training.epochs = *a.epochs;
  if (a.batch_size) c.training.batch_size = *a.batch_size;
  if (a.seed) c.training.seed = *a.seed;
  if (a.threads) c.training.threads = *a.threads;
  if (a.precision) c.training.precision = *a.precision;
  if (a.out) c.output.dir = *a.out;
  if (a.privacy_delta) c.privacy.delta = *a.privacy_delta;
  if (a.accountant) c.privacy.accountant = *a.accountant;
  if (!a.config.empty())
    c.source = a.config;
  else
    c.source = "command line";
  // The keys the flags above set, so that a bad value's message names the flag typed.
  const std::pair<bool, std::pair<const char*, const char*>> flagged[] = {
      {a.data.has_value() || a.train_file.has_value(), {"[data].name", a.train_file ? "--train" : "--data"}},
      {a.preprocess.has_value(), {"[data].preprocess", "--preprocess"}},
      {a.model.has_value(), {"[model].type", "--model"}},
      {a.activation.has_value(), {"[model].activation", "--activation"}},
      {a.l2.has_value(), {"[model].l2", "--l2"}},
      {a.epochs.has_value(), {"[training].epochs", "--epochs"}},
      {a.solver_steps.has_value(), {"[solver].steps", "--solver-steps"}},
      {a.batch_size.has_value(), {"[training].batch_size", "--batch-size"}},
      {a.precision.has_value(), {"[training].precision", "--precision"}},
      {a.privacy_delta.has_value(), {"[privacy].delta", "--privacy-delta"}},
      {a.accountant.has_value(), {"[privacy].accountant", "--accountant"}},
      {a.distributed_timeout.has_value(), {"[distributed].timeout", "--distributed-timeout"}},
  };
  for (const auto& [set, key_flag] : flagged)
    if (set) c.flags[key_flag.first] = key_flag.second;
  c.validate();
  return c;
}

}  // namespace descent::cli
