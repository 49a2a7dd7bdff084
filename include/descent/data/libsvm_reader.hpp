// The libsvm / svmlight text format: one example per line,
//
//   <label> [qid:<n>] <index>:<value> <index>:<value> ... [# comment]
//
// with indices strictly increasing within a line. The file may be gzip-compressed
// (recognized by its magic bytes). The result is a sparse dataset: indices become
// 0-based CSR columns, and labels are kept as written (see preprocess.hpp to remap
// {-1,+1} <-> {0,1}). Errors are FormatError "<path>: line <n>: <reason>". See
// docs/data.md for the full grammar and the error messages.
#pragma once

#include <cstdint>
#include <string>

#include "descent/data/dataset.hpp"

namespace descent {

struct LibsvmOptions {
  // Indices in the file start at 0. By default they start at 1 (as libsvm and svmlight
  // write them), and index 0 is an error.
  bool zero_based = false;
  // Number of feature columns. 0: the largest index in the file decides. Otherwise a
  // feature at column >= dimension is an error; set it to read a test file with the
  // training file's dimension (a test file may lack the last features).
  std::uint64_t dimension = 0;
  // The largest index accepted, as written in the file; 1 <= max_index < 2^63. The
  // default 2^31 - 1 keeps a single mistyped index from making a model with billions of
  // parameters; raise it for data that really has that many features.
  std::uint64_t max_index = (std::uint64_t{1} << 31) - 1;
};

// Reads a whole libsvm file. Throws IoError if it cannot be read, FormatError if it is
// malformed or holds no example, ConfigError for options out of range.
template <class T>
Dataset<T> read_libsvm(const std::string& path, const LibsvmOptions& options = {});

}  // namespace descent
