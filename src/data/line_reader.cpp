#include "line_reader.hpp"

#include <cstring>

#include "descent/core/error.hpp"

namespace descent::data_detail {

void LineReader::fail(const std::string& why) const {
  throw FormatError(stream_.path() + ": line " + std::to_string(line_number_) + ": " + why);
}

void LineReader::fail_column(std::size_t column, const std::string& why, const std::string& name) const {
  throw FormatError(stream_.path() + ": line " + std::to_string(line_number_) + ", column " + std::to_string(column) +
                    (name.empty() ? "" : " (" + name + ")") + ": " + why);
}

// Moves the unread bytes to the front, grows the buffer if they fill it (a line longer
// than the buffer), and reads more. Returns false when nothing more came.
bool LineReader::refill() {
  if (at_end_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  const std::size_t wanted = buffer_.size() - end_;
  const std::size_t got = stream_.read(buffer_.data() + end_, wanted);
  end_ += got;
  at_end_ = got < wanted;
  return got > 0;
}

bool LineReader::next(std::string_view& line) {
  std::size_t scanned = 0;  // bytes of the current line already searched for '\n'
  for (;;) {
    const char* start = buffer_.data() + begin_;
    const void* newline = std::memchr(start + scanned, '\n', end_ - begin_ - scanned);
    if (newline != nullptr) {
      const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(newline) - start);
      line = std::string_view(start, length);
      begin_ += length + 1;
      break;
    }
    scanned = end_ - begin_;
    if (!refill()) {
      // A broken gzip stream is reported once the complete lines before the break have
      // been returned, at the line it broke off in.
      if (!stream_.failure().empty()) {
        ++line_number_;
        fail(stream_.failure());
      }
      if (begin_ == end_) return false;
      line = std::string_view(buffer_.data() + begin_, end_ - begin_);
      begin_ = end_;
      break;
    }
  }
  ++line_number_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

}  // namespace descent::data_detail
