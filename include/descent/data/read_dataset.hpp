// One entry point for reading data, so that the command line and configuration files
// can name a dataset in one place:
//
//   DatasetSpec spec{.format = "auto", .path = "train-images-idx3-ubyte.gz",
//                    .labels_path = "train-labels-idx1-ubyte.gz"};
//   Dataset<float> train = read_dataset<float>(spec);
#pragma once

#include <string>

#include "descent/data/csv_reader.hpp"
#include "descent/data/dataset.hpp"
#include "descent/data/libsvm_reader.hpp"

namespace descent {

struct DatasetSpec {
  // "libsvm", "idx", "csv", "npy", or "auto" (see detect_format).
  std::string format = "auto";
  // The data file; for idx and npy, the features (images) file.
  std::string path;
  // For idx and npy: the labels file (required). Must be empty for libsvm and csv,
  // whose files hold their labels.
  std::string labels_path;
  // Features only, for data to predict on: csv takes every column as a feature, idx and
  // npy read no labels file (labels_path must be empty); every label is 0. libsvm lines
  // always begin with a label, which is read and not used.
  bool unlabeled = false;
  LibsvmOptions libsvm;  // used when the format is libsvm
  CsvOptions csv;        // used when the format is csv
};

// The format of a data file, from its content first and its name second:
//   "\x93NUMPY" magic -> "npy"; 00 00 <IDX type> <ndim > 0> -> "idx" (both looked for
//   after gzip decompression); then, for text, the name without ".gz": *.csv, *.tsv ->
//   "csv"; *.libsvm, *.svm, *.svmlight -> "libsvm"; otherwise the first line that is
//   neither blank nor a '#' comment: a token after the first one of the form
//   <digits>:<...> or qid:... -> "libsvm", a `delimiter` in the line -> "csv".
// Throws IoError if the file cannot be read, FormatError if no rule decides.
std::string detect_format(const std::string& path, char delimiter = ',');

// Reads the dataset `spec` names. Throws ConfigError for an unknown format or a
// missing/superfluous labels_path, and whatever the chosen reader throws.
// With format "auto" and a *.tsv name, a CSV delimiter left at ',' becomes '\t'.
template <class T>
Dataset<T> read_dataset(const DatasetSpec& spec);

}  // namespace descent
