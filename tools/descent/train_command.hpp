// `descent train`: trains one model and evaluates it after every epoch (see app/jobs.hpp
// for the files it writes).
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "job_options.hpp"

namespace descent::cli {

struct TrainArgs {
  JobArgs job;
  bool resume = false;
  std::optional<std::string> output;  // [output].model
};

CLI::App* add_train_command(CLI::App& app, TrainArgs& args);
int run_train(const TrainArgs& args, const std::atomic<bool>& interrupted);

}  // namespace descent::cli
