#include "binary_payload.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "descent/core/error.hpp"

namespace descent::data_detail {
namespace {

static_assert(std::endian::native == std::endian::little, "the binary readers assume a little-endian machine");

// Bytes decoded per step: large enough to amortize the stream call, small enough to stay in L2.
constexpr std::size_t kChunkBytes = std::size_t{1} << 16;

template <class Raw>
Raw load(const unsigned char* bytes, bool swap) {
  unsigned char copy[sizeof(Raw)];
  std::memcpy(copy, bytes, sizeof(Raw));
  if (swap)
    for (std::size_t i = 0; i < sizeof(Raw) / 2; ++i) std::swap(copy[i], copy[sizeof(Raw) - 1 - i]);
  Raw value;
  std::memcpy(&value, copy, sizeof(Raw));
  return value;
}

// Decodes n elements of type Raw; `first_offset` is the byte offset of bytes[0] in the
// uncompressed data, for error messages.
template <class Raw, class T>
void decode(const ByteStream& in, const unsigned char* bytes, std::size_t n, bool swap, T* out,
            std::uint64_t first_offset) {
  if constexpr (sizeof(Raw) == 1) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(static_cast<Raw>(bytes[i]));
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const Raw raw = load<Raw>(bytes + i * sizeof(Raw), swap);
      if constexpr (std::is_floating_point_v<Raw>) {
        if (!std::isfinite(raw))
          fail_at(in, first_offset + i * sizeof(Raw), "value " + format_number(raw) + " is not finite");
        if (sizeof(Raw) > sizeof(T) && std::abs(raw) > static_cast<Raw>(std::numeric_limits<T>::max()))
          fail_at(in, first_offset + i * sizeof(Raw), "value " + format_number(raw) + " is out of range for float");
      }
      out[i] = static_cast<T>(raw);
    }
  }
}

template <class T>
void decode_as(const ByteStream& in, ElementType type, const unsigned char* bytes, std::size_t n, bool swap, T* out,
               std::uint64_t first_offset) {
  switch (type) {
    case ElementType::u8:
      return decode<std::uint8_t>(in, bytes, n, swap, out, first_offset);
    case ElementType::i8:
      return decode<std::int8_t>(in, bytes, n, swap, out, first_offset);
    case ElementType::i16:
      return decode<std::int16_t>(in, bytes, n, swap, out, first_offset);
    case ElementType::u16:
      return decode<std::uint16_t>(in, bytes, n, swap, out, first_offset);
    case ElementType::i32:
      return decode<std::int32_t>(in, bytes, n, swap, out, first_offset);
    case ElementType::u32:
      return decode<std::uint32_t>(in, bytes, n, swap, out, first_offset);
    case ElementType::i64:
      return decode<std::int64_t>(in, bytes, n, swap, out, first_offset);
    case ElementType::u64:
      return decode<std::uint64_t>(in, bytes, n, swap, out, first_offset);
    case ElementType::f32:
      return decode<float>(in, bytes, n, swap, out, first_offset);
    case ElementType::f64:
      return decode<double>(in, bytes, n, swap, out, first_offset);
  }
}

}  // namespace

std::size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::u8:
    case ElementType::i8:
      return 1;
    case ElementType::i16:
    case ElementType::u16:
      return 2;
    case ElementType::i32:
    case ElementType::u32:
    case ElementType::f32:
      return 4;
    case ElementType::i64:
    case ElementType::u64:
    case ElementType::f64:
      return 8;
  }
  return 1;
}

const char* element_name(ElementType type) {
  switch (type) {
    case ElementType::u8:
      return "uint8";
    case ElementType::i8:
      return "int8";
    case ElementType::i16:
      return "int16";
    case ElementType::u16:
      return "uint16";
    case ElementType::i32:
      return "int32";
    case ElementType::u32:
      return "uint32";
    case ElementType::i64:
      return "int64";
    case ElementType::u64:
      return "uint64";
    case ElementType::f32:
      return "float32";
    case ElementType::f64:
      return "float64";
  }
  return "?";
}

void fail_at(const ByteStream& in, std::uint64_t offset, const std::string& why) {
  throw FormatError(in.path() + ": byte " + std::to_string(offset) + ": " + why);
}

std::uint64_t checked_payload_count(const ByteStream& in, std::uint64_t offset, std::span<const std::uint64_t> dims,
                                    ElementType type) {
  auto dims_text = [&] {
    std::string text;
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? " x " : "") + std::to_string(dims[i]);
    return text;
  };
  // An empty array is empty whatever the other dimensions say.
  const bool empty = std::find(dims.begin(), dims.end(), 0) != dims.end();
  std::uint64_t count = empty ? 0 : 1;
  for (std::uint64_t d : dims) {
    if (!empty && count > std::numeric_limits<std::uint64_t>::max() / d)
      fail_at(in, offset, "dimensions " + dims_text() + " overflow 64 bits");
    count *= d;
  }
  const std::uint64_t size = element_size(type);
  if (count > std::numeric_limits<std::uint64_t>::max() / size)
    fail_at(in, offset, "dimensions " + dims_text() + " of " + element_name(type) + " overflow 64 bits of bytes");
  const std::uint64_t bytes = count * size;
  if (bytes > in.max_remaining()) {
    if (in.compressed())
      fail_at(in, offset,
              "truncated payload: the header announces " + std::to_string(bytes) + " bytes (" + dims_text() + " " +
                  element_name(type) + "), more than this " + std::to_string(in.file_size()) +
                  "-byte gzip file can hold");
    fail_at(in, offset,
            "truncated payload: the header announces " + std::to_string(bytes) + " bytes (" + dims_text() + " " +
                element_name(type) + "), only " + std::to_string(in.max_remaining()) + " follow");
  }
  return count;
}

template <class T>
void read_elements(ByteStream& in, ElementType type, ByteOrder order, std::span<T> out) {
  const std::size_t size = element_size(type);
  const bool swap = (order == ByteOrder::big) && size > 1;
  const std::uint64_t start = in.offset();
  const std::uint64_t total_bytes = static_cast<std::uint64_t>(out.size()) * size;
  std::vector<unsigned char> chunk(kChunkBytes);
  for (std::size_t done = 0; done < out.size();) {
    const std::size_t n = std::min(out.size() - done, kChunkBytes / size);
    const std::uint64_t chunk_offset = in.offset();
    const std::size_t got = in.read(chunk.data(), n * size);
    if (got < n * size) {
      if (!in.failure().empty()) fail_at(in, in.offset(), in.failure());
      fail_at(in, in.offset(),
              "truncated payload: the header announces " + std::to_string(total_bytes) + " bytes, only " +
                  std::to_string(in.offset() - start) + " follow");
    }
    decode_as(in, type, chunk.data(), n, swap, out.data() + done, chunk_offset);
    done += n;
  }
}

void expect_end(ByteStream& in) {
  unsigned char extra = 0;
  if (in.read(&extra, 1) != 0) fail_at(in, in.offset() - 1, "unexpected data after the end of the payload");
  if (!in.failure().empty()) fail_at(in, in.offset(), in.failure());
}

template void read_elements<float>(ByteStream&, ElementType, ByteOrder, std::span<float>);
template void read_elements<double>(ByteStream&, ElementType, ByteOrder, std::span<double>);

}  // namespace descent::data_detail
