#include "descent/data/npz_archive.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <type_traits>

#include "descent/core/atomic_file.hpp"
#include "descent/core/error.hpp"

namespace descent {
namespace {

// ZIP record signatures and limits (PKWARE APPNOTE 6.3, sections 4.3 and 4.4).
constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint16_t kZip64Extra = 0x0001;
constexpr std::size_t kLocalHeaderBytes = 30, kCentralHeaderBytes = 46, kEndBytes = 22;
constexpr std::size_t kMaxCommentBytes = 0xffff;
constexpr std::uint16_t kStored = 0, kDeflated = 8;
constexpr std::uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01: reproducible archives
// A model file of 64 GiB is not a model file: refuse before reading it into memory.
constexpr std::size_t kMaxArchiveBytes = std::size_t{1} << 36;

template <class T>
constexpr const char* descr_of() {
  if constexpr (std::is_same_v<T, float>) return "<f4";
  if constexpr (std::is_same_v<T, double>) return "<f8";
  if constexpr (std::is_same_v<T, std::int64_t>) return "<i8";
  if constexpr (std::is_same_v<T, std::uint8_t>) return "|u1";
}

// The .npy bytes of one array: format 1.0, its header padded with spaces so that the
// data starts on a 64-byte boundary, as numpy writes it.
std::string npy_bytes(std::string_view descr, const std::vector<std::uint64_t>& shape, const void* data,
                      std::size_t bytes) {
  std::string dims;
  for (std::size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) dims += ",";
  std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const std::size_t preamble = 10;  // magic (6), version (2), header length (2)
  const std::size_t total = (preamble + header.size() + 1 + 63) / 64 * 64;
  header.append(total - preamble - header.size() - 1, ' ');
  header.push_back('\n');
  if (header.size() > 0xffff) throw ConfigError("npz: an array of " + std::to_string(shape.size()) + " dimensions");
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(static_cast<const char*>(data), bytes);
  return out;
}

void put16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

std::uint32_t crc_of(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(bytes.size() - done, UINT_MAX));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), chunk);
    done += chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

// Bounds-checked little-endian reads of the archive's bytes.
class Cursor {
 public:
  Cursor(const std::string& path, std::string_view bytes) : path_(path), bytes_(bytes) {}
  std::uint64_t get(std::uint64_t offset, std::size_t width, const char* what) const {
    if (offset > bytes_.size() || bytes_.size() - offset < width)
      fail("truncated: " + std::string(what) + " at byte " + std::to_string(offset) + " lies beyond the end of the " +
           std::to_string(bytes_.size()) + "-byte file");
    std::uint64_t v = 0;
    for (std::size_t i = width; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes_[offset + i]);
    return v;
  }
  std::uint16_t u16(std::uint64_t offset, const char* what) const {
    return static_cast<std::uint16_t>(get(offset, 2, what));
  }
  std::uint32_t u32(std::uint64_t offset, const char* what) const {
    return static_cast<std::uint32_t>(get(offset, 4, what));
  }
  std::uint64_t u64(std::uint64_t offset, const char* what) const { return get(offset, 8, what); }
  [[noreturn]] void fail(const std::string& why) const { throw FormatError(path_ + ": " + why); }

 private:
  const std::string& path_;
  std::string_view bytes_;
};

std::string inflate_raw(const std::string& path, const std::string& name, std::string_view in, std::uint64_t size) {
  std::string out(static_cast<std::size_t>(size), '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw std::bad_alloc();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  std::size_t in_done = 0, out_done = 0;
  int code = Z_OK;
  while (code == Z_OK) {
    const uInt in_chunk = static_cast<uInt>(std::min<std::size_t>(in.size() - in_done, UINT_MAX));
    const uInt out_chunk = static_cast<uInt>(std::min<std::size_t>(out.size() - out_done, UINT_MAX));
    z.avail_in = in_chunk;
    z.avail_out = out_chunk;
    code = inflate(&z, Z_NO_FLUSH);
    in_done += in_chunk - z.avail_in;
    out_done += out_chunk - z.avail_out;
    if (code == Z_OK && z.avail_in == 0 && in_done == in.size()) break;     // input used up: truncated
    if (code == Z_OK && z.avail_out == 0 && out_done == out.size()) break;  // more output than announced
    if (code == Z_BUF_ERROR) break;
  }
  const char* message = z.msg;
  inflateEnd(&z);
  if (code == Z_MEM_ERROR) throw std::bad_alloc();
  if (code != Z_STREAM_END)
    throw FormatError(path + ": " + name + ": corrupt deflate data (" +
                      (code == Z_DATA_ERROR && message != nullptr ? std::string(message)
                                                                  : "it does not end where the directory says") +
                      ")");
  if (out_done != size)
    throw FormatError(path + ": " + name + ": inflates to " + std::to_string(out_done) + " bytes, the directory says " +
                      std::to_string(size));
  return out;
}

}  // namespace

template <class T>
void NpzWriter::add(const std::string& name, std::span<const T> values, std::vector<std::uint64_t> shape) {
  std::uint64_t count = 1;
  for (std::uint64_t s : shape) count *= s;
  if (count != values.size())
    throw MismatchError("npz entry '" + name + "': " + std::to_string(values.size()) + " values for a shape holding " +
                        std::to_string(count));
  for (const Entry& e : entries_)
    if (e.name == name + ".npy") throw MismatchError("npz entry '" + name + "' added twice");
  entries_.push_back({name + ".npy", npy_bytes(descr_of<T>(), shape, values.data(), values.size() * sizeof(T))});
}

std::string NpzWriter::finish() const {
  std::string out, directory;
  for (const Entry& e : entries_) {
    if (e.bytes.size() >= 0xffffffffu || out.size() >= 0xffffffffu)
      throw MismatchError("npz entry '" + e.name + "': archives over 4 GiB are not supported");
    const std::uint32_t crc = crc_of(e.bytes);
    const auto size = static_cast<std::uint32_t>(e.bytes.size());
    const auto offset = static_cast<std::uint32_t>(out.size());
    // The fields both headers share: version 2.0, no flags, stored, time, date, CRC, sizes, name length.
    std::string common;
    put16(common, 20);
    put16(common, 0);
    put16(common, kStored);
    put16(common, 0);
    put16(common, kDosDate1980);
    put32(common, crc);
    put32(common, size);
    put32(common, size);
    put16(common, static_cast<std::uint32_t>(e.name.size()));
    put16(common, 0);  // extra field length
    put32(out, kLocalHeader);
    out += common;
    out += e.name;
    out += e.bytes;
    put32(directory, kCentralHeader);
    put16(directory, 20);  // made by: version 2.0, MS-DOS attributes
    directory += common;
    put16(directory, 0);  // comment length
    put16(directory, 0);  // disk
    put16(directory, 0);  // internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, offset);
    directory += e.name;
  }
  if (entries_.size() >= 0xffff) throw MismatchError("npz: too many entries");
  const auto directory_offset = static_cast<std::uint32_t>(out.size());
  out += directory;
  put32(out, kEndOfDirectory);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(entries_.size()));
  put16(out, static_cast<std::uint32_t>(entries_.size()));
  put32(out, static_cast<std::uint32_t>(directory.size()));
  put32(out, directory_offset);
  put16(out, 0);  // comment length
  return out;
}

NpzArchive::NpzArchive(std::string path) : path_(std::move(path)), bytes_(read_file(path_, kMaxArchiveBytes)) {
  read_directory();
}

NpzArchive::NpzArchive(std::string name, std::string bytes) : path_(std::move(name)), bytes_(std::move(bytes)) {
  read_directory();
}

void NpzArchive::read_directory() {
  const Cursor at(path_, bytes_);
  if (bytes_.size() < kEndBytes)
    at.fail(bytes_.empty() ? "empty file, not a .npz archive"
                           : "truncated: " + std::to_string(bytes_.size()) + " bytes cannot hold a ZIP directory");
  // The end-of-directory record is the last thing in the file, followed only by a comment.
  std::uint64_t end = bytes_.size();
  const std::uint64_t lowest =
      bytes_.size() > kEndBytes + kMaxCommentBytes ? bytes_.size() - kEndBytes - kMaxCommentBytes : 0;
  for (std::uint64_t p = bytes_.size() - kEndBytes + 1; p-- > lowest;)
    if (at.u32(p, "signature") == kEndOfDirectory) {
      end = p;
      break;
    }
  if (end == bytes_.size())
    at.fail(bytes_.starts_with("\x93NUMPY") ? "a .npy file, not a .npz archive"
                                            : "not a .npz archive (no ZIP end-of-directory record)");
  std::uint64_t count = at.u16(end + 10, "the entry count");
  std::uint64_t directory_size = at.u32(end + 12, "the directory size");
  std::uint64_t directory_offset = at.u32(end + 16, "the directory offset");
  if (at.u16(end + 4, "the disk number") != 0 || at.u16(end + 6, "the directory's disk") != 0)
    at.fail("multi-disk ZIP archives are not supported");
  if (count == 0xffff || directory_size == 0xffffffff || directory_offset == 0xffffffff) {
    if (end < 20 || at.u32(end - 20, "the ZIP64 locator") != kZip64Locator)
      at.fail("the directory needs ZIP64 fields but the ZIP64 locator is missing");
    const std::uint64_t record = at.u64(end - 20 + 8, "the ZIP64 record offset");
    if (at.u32(record, "the ZIP64 record") != kZip64EndOfDirectory) at.fail("bad ZIP64 end-of-directory record");
    count = at.u64(record + 32, "the ZIP64 entry count");
    directory_size = at.u64(record + 40, "the ZIP64 directory size");
    directory_offset = at.u64(record + 48, "the ZIP64 directory offset");
  }
  if (directory_offset > bytes_.size() || directory_size > bytes_.size() - directory_offset)
    at.fail("truncated: the directory (" + std::to_string(directory_size) + " bytes at " +
            std::to_string(directory_offset) + ") lies beyond the end of the " + std::to_string(bytes_.size()) +
            "-byte file");
  if (count > directory_size / kCentralHeaderBytes)
    at.fail(std::to_string(count) + " entries cannot fit in a " + std::to_string(directory_size) + "-byte directory");
  std::uint64_t p = directory_offset;
  for (std::uint64_t k = 0; k < count; ++k) {
    if (at.u32(p, "a directory entry") != kCentralHeader)
      at.fail("bad directory entry " + std::to_string(k) + " at byte " + std::to_string(p));
    Entry e;
    const std::uint16_t flags = at.u16(p + 8, "flags");
    e.method = at.u16(p + 10, "the method");
    e.crc = at.u32(p + 16, "the CRC");
    e.compressed_size = at.u32(p + 20, "the compressed size");
    e.size = at.u32(p + 24, "the size");
    const std::uint16_t name_length = at.u16(p + 28, "the name length");
    const std::uint16_t extra_length = at.u16(p + 30, "the extra length");
    const std::uint16_t comment_length = at.u16(p + 32, "the comment length");
    std::uint64_t local = at.u32(p + 42, "the entry offset");
    at.get(p + kCentralHeaderBytes, name_length + extra_length + comment_length, "the entry's name");
    e.name = bytes_.substr(p + kCentralHeaderBytes, name_length);
    if ((flags & 1) != 0) at.fail(e.name + ": encrypted entries are not supported");
    // ZIP64: the 64-bit values of the fields set to 0xffffffff, in this order.
    for (std::uint64_t x = p + kCentralHeaderBytes + name_length, x_end = x + extra_length; x + 4 <= x_end;) {
      const std::uint16_t id = at.u16(x, "an extra field"), length = at.u16(x + 2, "an extra field");
      if (id == kZip64Extra) {
        std::uint64_t q = x + 4;
        if (e.size == 0xffffffff) e.size = at.u64(q, "the ZIP64 size"), q += 8;
        if (e.compressed_size == 0xffffffff) e.compressed_size = at.u64(q, "the ZIP64 compressed size"), q += 8;
        if (local == 0xffffffff) local = at.u64(q, "the ZIP64 entry offset");
      }
      x += 4 + length;
    }
    if (at.u32(local, "a local header") != kLocalHeader)
      at.fail(e.name + ": bad local header at byte " + std::to_string(local));
    e.data_offset = local + kLocalHeaderBytes + at.u16(local + 26, "the local name length") +
                    at.u16(local + 28, "the local extra length");
    if (e.data_offset > bytes_.size() || e.compressed_size > bytes_.size() - e.data_offset)
      at.fail("truncated: entry " + e.name + " (" + std::to_string(e.compressed_size) + " bytes at " +
              std::to_string(e.data_offset) + ") lies beyond the end of the " + std::to_string(bytes_.size()) +
              "-byte file");
    if (e.method != kStored && e.method != kDeflated)
      at.fail(e.name + ": compression method " + std::to_string(e.method) +
              " is not supported (stored and deflate are)");
    // Deflate expands at most 1032:1; a larger claim is damage, not a reason to allocate.
    if (e.method == kDeflated && e.size / 1032 > e.compressed_size + 1)
      at.fail(e.name + ": claims " + std::to_string(e.size) + " bytes from " + std::to_string(e.compressed_size) +
              " compressed ones");
    if (e.method == kStored && e.size != e.compressed_size)
      at.fail(e.name + ": a stored entry of " + std::to_string(e.compressed_size) + " bytes claims " +
              std::to_string(e.size));
    entries_.push_back(std::move(e));
    p += kCentralHeaderBytes + name_length + extra_length + comment_length;
  }
}

std::vector<std::string> NpzArchive::names() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_)
    out.push_back(e.name.ends_with(".npy") ? e.name.substr(0, e.name.size() - 4) : e.name);
  return out;
}

bool NpzArchive::contains(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return e.name.size() == name.size() + 4 && e.name.starts_with(name) && e.name.ends_with(".npy");
  });
}

const NpzArchive::Entry& NpzArchive::find(std::string_view name) const {
  for (const Entry& e : entries_)
    if (e.name.size() == name.size() + 4 && e.name.starts_with(name) && e.name.ends_with(".npy")) return e;
  std::string held;
  for (const std::string& n : names()) held += (held.empty() ? "" : ", ") + n;
  throw FormatError(path_ + ": no array '" + std::string(name) + "' (the archive holds " +
                    (held.empty() ? std::string("nothing") : held) + ")");
}

std::string NpzArchive::entry_bytes(std::string_view name) const {
  const Entry& e = find(name);
  const std::string_view stored(bytes_.data() + e.data_offset, static_cast<std::size_t>(e.compressed_size));
  std::string bytes = e.method == kStored ? std::string(stored) : inflate_raw(path_, e.name, stored, e.size);
  if (crc_of(bytes) != e.crc) throw FormatError(path_ + ": " + e.name + ": CRC-32 mismatch (the entry is damaged)");
  return bytes;
}

template <class T>
NpyArray<T> NpzArchive::read(std::string_view name) const {
  const Entry& e = find(name);
  return read_npy_bytes<T>(path_ + ": " + e.name, entry_bytes(name));
}

template void NpzWriter::add<float>(const std::string&, std::span<const float>, std::vector<std::uint64_t>);
template void NpzWriter::add<double>(const std::string&, std::span<const double>, std::vector<std::uint64_t>);
template void NpzWriter::add<std::int64_t>(const std::string&, std::span<const std::int64_t>,
                                           std::vector<std::uint64_t>);
template void NpzWriter::add<std::uint8_t>(const std::string&, std::span<const std::uint8_t>,
                                           std::vector<std::uint64_t>);
template NpyArray<float> NpzArchive::read<float>(std::string_view) const;
template NpyArray<double> NpzArchive::read<double>(std::string_view) const;

}  // namespace descent
