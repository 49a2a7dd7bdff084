#include "descent/data/csv_reader.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "byte_stream.hpp"
#include "descent/core/error.hpp"
#include "line_reader.hpp"
#include "text_field.hpp"

namespace descent {
namespace {

using data_detail::ByteStream;
using data_detail::LineReader;
using data_detail::parse_real;
using data_detail::quote;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// A field as it appears between delimiters: for a quoted field, the text inside the
// quotes, still with its doubled quotes ("" for ").
struct Field {
  std::string_view text;
  bool quoted = false;
};

std::string unescape(const Field& field) {
  std::string out(field.text);
  if (!field.quoted) return out;
  for (std::size_t i = out.find("\"\""); i != std::string::npos; i = out.find("\"\"", i + 1)) out.erase(i, 1);
  return out;
}

class FieldSplitter {
 public:
  explicit FieldSplitter(char delimiter) : delimiter_(delimiter) {}

  // Splits `line` into `fields` (views into the line).
  void split(std::string_view line, const LineReader& lines, std::vector<Field>& fields) const {
    fields.clear();
    std::size_t pos = 0;
    for (;;) {
      pos = skip_padding(line, pos);
      Field field;
      if (pos < line.size() && line[pos] == '"') {
        const std::size_t open = pos;
        std::size_t close = pos + 1;
        for (;; ++close) {
          if (close >= line.size())
            lines.fail_column(fields.size() + 1, "unterminated quoted field (a field cannot span lines)");
          if (line[close] != '"') continue;
          if (close + 1 < line.size() && line[close + 1] == '"') {
            ++close;  // a doubled quote inside the field
            continue;
          }
          break;
        }
        field = {line.substr(open + 1, close - open - 1), true};
        pos = skip_padding(line, close + 1);
        if (pos < line.size() && line[pos] != delimiter_)
          lines.fail_column(fields.size() + 1, "unexpected " + quote(line.substr(pos, 1)) + " after a quoted field");
      } else {
        const std::size_t start = pos;
        while (pos < line.size() && line[pos] != delimiter_) ++pos;
        std::size_t stop = pos;
        while (stop > start && is_padding(line[stop - 1])) --stop;
        field = {line.substr(start, stop - start), false};
      }
      fields.push_back(field);
      if (pos >= line.size()) return;
      ++pos;  // the delimiter; a delimiter at the end of the line opens one more (empty) field
    }
  }

  bool is_blank(std::string_view line) const {
    return std::all_of(line.begin(), line.end(), [this](char c) { return is_padding(c); });
  }

 private:
  bool is_padding(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }
  std::size_t skip_padding(std::string_view line, std::size_t pos) const {
    while (pos < line.size() && is_padding(line[pos])) ++pos;
    return pos;
  }

  char delimiter_;
};

void validate(const CsvOptions& options) {
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r')
    throw ConfigError("CsvOptions::delimiter = " + quote(std::string_view(&options.delimiter, 1)) +
                      " violates delimiter not in {'\"', '\\n', '\\r'}");
  if (options.label_index && !options.label_name.empty())
    throw ConfigError("CsvOptions::label_index and CsvOptions::label_name are both set; set at most one");
  if (!options.has_labels && (options.label_index || !options.label_name.empty()))
    throw ConfigError("CsvOptions::has_labels = false, yet a label column is named");
  if (!options.label_name.empty() && !options.has_header)
    throw ConfigError("CsvOptions::label_name = " + quote(options.label_name) + " needs CsvOptions::has_header = true");
}

// The 0-based label column, given the first row's field count (and the header names).
std::size_t label_column(const CsvOptions& options, std::size_t columns, const std::vector<std::string>& names,
                         const LineReader& lines) {
  if (!options.label_name.empty()) {
    const auto count = std::count(names.begin(), names.end(), options.label_name);
    if (count == 0) lines.fail("no column named " + quote(options.label_name) + " in the header");
    if (count > 1) lines.fail("column name " + quote(options.label_name) + " appears more than once in the header");
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), options.label_name) - names.begin());
  }
  if (options.label_index) {
    if (*options.label_index >= columns)
      lines.fail("CsvOptions::label_index = " + std::to_string(*options.label_index) + " but rows have " +
                 std::to_string(columns) + " columns (indices start at 0)");
    return *options.label_index;
  }
  return columns - 1;
}

}  // namespace

template <class T>
Dataset<T> read_csv(const std::string& path, const CsvOptions& options) {
  validate(options);
  ByteStream stream(path);
  LineReader lines(stream);
  const FieldSplitter splitter(options.delimiter);

  std::vector<Field> fields;
  std::vector<std::string> names;
  std::vector<T> values, labels;
  std::size_t columns = 0, label = 0;
  std::uint64_t first_line = 0;  // the line that set the number of columns

  std::string_view line;
  while (lines.next(line)) {
    if (lines.line_number() == 1 && line.starts_with(kByteOrderMark)) line.remove_prefix(kByteOrderMark.size());
    if (splitter.is_blank(line)) continue;
    splitter.split(line, lines, fields);
    if (first_line == 0) {
      first_line = lines.line_number();
      columns = fields.size();
      if (columns < 2 && options.has_labels)
        lines.fail("1 column: a CSV dataset needs the label column and at least one feature column (is " +
                   quote(std::string_view(&options.delimiter, 1)) + " the delimiter?)");
      if (options.has_header) {
        for (const Field& field : fields) names.push_back(unescape(field));
        label = options.has_labels ? label_column(options, columns, names, lines) : columns;
        continue;
      }
      label = options.has_labels ? label_column(options, columns, names, lines) : columns;
    }
    if (fields.size() != columns)
      lines.fail(std::to_string(fields.size()) + " fields, expected " + std::to_string(columns) + " (as in line " +
                 std::to_string(first_line) + ")");
    for (std::size_t c = 0; c < columns; ++c) {
      T value{};
      const std::string why =
          fields[c].text.empty() ? "empty field (missing values are not supported)" : parse_real(fields[c].text, value);
      if (!why.empty()) lines.fail_column(c + 1, why, names.empty() ? std::string() : quote(names[c]));
      (c == label ? labels : values).push_back(value);
    }
    if (!options.has_labels) labels.push_back(T(0));
  }
  if (first_line == 0) throw FormatError(path + ": empty file (no header and no example)");
  if (labels.empty()) throw FormatError(path + ": no examples after the header");

  DenseFeatures<T> features{labels.size(), options.has_labels ? columns - 1 : columns,
                            AlignedBuffer<T>(values.size())};
  std::copy(values.begin(), values.end(), features.values.begin());
  return Dataset<T>(std::move(features), std::move(labels), path);
}

template Dataset<float> read_csv<float>(const std::string&, const CsvOptions&);
template Dataset<double> read_csv<double>(const std::string&, const CsvOptions&);

}  // namespace descent
