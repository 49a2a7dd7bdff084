// Delimited text (CSV, TSV): one example per line, all fields numeric, one of them the
// label. Fields may be wrapped in double quotes ("1.5", "a ""quoted"" name");
// spaces and tabs around a field are ignored; "\n" and "\r\n" both end a line; blank
// lines are skipped; a UTF-8 byte-order mark at the start is ignored. A quoted field
// cannot span lines. The file may be gzip-compressed. Errors are FormatError
// "<path>: line <n>[, column <c>]: <reason>" with 1-based line and column.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "descent/data/dataset.hpp"

namespace descent {

struct CsvOptions {
  // Field separator: ',' for CSV, '\t' for TSV, ';' in some locales. Not '"' or '\n'.
  char delimiter = ',';
  // The first non-blank line names the columns instead of holding an example.
  bool has_header = false;
  // The label column, as a 0-based index ...
  std::optional<std::size_t> label_index;
  // ... or as its name in the header (needs has_header). Set at most one of the two;
  // with neither, the last column is the label.
  std::string label_name;
  // false: no column is a label (data to predict on): every column is a feature and every
  // label is 0. Then label_index and label_name must be unset.
  bool has_labels = true;
};

// Reads a whole CSV file into a dense dataset whose columns are the fields other than
// the label, in file order. Throws IoError if it cannot be read, FormatError if it is
// malformed or holds no example, ConfigError for contradictory options.
template <class T>
Dataset<T> read_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace descent
