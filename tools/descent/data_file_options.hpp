// The options that name a data file on the command line, shared by `descent train`
// (--train, --test), `descent predict` and `descent evaluate` (--data): its format, its
// labels file (idx, npy) and, for CSV, which column holds the label.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "descent/data/read_dataset.hpp"
#include "descent/run/trained_model.hpp"

namespace descent::cli {

struct DataFileArgs {
  std::optional<std::string> format;        // libsvm, csv, idx, npy, auto
  std::optional<std::string> label_column;  // CSV: a 0-based index or a header name
  bool header = false;                      // CSV: the first line names the columns
  bool zero_based = false;                  // libsvm: indices start at 0
};

// Adds --format, --label-column, --header and --zero-based to `command`.
void add_data_file_options(CLI::App& command, DataFileArgs& args);

// Applies the options to `spec` (a name as --label-column implies --header); ConfigError
// naming the flag for a format that is not one of the readers'.
void apply_data_file_options(const DataFileArgs& args, DatasetSpec& spec);

// Reads `spec` in the model's precision, a libsvm file with the model's width (a file
// whose last features are all zero is shorter). Unlabeled CSV data with one column more
// than the model takes is read again with its last column as the label: the layout of
// the training file.
template <class T>
Dataset<T> read_for_model(const TrainedModel<T>& model, DatasetSpec spec) {
  if (spec.libsvm.dimension == 0) spec.libsvm.dimension = model.features();
  Dataset<T> data = read_dataset<T>(spec);
  if (spec.unlabeled && data.dimension() == model.features() + 1 &&
      (spec.format == "csv" || (spec.format == "auto" && detect_format(spec.path, spec.csv.delimiter) == "csv"))) {
    spec.unlabeled = false;
    data = read_dataset<T>(spec);
  }
  return data;
}

}  // namespace descent::cli
