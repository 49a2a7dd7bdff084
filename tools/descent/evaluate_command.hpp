// `descent evaluate`: a saved model's loss and accuracy on a labeled data file, and for
// classifiers the confusion matrix and each class's accuracy (or --json for all of it as
// one JSON object).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "data_file_options.hpp"

namespace descent::cli {

struct EvaluateArgs {
  std::string model;
  std::string data;
  std::string labels;  // idx, npy: the labels file
  bool json = false;
  DataFileArgs file;
};

CLI::App* add_evaluate_command(CLI::App& app, EvaluateArgs& args);
int run_evaluate(const EvaluateArgs& args);

}  // namespace descent::cli
