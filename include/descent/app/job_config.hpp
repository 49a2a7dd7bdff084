// The configuration of a training job (`descent train`) or a comparison of optimizers
// (`descent compare`), read from TOML. Every table and key is checked: an unknown key, a
// wrong type or an impossible value is a ConfigError that names the file, the line and
// column, and the key (with a suggestion for near-misses), e.g.
//   fmnist.toml:7:1: unknown key 'epoch' in [training] (did you mean 'epochs'?)
//
//   [data]       name = "fashion-mnist" | "synthetic" | "files"; train/test files, preprocessing
//   [model]      type = a model of the registry (`descent list --kind model`); hidden, activation,
//                num_classes, l2, bias, positive_class, init_seed
//   [optimizer]  spec = "adam(lr=1e-3)" (the spec grammar)
//   [estimator]  spec = "lsvrg(batch_size=8)" (optional; default: minibatches per [training])
//   [training]   epochs, batch_size, sampling, seed, threads, precision, full_objective, average,
//                stationarity_stop, callbacks
//   [output]     dir, checkpoint, model
//   [compare]    optimizers = [...], estimators = [...], labels = [...], target_loss, target_accuracy, seeds
//   [privacy]    delta, accountant (what a private run's summary reports: its epsilon at delta)
// See docs/cli.md for every key with its default. The spec strings are parsed once, into
// the RunSpecs of job_plan.hpp, before any data is read.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "descent/data/read_dataset.hpp"
#include "descent/model/model_spec.hpp"

namespace descent {

struct DataConfig {
  // "fashion-mnist": the IDX files of Debian's dataset-fashion-mnist (or `dir`);
  // "synthetic": a built-in Gaussian-clusters problem (no files needed);
  // "files": `train` and `test` below.
  std::string name = "fashion-mnist";
  std::string dir = "/usr/share/datasets/fashion-mnist";  // for name = "fashion-mnist"
  DatasetSpec train, test;                                // for name = "files"
  std::string preprocess = "scale";  // "scale" (to [0, 1]), "standardize", "none"; fitted on the training split
  std::size_t train_limit = 0;       // use only the first N training rows (0 = all)
  std::size_t test_limit = 0;        // use only the first N test rows (0 = all)
  // synthetic problem: samples, features, classes
  std::size_t synthetic_samples = 6000, synthetic_features = 64, synthetic_classes = 10;
};

// [model]: a ModelSpec (type = its kind) and how labels become a binary problem.
struct ModelConfig : ModelSpec {
  ModelConfig() { hidden = {256, 128}; }
  // logistic: this class against the rest. Unset: labels already 0/1 or -1/+1 are used as
  // they are, other labels train class 0 against the rest.
  std::optional<std::int64_t> positive_class;
};

struct TrainingConfig {
  std::int64_t epochs = 10;
  std::size_t batch_size = 128;
  std::string sampling = "shuffle";  // "shuffle", "replacement", "poisson"
  std::uint64_t seed = 0;
  int threads = 0;                     // 0: OpenMP's default
  std::string precision = "float";     // "float" or "double"
  bool full_objective = false;         // f(x) over all samples after each epoch (a pass not counted in data_passes)
  std::string average;                 // averaging spec: polyak(...), tail(...), exponential(...); "" = none
  std::string stationarity_stop;       // stationarity(...) spec; "" = none
  std::vector<std::string> callbacks;  // further callback specs (`descent list --kind averaging`, `stopping`)
};

struct OutputConfig {
  std::string dir = "runs/train";
  bool checkpoint = true;  // dir/checkpoint.bin after every epoch
  std::string model;       // the trained model file (run/model_file.hpp); "" = dir/model.npz
  // The model file's path: `model`, or dir/model.npz.
  std::string model_path() const { return model.empty() ? dir + "/model.npz" : model; }
};

struct CompareConfig {
  std::vector<std::string> optimizers;  // spec strings
  // Estimator specs; empty: every run uses [estimator]. Runs pair optimizers[k] with
  // estimators[k]; a list of one entry pairs with every entry of the other list.
  std::vector<std::string> estimators;
  std::vector<std::string> labels;  // legend names, for the optimizer runs then the solver runs
  // Solver specs compared too: each a run after the optimizer runs ([solver].steps iterations).
  std::vector<std::string> solvers;
  double target_loss = 0;  // report time/epochs to reach this training loss (0: off)
  // Report time/epochs to reach this test accuracy (0: off; in (0, 1]).
  double target_accuracy = 0;
  // Repetitions of every run: repetition s (0-based) adds s to [training].seed and to
  // [model].init_seed, the same for every method (a paired design); the report gives
  // mean, std, min and max over them and the plots the mean with a min-max band.
  std::size_t seeds = 1;
  // f* of the problem, when known (0 is not special: set it to plot f - 0): the loss plots
  // then show the gap f - f* on a log axis, and the table the final gap. NaN: not given.
  double reference_optimum = std::numeric_limits<double>::quiet_NaN();
  // "auto": compute f* instead: the run with the lowest final loss, again from its start
  // in double precision with the full objective for reference_epochs_factor times the
  // epochs; f* is the least f(x) it reaches (reported in report.md).
  bool reference_optimum_auto = false;
  std::int64_t reference_epochs_factor = 10;  // >= 1; [compare].reference_epochs_factor
  std::string reference_source;               // how f* was obtained, for the report (set by the job)
  // Points per epoch on the curves (>= 1): k > 1 adds k - 1 evaluations inside each epoch.
  std::int64_t evals_per_epoch = 1;
};

// [privacy]: how a private run (estimator dp_sgd) reports what it spent. The estimator
// records its steps; the accountant turns them into epsilon at this delta.
struct PrivacyConfig {
  double delta = 1e-5;             // in (0, 1); the usual choice is below 1 / (training rows)
  std::string accountant = "rdp";  // "rdp" (Renyi DP, an upper bound) or "pld" (tight, slower)
};

// [distributed]: the run spread over the ranks mpirun started (docs/distributed.md).
struct DistributedConfig {
  std::string method;   // "data_parallel(shards=8)"; "" = one process
  double timeout = 60;  // seconds a rank waits for a peer before every rank stops (> 0)
};

struct JobConfig {
  std::string source = "(defaults)";  // the file it came from
  DataConfig data;
  ModelConfig model;
  std::string optimizer = "adam(lr=0.001)";
  std::string estimator;  // spec; empty: minibatches of [training].batch_size drawn by [training].sampling
  // [solver].spec: a solver with a loop of its own (lbfgs, tron, ...) that trains the model
  // full-batch instead of [optimizer] and [estimator]; "" = none. [solver].steps: its iterations.
  std::string solver;
  std::int64_t solver_steps = 1000;
  TrainingConfig training;
  OutputConfig output;
  CompareConfig compare;
  PrivacyConfig privacy;
  DistributedConfig distributed;

  // Where a key's value came from, for messages: the flag that set it ("--optimizer"), or
  // "<source>: <key>". Front ends that override keys record their flags here.
  std::map<std::string, std::string> flags;
  std::string origin(const std::string& key) const;

  // Checks values and their combinations (ConfigError naming the key). The spec strings
  // are checked when they are parsed (job_plan.hpp).
  void validate() const;
  // Optimizer runs of a comparison: max(|optimizers|, |estimators|) (see CompareConfig); the
  // solver runs follow them.
  std::size_t compare_runs() const;
  // The optimizer and estimator specs of comparison run k (estimator "" = [estimator]).
  const std::string& compare_optimizer(std::size_t k) const;
  const std::string& compare_estimator(std::size_t k) const;
};

// Reads and validates a TOML file. IoError if it cannot be read; ConfigError otherwise.
JobConfig load_job_config(const std::string& path);
// Same from text (`source` names it in messages).
JobConfig parse_job_config(const std::string& text, const std::string& source);

}  // namespace descent
