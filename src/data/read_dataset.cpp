#include "descent/data/read_dataset.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "byte_stream.hpp"
#include "descent/core/error.hpp"
#include "descent/data/idx_reader.hpp"
#include "descent/data/npy_reader.hpp"
#include "line_reader.hpp"

namespace descent {
namespace {

using data_detail::ByteStream;
using data_detail::LineReader;

// Text files are sniffed line by line up to this many lines (files whose first
// thousand examples have no feature are not worth guessing about).
constexpr std::uint64_t kSniffLines = 1000;

bool ends_with_any(std::string_view name, std::initializer_list<std::string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](std::string_view s) { return name.ends_with(s); });
}

std::string_view without_gz(std::string_view path) {
  if (path.ends_with(".gz")) path.remove_suffix(3);
  return path;
}

bool is_idx_magic(const std::array<unsigned char, 4>& magic) {
  constexpr std::array<unsigned char, 6> kTypes = {0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E};
  return magic[0] == 0 && magic[1] == 0 && std::find(kTypes.begin(), kTypes.end(), magic[2]) != kTypes.end() &&
         magic[3] > 0;
}

// "libsvm" if a token after the first looks like <digits>:<...> or qid:..., "csv" if the
// line holds the delimiter, "" if the line does not tell (a blank line, or a label alone).
std::string classify_line(std::string_view line, char delimiter) {
  line = line.substr(0, line.find('#'));
  std::size_t token_index = 0;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    const std::size_t start = pos;
    while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
    if (start == pos) break;
    const std::string_view token = line.substr(start, pos - start);
    if (token_index++ == 0) continue;
    const std::size_t colon = token.find(':');
    const std::string_view head = token.substr(0, colon);
    if (colon != std::string_view::npos && colon > 0 &&
        (head == "qid" || std::all_of(head.begin(), head.end(), [](char c) { return c >= '0' && c <= '9'; })))
      return "libsvm";
  }
  if (line.find(delimiter) != std::string_view::npos) return "csv";
  return "";
}

}  // namespace

std::string detect_format(const std::string& path, char delimiter) {
  ByteStream in(path);
  std::array<unsigned char, 6> head{};
  const std::size_t got = in.peek(head.data(), head.size());
  if (got == head.size() && std::string_view(reinterpret_cast<const char*>(head.data()), 6) == "\x93NUMPY")
    return "npy";
  if (got >= 4 && is_idx_magic({head[0], head[1], head[2], head[3]})) return "idx";

  const std::string_view name = without_gz(path);
  if (ends_with_any(name, {".csv", ".tsv"})) return "csv";
  if (ends_with_any(name, {".libsvm", ".svm", ".svmlight"})) return "libsvm";

  LineReader lines(in);
  std::string_view line;
  while (lines.line_number() < kSniffLines && lines.next(line)) {
    std::string format = classify_line(line, delimiter);
    if (!format.empty()) return format;
  }
  throw FormatError(path +
                    ": cannot tell the format from the name or the first lines; set DatasetSpec::format "
                    "(libsvm, idx, csv or npy)");
}

template <class T>
Dataset<T> read_dataset(const DatasetSpec& spec) {
  if (spec.path.empty()) throw ConfigError("DatasetSpec::path is empty");
  std::string format = spec.format;
  CsvOptions csv = spec.csv;
  if (format == "auto") {
    format = detect_format(spec.path, csv.delimiter);
    if (format == "csv" && csv.delimiter == ',' && without_gz(spec.path).ends_with(".tsv")) csv.delimiter = '\t';
  }
  const bool paired = format == "idx" || format == "npy";
  if (format != "libsvm" && format != "csv" && !paired)
    throw ConfigError("DatasetSpec::format = '" + spec.format + "' is not one of libsvm, idx, csv, npy, auto");
  if (spec.unlabeled) {
    if (!spec.labels_path.empty())
      throw ConfigError("DatasetSpec::labels_path = '" + spec.labels_path + "' for unlabeled data (" + spec.path + ")");
    if (format == "libsvm") return read_libsvm<T>(spec.path, spec.libsvm);
    if (format == "csv") {
      csv.has_labels = false;
      csv.label_index.reset();
      csv.label_name.clear();
      return read_csv<T>(spec.path, csv);
    }
    std::vector<std::uint64_t> dims;
    AlignedBuffer<T> values;
    if (format == "idx") {
      IdxArray<T> a = read_idx<T>(spec.path);
      dims = std::move(a.dims);
      values = std::move(a.values);
    } else {
      NpyArray<T> a = read_npy<T>(spec.path);
      dims = std::move(a.shape);
      values = std::move(a.values);
    }
    const std::size_t rows = static_cast<std::size_t>(dims.at(0));
    const std::size_t cols = rows == 0 ? 0 : values.size() / rows;
    DenseFeatures<T> features{rows, dims.size() == 1 ? 1 : cols, std::move(values)};
    return Dataset<T>(std::move(features), std::vector<T>(rows, T(0)), spec.path);
  }
  if (paired && spec.labels_path.empty())
    throw ConfigError("DatasetSpec::labels_path is required for " + format + " data (" + spec.path + ")");
  if (!paired && !spec.labels_path.empty())
    throw ConfigError("DatasetSpec::labels_path = '" + spec.labels_path + "' but " + format + " data (" + spec.path +
                      ") holds its own labels");
  if (format == "libsvm") return read_libsvm<T>(spec.path, spec.libsvm);
  if (format == "csv") return read_csv<T>(spec.path, csv);
  if (format == "idx") return read_idx_dataset<T>(spec.path, spec.labels_path);
  return read_npy_dataset<T>(spec.path, spec.labels_path);
}

template Dataset<float> read_dataset<float>(const DatasetSpec&);
template Dataset<double> read_dataset<double>(const DatasetSpec&);

}  // namespace descent
