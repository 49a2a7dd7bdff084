// `descent predict`: a saved model's predictions for the rows of a data file, as CSV
// (stdout, or --output FILE written atomically): one line per row with the prediction and,
// for classifiers, the probability of each class.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "data_file_options.hpp"

namespace descent::cli {

struct PredictArgs {
  std::string model;
  std::string data;
  std::string labels;  // idx, npy: a labels file (not needed to predict)
  std::optional<std::string> output;
  bool no_proba = false;
  DataFileArgs file;
};

CLI::App* add_predict_command(CLI::App& app, PredictArgs& args);
int run_predict(const PredictArgs& args);

}  // namespace descent::cli
