// `descent compare`: trains one model with several optimizers from the same initial
// parameters and the same batches, and writes a report folder (table + plots).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "job_options.hpp"

namespace descent::cli {

struct CompareArgs {
  JobArgs job;
  std::vector<std::string> optimizers;  // overrides [compare].optimizers when given
  std::vector<std::string> estimators;  // overrides [compare].estimators when given
  std::vector<std::string> solvers;     // overrides [compare].solvers when given
  std::vector<std::string> labels;
  std::optional<double> target_loss;
  std::optional<double> target_accuracy;
  std::optional<std::size_t> seeds;
  std::optional<std::string> reference_optimum;  // a number or "auto"
  std::optional<std::int64_t> evals_per_epoch;
};

CLI::App* add_compare_command(CLI::App& app, CompareArgs& args);
int run_compare(const CompareArgs& args, const std::atomic<bool>& interrupted);

}  // namespace descent::cli
