// Helpers for the data reader tests: a private temporary directory, writers for plain,
// gzip, IDX and .npy files, and a way to compare an error's exact type and message.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "descent/core/error.hpp"

namespace descent::test {

// The committed malformed (and a few good) files; DESCENT_FIXTURE_DIR is tests/fixtures.
inline std::string corpus(const std::string& name) {
  return std::string(DESCENT_FIXTURE_DIR) + "/../data/corpus/" + name;
}

// A fresh directory under the system temp dir, removed with everything in it at the end
// of the test. mkdtemp makes the name unique, so tests can run in parallel processes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "descent_data_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

inline std::string write_gz(const std::string& path, std::string_view bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("cannot write " + path);
  const int written = gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
  if (written != static_cast<int>(bytes.size())) throw std::runtime_error("gzwrite failed on " + path);
  return path;
}

// An IDX file: magic 00 00 <type> <ndim>, big-endian dimensions, then `payload`, which
// the caller encodes (big-endian) itself.
inline std::string idx_bytes(std::uint8_t type, const std::vector<std::uint32_t>& dims, std::string_view payload) {
  std::string bytes = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((d >> shift) & 0xFF);
  return bytes.append(payload);
}

// The big-endian bytes of each value of type Raw.
template <class Raw>
std::string big_endian(const std::vector<Raw>& values) {
  std::string bytes;
  for (Raw v : values) {
    char raw[sizeof(Raw)];
    std::memcpy(raw, &v, sizeof(Raw));
    for (std::size_t i = sizeof(Raw); i-- > 0;) bytes += raw[i];
  }
  return bytes;
}

template <class Raw>
std::string little_endian(const std::vector<Raw>& values) {
  std::string bytes(values.size() * sizeof(Raw), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// A .npy file of the given version with the header dict `dict` (padded with spaces and
// a newline to a multiple of 64 bytes, as numpy does), followed by `payload`.
inline std::string npy_bytes(std::string_view dict, std::string_view payload, int major = 1) {
  const std::size_t preamble = major == 1 ? 10 : 12;
  std::string header(dict);
  const std::size_t total = (preamble + header.size() + 1 + 63) / 64 * 64;
  header.append(total - preamble - header.size() - 1, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  for (std::size_t i = 0; i < preamble - 8; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return bytes + header + std::string(payload);
}

// "<exception type>: <message>" of what f throws, or "no exception". Comparing this
// string checks the type and the exact message in one assertion with a readable diff.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return std::string("FormatError: ") + e.what();
  } catch (const IoError& e) {
    return std::string("IoError: ") + e.what();
  } catch (const ConfigError& e) {
    return std::string("ConfigError: ") + e.what();
  } catch (const MismatchError& e) {
    return std::string("MismatchError: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "no exception";
}

}  // namespace descent::test
