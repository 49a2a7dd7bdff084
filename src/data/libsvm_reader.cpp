#include "descent/data/libsvm_reader.hpp"

#include <algorithm>
#include <string_view>

#include "byte_stream.hpp"
#include "descent/core/error.hpp"
#include "line_reader.hpp"
#include "text_field.hpp"

namespace descent {
namespace {

using data_detail::ByteStream;
using data_detail::LineReader;
using data_detail::parse_real;
using data_detail::parse_u64;
using data_detail::quote;

constexpr std::uint64_t kMaxColumns = std::uint64_t{1} << 63;  // CSR columns are int64

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Splits a line into blank-separated tokens without copying.
class Tokens {
 public:
  explicit Tokens(std::string_view line) : rest_(line) {}
  bool next(std::string_view& token) {
    std::size_t i = 0;
    while (i < rest_.size() && is_blank(rest_[i])) ++i;
    if (i == rest_.size()) return false;
    std::size_t j = i;
    while (j < rest_.size() && !is_blank(rest_[j])) ++j;
    token = rest_.substr(i, j - i);
    rest_.remove_prefix(j);
    return true;
  }

 private:
  std::string_view rest_;
};

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void validate(const LibsvmOptions& options) {
  require(options.max_index >= 1 && options.max_index < kMaxColumns, "LibsvmOptions", "max_index",
          static_cast<double>(options.max_index), "1 <= max_index < 2^63");
  require(options.dimension < kMaxColumns, "LibsvmOptions", "dimension", static_cast<double>(options.dimension),
          "dimension < 2^63");
}

}  // namespace

template <class T>
Dataset<T> read_libsvm(const std::string& path, const LibsvmOptions& options) {
  validate(options);
  ByteStream stream(path);
  LineReader lines(stream);
  SparseFeatures<T> features;
  features.row_offsets.push_back(0);
  std::vector<T> labels;
  std::uint64_t columns_seen = 0;  // largest column + 1

  std::string_view line;
  while (lines.next(line)) {
    // '#' starts a comment wherever it is; a line that is blank once it is cut holds no example.
    line = line.substr(0, line.find('#'));
    Tokens tokens(line);
    std::string_view token;
    if (!tokens.next(token)) continue;

    T label{};
    if (auto why = parse_real(token, label); !why.empty()) lines.fail("label " + why);

    bool first_feature = true;
    bool has_previous = false;
    std::uint64_t previous = 0;
    while (tokens.next(token)) {
      const bool is_qid = token.starts_with("qid:");
      if (is_qid && !first_feature) lines.fail("qid must come right after the label");
      first_feature = false;
      if (is_qid) {
        // Query ids group examples for ranking; descent has no use for them, but a
        // malformed one still means a malformed file.
        std::uint64_t qid = 0;
        if (!parse_u64(token.substr(4), qid))
          lines.fail("qid " + quote(token.substr(4)) + " is not a non-negative 64-bit integer");
        continue;
      }
      const std::size_t colon = token.find(':');
      if (colon == std::string_view::npos) lines.fail("expected <index>:<value>, found " + quote(token));
      const std::string_view index_text = token.substr(0, colon);
      const std::string_view value_text = token.substr(colon + 1);

      std::uint64_t index = 0;
      const bool parsed = parse_u64(index_text, index);
      if (!parsed && !all_digits(index_text))
        lines.fail("index " + quote(index_text) + " is not a non-negative integer");
      if (!parsed || index > options.max_index)  // !parsed here: digits beyond 2^64
        lines.fail("index " + std::string(index_text) +
                   " exceeds LibsvmOptions::max_index = " + std::to_string(options.max_index));
      if (index == 0 && !options.zero_based)
        lines.fail("index 0 in a 1-based file (set LibsvmOptions::zero_based for files whose indices start at 0)");
      if (has_previous && index == previous) lines.fail("duplicate index " + std::to_string(index));
      if (has_previous && index < previous)
        lines.fail("index " + std::to_string(index) + " after index " + std::to_string(previous) +
                   ": indices must be strictly increasing");
      const std::uint64_t column = options.zero_based ? index : index - 1;
      if (options.dimension != 0 && column >= options.dimension)
        lines.fail("index " + std::to_string(index) +
                   " is beyond LibsvmOptions::dimension = " + std::to_string(options.dimension));

      T value{};
      if (auto why = parse_real(value_text, value); !why.empty())
        lines.fail("index " + std::to_string(index) + ": value " + why);

      features.columns.push_back(static_cast<std::int64_t>(column));
      features.values.push_back(value);
      columns_seen = std::max(columns_seen, column + 1);
      previous = index;
      has_previous = true;
    }
    labels.push_back(label);
    features.row_offsets.push_back(static_cast<std::int64_t>(features.values.size()));
  }
  if (labels.empty()) throw FormatError(path + ": no examples (the file is empty or holds only comments)");
  features.rows = labels.size();
  features.cols = options.dimension != 0 ? options.dimension : columns_seen;
  return Dataset<T>(std::move(features), std::move(labels), path);
}

template Dataset<float> read_libsvm<float>(const std::string&, const LibsvmOptions&);
template Dataset<double> read_libsvm<double>(const std::string&, const LibsvmOptions&);

}  // namespace descent
