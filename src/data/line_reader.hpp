// Lines of a text data file (plain or gzip), one at a time, through a buffer that
// grows only as far as the longest line: a file is never held whole.
// "\n" and "\r\n" both end a line; a last line without a newline still counts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "byte_stream.hpp"

namespace descent::data_detail {

class LineReader {
 public:
  explicit LineReader(ByteStream& stream) : stream_(stream) {}

  // Sets `line` to the next line (without its end-of-line bytes) and returns true, or
  // returns false at the end of the data. The view stays valid until the next call.
  // Throws FormatError "<path>: line <n>: <why>" when a gzip stream breaks off.
  bool next(std::string_view& line);

  // 1-based number of the line last returned (0 before the first).
  std::uint64_t line_number() const noexcept { return line_number_; }
  const std::string& path() const noexcept { return stream_.path(); }

  // "<path>: line <n>: <why>", the prefix of every text-format error.
  [[noreturn]] void fail(const std::string& why) const;
  // "<path>: line <n>, column <c>: <why>" with a 1-based column (a CSV field), or
  // "..., column <c> (<name>): <why>" when the column has a (quoted) name.
  [[noreturn]] void fail_column(std::size_t column, const std::string& why, const std::string& name = {}) const;

 private:
  bool refill();

  ByteStream& stream_;
  std::vector<char> buffer_ = std::vector<char>(std::size_t{1} << 16);
  std::size_t begin_ = 0, end_ = 0;  // unread bytes are buffer_[begin_, end_)
  std::uint64_t line_number_ = 0;
  bool at_end_ = false;
};

}  // namespace descent::data_detail
