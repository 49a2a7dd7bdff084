// Little-endian binary encoding for checkpoints and saved states. The reader checks
// every length against what is left, so a truncated or corrupted file becomes a
// FormatError naming the file, the byte offset and what was being read: never a crash,
// never a huge allocation.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {

class BinaryWriter {
 public:
  void u8(std::uint8_t v) { bytes_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void i64(std::int64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void string(std::string_view s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  template <class T>
  void array(std::span<const T> values) {
    u64(values.size());
    raw(values.data(), values.size() * sizeof(T));
  }
  void raw(const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }
  const std::string& bytes() const noexcept { return bytes_; }
  std::string& bytes() noexcept { return bytes_; }

 private:
  // descent targets little-endian machines (x86-64, AArch64); raw copies are the encoding.
  std::string bytes_;
};

class BinaryReader {
 public:
  // `source` names the data in error messages (usually the file path).
  BinaryReader(std::string_view data, std::string source) : data_(data), source_(std::move(source)) {}

  std::uint8_t u8(const char* what) {
    std::uint8_t v;
    raw(&v, 1, what);
    return v;
  }
  std::uint32_t u32(const char* what) { return pod<std::uint32_t>(what); }
  std::uint64_t u64(const char* what) { return pod<std::uint64_t>(what); }
  std::int64_t i64(const char* what) { return pod<std::int64_t>(what); }
  double f64(const char* what) { return pod<double>(what); }
  std::string string(const char* what) {
    const std::uint64_t n = length(what, 1);
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // Reads an array of exactly `expected` elements into out (which must have that size).
  template <class T>
  void array_into(std::span<T> out, const char* what) {
    const std::uint64_t n = length(what, sizeof(T));
    if (n != out.size())
      fail(std::string(what) + " has " + std::to_string(n) + " elements, expected " + std::to_string(out.size()));
    raw(out.data(), n * sizeof(T), what);
  }
  template <class T>
  std::vector<T> array(const char* what) {
    const std::uint64_t n = length(what, sizeof(T));
    std::vector<T> v(n);
    raw(v.data(), n * sizeof(T), what);
    return v;
  }
  void raw(void* out, std::size_t size, const char* what) {
    if (size > data_.size() - pos_)
      fail("truncated: " + std::to_string(data_.size() - pos_) + " bytes left while reading " + what + " (" +
           std::to_string(size) + " bytes)");
    // memcpy's pointers must not be null even for 0 bytes (an empty vector's data() may be).
    if (size > 0) std::memcpy(out, data_.data() + pos_, size);
    pos_ += size;
  }

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[noreturn]] void fail(const std::string& why) const {
    throw FormatError(source_ + ": byte " + std::to_string(pos_) + ": " + why);
  }

 private:
  template <class T>
  T pod(const char* what) {
    T v;
    raw(&v, sizeof v, what);
    return v;
  }
  // A length prefix, checked against the bytes left before anything is allocated.
  std::uint64_t length(const char* what, std::size_t element_size) {
    const std::uint64_t n = u64(what);
    if (n > remaining() / element_size)
      fail(std::string(what) + " claims " + std::to_string(n) + " elements but only " + std::to_string(remaining()) +
           " bytes are left");
    return n;
  }

  std::string_view data_;
  std::string source_;
  std::size_t pos_ = 0;
};

}  // namespace descent
