#include "byte_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <new>

#include "descent/core/error.hpp"

namespace descent::data_detail {
namespace {

// zlib's buffer for compressed input and for its output window: large enough that a
// gzread() call costs little next to the inflation itself.
constexpr unsigned kZlibBufferBytes = 1u << 16;
// The largest expansion deflate allows: 258 bytes from a 2-bit match (RFC 1951).
constexpr std::uint64_t kMaxDeflateRatio = 1032;

gzFile as_gz(void* file) { return static_cast<gzFile>(file); }

}  // namespace

ByteStream::ByteStream(std::string path) : path_(std::move(path)) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(path_ + ": cannot open: " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int saved = errno;
    ::close(fd);
    throw IoError(path_ + ": cannot open: " + std::strerror(saved));
  }
  // Only regular files: their size bounds what a header may claim before any
  // allocation (a pipe or a directory has no such size).
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    throw IoError(path_ + ": not a regular file");
  }
  file_size_ = static_cast<std::uint64_t>(info.st_size);
  gzFile file = gzdopen(fd, "rb");
  if (file == nullptr) {
    ::close(fd);
    throw std::bad_alloc();
  }
  file_ = file;
  gzbuffer(file, kZlibBufferBytes);
  // gzdirect() reads the first bytes to look for the gzip magic; a read error there
  // shows again, and is reported, on the first read().
  compressed_ = gzdirect(file) == 0;
}

ByteStream::ByteStream(std::string name, std::string bytes)
    : path_(std::move(name)), file_size_(bytes.size()), memory_(std::move(bytes)) {}

ByteStream::~ByteStream() {
  if (file_ != nullptr) gzclose_r(as_gz(file_));
}

std::size_t ByteStream::read_from_file(char* out, std::size_t size) {
  if (file_ == nullptr) {
    const std::size_t n = std::min(size, memory_.size() - memory_read_);
    std::memcpy(out, memory_.data() + memory_read_, n);
    memory_read_ += n;
    return n;
  }
  std::size_t done = 0;
  while (done < size && failure_.empty()) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - done, INT_MAX));
    const int got = gzread(as_gz(file_), out + done, chunk);
    if (got > 0) {
      done += static_cast<std::size_t>(got);
      continue;
    }
    int code = Z_OK;
    const char* message = gzerror(as_gz(file_), &code);
    if (code == Z_ERRNO) throw IoError(path_ + ": read failed: " + std::strerror(errno));
    if (code == Z_MEM_ERROR) throw std::bad_alloc();
    if (code == Z_BUF_ERROR) {
      failure_ = "truncated gzip stream (the compressed data ends early)";
    } else if (code != Z_OK) {
      // zlib's message reads "<fd:N>: <reason>" (the file was opened by descriptor);
      // keep the reason only.
      std::string reason = message != nullptr ? message : "unknown zlib error";
      if (const auto colon = reason.find(": "); reason.starts_with("<fd:") && colon != std::string::npos)
        reason.erase(0, colon + 2);
      failure_ = "corrupt gzip stream (" + reason + ")";
    }
    break;  // got == 0 with Z_OK: a clean end of the data
  }
  return done;
}

std::size_t ByteStream::read(void* out, std::size_t size) {
  char* destination = static_cast<char*>(out);
  const std::size_t from_peek = std::min(size, peeked_.size());
  std::memcpy(destination, peeked_.data(), from_peek);
  peeked_.erase(0, from_peek);
  const std::size_t done = from_peek + read_from_file(destination + from_peek, size - from_peek);
  offset_ += done;
  return done;
}

std::size_t ByteStream::peek(void* out, std::size_t size) {
  if (peeked_.size() < size) {
    const std::size_t have = peeked_.size();
    peeked_.resize(size);
    peeked_.resize(have + read_from_file(peeked_.data() + have, size - have));
  }
  const std::size_t n = std::min(size, peeked_.size());
  std::memcpy(out, peeked_.data(), n);
  return n;
}

std::uint64_t ByteStream::max_remaining() const noexcept {
  const std::uint64_t total = compressed_ ? file_size_ * kMaxDeflateRatio : file_size_;
  return total > offset_ ? total - offset_ : 0;
}

}  // namespace descent::data_detail
