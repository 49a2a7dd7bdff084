#include "data_file_options.hpp"

#include <algorithm>
#include <cctype>

#include "descent/core/error.hpp"
#include "option_error.hpp"

namespace descent::cli {

void add_data_file_options(CLI::App& c, DataFileArgs& a) {
  c.add_option("--format", a.format, "data file format: libsvm, csv, idx, npy or auto (from the content; default)");
  c.add_option("--label-column", a.label_column,
               "CSV: the label column, a 0-based index or a header name (default: the last column)");
  c.add_flag("--header", a.header, "CSV: the first line names the columns");
  c.add_flag("--zero-based", a.zero_based, "libsvm: feature indices start at 0");
}

void apply_data_file_options(const DataFileArgs& a, DatasetSpec& spec) {
  if (a.format) {
    static const char* const kFormats[] = {"libsvm", "csv", "idx", "npy", "auto"};
    if (std::find(std::begin(kFormats), std::end(kFormats), *a.format) == std::end(kFormats))
      throw OptionError("--format", "'" + *a.format + "' is not one of libsvm, csv, idx, npy, auto");
    spec.format = *a.format;
  }
  if (a.header) spec.csv.has_header = true;
  if (a.zero_based) spec.libsvm.zero_based = true;
  if (a.label_column) {
    const std::string& column = *a.label_column;
    const bool index = !column.empty() && std::all_of(column.begin(), column.end(),
                                                      [](unsigned char ch) { return std::isdigit(ch) != 0; });
    if (index) {
      if (column.size() > 18) throw OptionError("--label-column", column + " is out of range");
      spec.csv.label_index = static_cast<std::size_t>(std::stoull(column));
      spec.csv.label_name.clear();
    } else {
      if (column.empty()) throw OptionError("--label-column", "empty (a 0-based index or a header name)");
      spec.csv.label_name = column;
      spec.csv.label_index.reset();
      spec.csv.has_header = true;
    }
  }
}

}  // namespace descent::cli
