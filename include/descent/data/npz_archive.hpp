// NumPy's .npz archives: a ZIP file whose entries are .npy files, one per named array
// (`np.load("m.npz")["layer0.weight"]` reads the entry "layer0.weight.npy").
//
// Writing: NpzWriter stores every entry uncompressed (ZIP "stored"), with a CRC-32 and a
// fixed 1980-01-01 timestamp, so the same arrays always give the same bytes. Reading:
// NpzArchive takes the entries from the ZIP central directory, stored or deflated (what
// np.savez and np.savez_compressed write, ZIP64 fields included), checks each entry's
// CRC-32 and size, and parses it with the .npy reader. Every error is a FormatError
// "<path>: <what is wrong>" (for an entry "<path>: <entry>.npy: byte <offset>: ...").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/data/npy_reader.hpp"

namespace descent {

class NpzWriter {
 public:
  // Adds "<name>.npy" holding `values` in row-major order with shape `shape` (product =
  // values.size()); T is float (<f4), double (<f8), std::int64_t (<i8) or std::uint8_t (|u1).
  template <class T>
  void add(const std::string& name, std::span<const T> values, std::vector<std::uint64_t> shape);
  // The archive's bytes (write them with write_file_atomically).
  std::string finish() const;

 private:
  struct Entry {
    std::string name;  // with ".npy"
    std::string bytes;
  };
  std::vector<Entry> entries_;
};

class NpzArchive {
 public:
  // Reads the archive's directory; IoError if the file cannot be read, FormatError if it
  // is not a ZIP archive of .npy entries.
  explicit NpzArchive(std::string path);
  // The archive held in `bytes` (a pickled model, say); `name` stands for the path in messages.
  NpzArchive(std::string name, std::string bytes);

  const std::string& path() const noexcept { return path_; }
  // The array names, without ".npy", in archive order.
  std::vector<std::string> names() const;
  bool contains(std::string_view name) const;
  // The array `name` (without ".npy"), converted to T as read_npy does; FormatError if
  // the archive has no such entry or the entry is damaged.
  template <class T>
  NpyArray<T> read(std::string_view name) const;
  // The entry's raw .npy bytes after decompression and the CRC check.
  std::string entry_bytes(std::string_view name) const;

 private:
  struct Entry {
    std::string name;  // with ".npy"
    std::uint16_t method = 0;
    std::uint32_t crc = 0;
    std::uint64_t compressed_size = 0, size = 0, data_offset = 0;
  };
  const Entry& find(std::string_view name) const;
  void read_directory();

  std::string path_;
  std::string bytes_;
  std::vector<Entry> entries_;
};

}  // namespace descent
