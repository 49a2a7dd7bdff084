// The options `descent train` and `descent compare` share: a TOML config file and flags
// that override single keys of it (flags win), so a config can be reused with e.g. a
// different --epochs without editing it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "data_file_options.hpp"
#include "descent/app/job_config.hpp"

namespace descent::cli {

struct JobArgs {
  std::string config;
  std::optional<std::string> data, model, activation, optimizer, estimator, sampling, precision, out, preprocess,
      average, stationarity_stop, solver, accountant, distributed;
  std::optional<std::vector<std::size_t>> hidden;
  std::vector<std::string> callbacks;
  std::optional<std::int64_t> epochs, solver_steps;
  std::optional<std::size_t> batch_size, train_limit, test_limit;
  std::optional<std::uint64_t> seed;
  std::optional<int> threads;
  std::optional<double> l2, privacy_delta, distributed_timeout;
  bool full_objective = false;
  bool quiet = false;
  // Your own data without a job file: --train (and --test) set [data].name = "files".
  std::optional<std::string> train_file, test_file, train_labels, test_labels;
  DataFileArgs file;
};

void add_job_options(CLI::App& command, JobArgs& args);

// The config file (or defaults), with the flags applied and validated again. Each key a
// flag set is recorded in JobConfig::flags, so that a bad spec's message names the flag.
JobConfig job_config_from(const JobArgs& args);

}  // namespace descent::cli
