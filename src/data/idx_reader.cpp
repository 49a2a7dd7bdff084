#include "descent/data/idx_reader.hpp"

#include <array>
#include <cstdio>

#include "binary_payload.hpp"
#include "byte_stream.hpp"
#include "descent/core/error.hpp"

namespace descent {
namespace {

using data_detail::ByteOrder;
using data_detail::ByteStream;
using data_detail::ElementType;
using data_detail::fail_at;

constexpr std::uint64_t kMagicBytes = 4;

bool element_type_of(std::uint8_t code, ElementType& type) {
  switch (static_cast<IdxType>(code)) {
    case IdxType::uint8:
      type = ElementType::u8;
      return true;
    case IdxType::int8:
      type = ElementType::i8;
      return true;
    case IdxType::int16:
      type = ElementType::i16;
      return true;
    case IdxType::int32:
      type = ElementType::i32;
      return true;
    case IdxType::float32:
      type = ElementType::f32;
      return true;
    case IdxType::float64:
      type = ElementType::f64;
      return true;
  }
  return false;
}

std::string hex_bytes(const unsigned char* bytes, std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    char two[4];
    std::snprintf(two, sizeof two, "%02x", bytes[i]);
    text += (i ? " " : "") + std::string(two);
  }
  return text;
}

template <class T>
IdxArray<T> read_idx_stream(ByteStream& in) {
  std::array<unsigned char, kMagicBytes> magic{};
  const std::size_t got = in.read(magic.data(), magic.size());
  if (!in.failure().empty()) fail_at(in, in.offset(), in.failure());
  if (got < magic.size())
    fail_at(in, got, "truncated header: the IDX magic needs 4 bytes, the file has " + std::to_string(got));
  if (magic[0] != 0 || magic[1] != 0)
    fail_at(in, 0, "bad magic " + hex_bytes(magic.data(), 4) + ": an IDX file starts with 00 00 <type> <dimensions>");
  ElementType element{};
  if (!element_type_of(magic[2], element))
    fail_at(in, 2,
            "unknown element type 0x" + hex_bytes(&magic[2], 1) +
                " (IDX defines 08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e float64)");
  const std::size_t ndim = magic[3];
  if (ndim == 0) fail_at(in, 3, "the header declares 0 dimensions");

  IdxArray<T> array;
  array.type = static_cast<IdxType>(magic[2]);
  std::vector<unsigned char> dim_bytes(4 * ndim);  // at most 1020 bytes
  const std::size_t dims_got = in.read(dim_bytes.data(), dim_bytes.size());
  if (dims_got < dim_bytes.size()) {
    if (!in.failure().empty()) fail_at(in, in.offset(), in.failure());
    fail_at(in, in.offset(),
            "truncated header: " + std::to_string(ndim) + " dimensions need " + std::to_string(dim_bytes.size()) +
                " bytes, only " + std::to_string(dims_got) + " follow the magic");
  }
  for (std::size_t d = 0; d < ndim; ++d) {
    const unsigned char* b = dim_bytes.data() + 4 * d;
    array.dims.push_back((std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) | (std::uint64_t{b[2]} << 8) |
                         std::uint64_t{b[3]});
  }
  const std::uint64_t count = data_detail::checked_payload_count(in, in.offset(), array.dims, element);
  array.values = AlignedBuffer<T>(static_cast<std::size_t>(count));
  data_detail::read_elements<T>(in, element, ByteOrder::big, array.values.span());
  data_detail::expect_end(in);
  return array;
}

}  // namespace

template <class T>
IdxArray<T> read_idx(const std::string& path) {
  ByteStream in(path);
  return read_idx_stream<T>(in);
}

template <class T>
Dataset<T> read_idx_dataset(const std::string& images_path, const std::string& labels_path) {
  // Labels first: the small file, so that a wrong pairing fails before the big read.
  IdxArray<T> labels = read_idx<T>(labels_path);
  if (labels.dims.size() != 1)
    throw FormatError(labels_path + ": byte 3: a labels file must have 1 dimension, this one has " +
                      std::to_string(labels.dims.size()));
  IdxArray<T> images = read_idx<T>(images_path);
  const std::uint64_t rows = images.dims[0];
  const std::uint64_t cols = rows == 0 ? 0 : images.values.size() / rows;
  if (rows == 0 || cols == 0) {
    std::string dims;
    for (std::uint64_t d : images.dims) dims += (dims.empty() ? "" : " x ") + std::to_string(d);
    throw FormatError(images_path + ": byte 4: dimensions " + dims +
                      " hold no example (a dataset needs at least one row and one column)");
  }
  if (labels.dims[0] != rows)
    throw FormatError(labels_path + ": byte 4: " + std::to_string(labels.dims[0]) + " labels for the " +
                      std::to_string(rows) + " examples of " + images_path);
  DenseFeatures<T> features{static_cast<std::size_t>(rows), static_cast<std::size_t>(cols), std::move(images.values)};
  std::vector<T> label_values(labels.values.begin(), labels.values.end());
  return Dataset<T>(std::move(features), std::move(label_values), images_path);
}

template IdxArray<float> read_idx<float>(const std::string&);
template IdxArray<double> read_idx<double>(const std::string&);
template Dataset<float> read_idx_dataset<float>(const std::string&, const std::string&);
template Dataset<double> read_idx_dataset<double>(const std::string&, const std::string&);

}  // namespace descent
