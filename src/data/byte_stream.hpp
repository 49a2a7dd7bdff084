// Sequential reading of a data file that may be gzip-compressed. zlib's gz* functions
// look at the magic bytes (1f 8b), not at the name, and read a plain file through the
// same calls, so every reader handles `x.idx` and `x.idx.gz` alike. Reads go through a
// fixed buffer: nothing holds the whole file.
//
// Private to src/data: the readers turn what this reports into their own messages
// (a line for text formats, a byte offset for binary ones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace descent::data_detail {

class ByteStream {
 public:
  // Opens `path` (a regular file); throws IoError naming it when that fails.
  explicit ByteStream(std::string path);
  // Reads `bytes` instead of a file (an entry of a .npz archive, say); `name` is what
  // path() reports in messages, e.g. "model.npz: layer0.weight.npy".
  ByteStream(std::string name, std::string bytes);
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;
  ~ByteStream();

  // Copies up to `size` bytes of (uncompressed) data to `out` and returns how many.
  // Fewer than `size` means the data ended: cleanly when failure() is empty, else
  // because the gzip stream is truncated or corrupt. A failing read() of the
  // file itself (EIO) throws IoError.
  std::size_t read(void* out, std::size_t size);

  // Like read(), without consuming: fills `out` with the next bytes (fewer at the end).
  std::size_t peek(void* out, std::size_t size);

  const std::string& path() const noexcept { return path_; }
  bool compressed() const noexcept { return compressed_; }
  // Uncompressed bytes consumed so far: the offset that binary formats report.
  std::uint64_t offset() const noexcept { return offset_; }
  // Why the data ended early ("truncated gzip stream", ...); empty while it has not.
  const std::string& failure() const noexcept { return failure_; }
  // An upper bound on the uncompressed bytes left, known before reading them, so a
  // header that claims more is rejected before anything is allocated. Exact for a plain
  // file; for gzip it is the deflate limit of 1032 output bytes per input byte (a
  // 258-byte match coded in 2 bits), which still ties every allocation to the file size.
  std::uint64_t max_remaining() const noexcept;
  // Bytes on disk.
  std::uint64_t file_size() const noexcept { return file_size_; }

 private:
  std::size_t read_from_file(char* out, std::size_t size);

  std::string path_;
  void* file_ = nullptr;  // gzFile; kept opaque so that this header does not pull in zlib.h
  bool compressed_ = false;
  std::uint64_t file_size_ = 0;
  std::uint64_t offset_ = 0;
  std::string failure_;
  std::string peeked_;  // bytes returned by peek() and not yet by read()
  std::string memory_;  // the bytes of a stream over memory (file_ is then null)
  std::size_t memory_read_ = 0;
};

}  // namespace descent::data_detail
