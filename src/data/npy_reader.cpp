#include "descent/data/npy_reader.hpp"

#include <array>
#include <string_view>

#include "binary_payload.hpp"
#include "byte_stream.hpp"
#include "descent/core/error.hpp"
#include "text_field.hpp"

namespace descent {
namespace {

using data_detail::ByteOrder;
using data_detail::ByteStream;
using data_detail::ElementType;
using data_detail::fail_at;
using data_detail::quote;

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr std::size_t kPreambleBytes = 8;  // magic + major + minor version
// numpy writes headers of a few hundred bytes; a larger claim is a corrupt length
// field, refused before the header is allocated.
constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t{1} << 20;

struct Dtype {
  std::string_view code;  // without the byte-order character
  ElementType type;
};
constexpr std::array<Dtype, 10> kDtypes = {{{"u1", ElementType::u8},
                                            {"i1", ElementType::i8},
                                            {"i2", ElementType::i16},
                                            {"u2", ElementType::u16},
                                            {"i4", ElementType::i32},
                                            {"u4", ElementType::u32},
                                            {"i8", ElementType::i64},
                                            {"u8", ElementType::u64},
                                            {"f4", ElementType::f32},
                                            {"f8", ElementType::f64}}};
constexpr const char* kSupported = "|u1 |i1 <i2 <u2 <i4 <u4 <i8 <u8 <f4 <f8";

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

// The header dict, parsed as the subset of Python literal syntax that numpy writes.
// Every error names the byte where it was found.
class HeaderParser {
 public:
  HeaderParser(const ByteStream& in, std::string_view text, std::uint64_t offset)
      : in_(in), text_(text), offset_(offset) {}

  struct Result {
    ElementType type{};
    std::string descr;
    bool fortran_order = false;
    std::vector<std::uint64_t> shape;
    std::uint64_t fortran_position = 0;  // where the fortran_order value starts, for errors
    std::uint64_t shape_position = 0;
  };

  Result parse() {
    Result result;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_spaces();
    expect('{');
    for (;;) {
      skip_spaces();
      if (peek() == '}') break;
      const std::size_t key_position = pos_;
      const std::string key = string_literal();
      skip_spaces();
      expect(':');
      skip_spaces();
      if (key == "descr") {
        if (seen_descr) fail(key_position, "duplicate key 'descr'");
        seen_descr = true;
        parse_descr(result);
      } else if (key == "fortran_order") {
        if (seen_fortran) fail(key_position, "duplicate key 'fortran_order'");
        seen_fortran = true;
        result.fortran_position = offset_ + pos_;
        result.fortran_order = boolean_literal();
      } else if (key == "shape") {
        if (seen_shape) fail(key_position, "duplicate key 'shape'");
        seen_shape = true;
        result.shape_position = offset_ + pos_;
        result.shape = tuple_literal();
      } else {
        fail(key_position, "unknown key " + quote(key) + " (a .npy header has 'descr', 'fortran_order', 'shape')");
      }
      skip_spaces();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail(pos_, "expected ',' or '}' after the value of " + quote(key));
    }
    const std::size_t close = pos_++;
    if (!seen_descr) fail(close, "missing key 'descr'");
    if (!seen_fortran) fail(close, "missing key 'fortran_order'");
    if (!seen_shape) fail(close, "missing key 'shape'");
    skip_spaces();
    if (pos_ + 1 != text_.size() || text_[pos_] != '\n')
      fail(pos_, "the header must end with spaces and one newline after '}'");
    return result;
  }

 private:
  [[noreturn]] void fail(std::size_t position, const std::string& why) const {
    fail_at(in_, offset_ + position, "bad header: " + why);
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_spaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  void expect(char c) {
    if (peek() != c) {
      const std::string found = pos_ < text_.size() ? quote(text_.substr(pos_, 1)) : "the end of the header";
      fail(pos_, "expected '" + std::string(1, c) + "', found " + found);
    }
    ++pos_;
  }
  std::string string_literal() {
    const char open = peek();
    if (open != '\'' && open != '"') fail(pos_, "expected a quoted string");
    const std::size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != open) {
      if (text_[pos_] == '\\' || text_[pos_] == '\n') fail(pos_, "escapes and newlines are not allowed in strings");
      ++pos_;
    }
    if (pos_ == text_.size()) fail(start - 1, "unterminated string");
    return std::string(text_.substr(start, pos_++ - start));
  }
  bool boolean_literal() {
    for (const auto& [word, value] : {std::pair{std::string_view("True"), true}, {std::string_view("False"), false}})
      if (text_.substr(pos_).starts_with(word)) {
        pos_ += word.size();
        return value;
      }
    fail(pos_, "fortran_order must be True or False");
  }
  std::uint64_t integer_literal() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    std::uint64_t value = 0;
    if (start == pos_) fail(start, "expected a non-negative integer in the shape");
    if (!data_detail::parse_u64(text_.substr(start, pos_ - start), value))
      fail(start, "dimension " + std::string(text_.substr(start, pos_ - start)) + " does not fit 64 bits");
    return value;
  }
  std::vector<std::uint64_t> tuple_literal() {
    std::vector<std::uint64_t> shape;
    const std::size_t open = pos_;
    if (peek() != '(') fail(pos_, "shape must be a tuple such as (3, 4) or (3,)");
    ++pos_;
    skip_spaces();
    bool trailing_comma = false;
    while (peek() != ')') {
      shape.push_back(integer_literal());
      skip_spaces();
      trailing_comma = peek() == ',';
      if (trailing_comma) {
        ++pos_;
        skip_spaces();
      } else if (peek() != ')') {
        fail(pos_, "expected ',' or ')' in the shape");
      }
    }
    ++pos_;
    // In Python, (3) is the integer 3: a 1-tuple needs its comma.
    if (shape.size() == 1 && !trailing_comma)
      fail(open, "shape (" + std::to_string(shape[0]) + ") is not a tuple; write (" + std::to_string(shape[0]) + ",)");
    return shape;
  }
  void parse_descr(Result& result) {
    if (peek() == '[') fail(pos_, "structured dtypes (a list as 'descr') are not supported");
    const std::size_t position = pos_;
    result.descr = string_literal();
    const std::string_view descr = result.descr;
    for (const Dtype& dtype : kDtypes) {
      if (descr.size() != 3 || descr.substr(1) != dtype.code) continue;
      const bool one_byte = data_detail::element_size(dtype.type) == 1;
      // One-byte elements have no byte order: numpy writes '|', other writers '<' or '>'.
      if (descr[0] == '<' || (one_byte && (descr[0] == '|' || descr[0] == '>'))) {
        result.type = dtype.type;
        return;
      }
      if (descr[0] == '>')
        fail(position, "big-endian dtype " + quote(descr) +
                           " is not supported; save little-endian data (numpy: a.astype('<" + std::string(dtype.code) +
                           "'))");
    }
    fail(position, "unsupported dtype " + quote(descr) + " (supported: " + kSupported + ")");
  }

  const ByteStream& in_;
  std::string_view text_;
  std::uint64_t offset_;  // byte offset of text_[0] in the file
  std::size_t pos_ = 0;
};

struct ParsedNpy {
  std::uint64_t header_offset = 0;  // where the dict starts, for errors about the whole array
};

template <class T>
// scalars: accept 0-d arrays (shape ()), as .npz archives hold them, with one element.
NpyArray<T> read_npy_stream(ByteStream& in, ParsedNpy& parsed, bool scalars = false) {
  std::array<char, kPreambleBytes> preamble{};
  const std::size_t got = in.read(preamble.data(), preamble.size());
  if (!in.failure().empty()) fail_at(in, in.offset(), in.failure());
  if (got < kMagic.size() || std::string_view(preamble.data(), kMagic.size()) != kMagic)
    fail_at(in, 0, "bad magic: a .npy file starts with \\x93NUMPY");
  if (got < preamble.size()) fail_at(in, got, "truncated header: the file ends inside the version");
  const int major = static_cast<unsigned char>(preamble[6]), minor = static_cast<unsigned char>(preamble[7]);
  if (minor != 0 || major < 1 || major > 3)
    fail_at(
        in, 6,
        "unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor) + " (1.0, 2.0 and 3.0 are)");
  // Version 1.0 has a 2-byte header length; 2.0 and 3.0 (UTF-8 header) have 4 bytes.
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  std::array<unsigned char, 4> length_field{};
  if (in.read(length_field.data(), length_bytes) < length_bytes) {
    if (!in.failure().empty()) fail_at(in, in.offset(), in.failure());
    fail_at(in, in.offset(), "truncated header: the file ends inside the header length");
  }
  std::uint64_t header_length = 0;
  for (std::size_t i = length_bytes; i-- > 0;) header_length = (header_length << 8) | length_field[i];
  const std::uint64_t header_offset = in.offset();
  if (header_length > kMaxHeaderBytes)
    fail_at(in, kPreambleBytes,
            "header length " + std::to_string(header_length) + " exceeds the limit of " +
                std::to_string(kMaxHeaderBytes) + " bytes");
  if (header_length > in.max_remaining())
    fail_at(in, header_offset,
            "truncated header: it announces " + std::to_string(header_length) + " bytes, the file holds at most " +
                std::to_string(in.max_remaining()));
  std::string header(static_cast<std::size_t>(header_length), '\0');
  if (in.read(header.data(), header.size()) < header.size()) {
    if (!in.failure().empty()) fail_at(in, in.offset(), in.failure());
    fail_at(in, in.offset(),
            "truncated header: it announces " + std::to_string(header_length) + " bytes, only " +
                std::to_string(in.offset() - header_offset) + " follow");
  }
  const auto fields = HeaderParser(in, header, header_offset).parse();
  if ((fields.shape.empty() && !scalars) || fields.shape.size() > 2)
    fail_at(in, fields.shape_position,
            std::to_string(fields.shape.size()) + "-d shape " + shape_text(fields.shape) +
                " is not supported; expected a 1-d or 2-d array");
  if (fields.fortran_order && fields.shape.size() > 1)
    fail_at(in, fields.fortran_position,
            "fortran_order True is not supported: save a C-ordered array (numpy: np.ascontiguousarray(a))");

  NpyArray<T> array;
  array.descr = fields.descr;
  array.shape = fields.shape;
  const std::uint64_t count = data_detail::checked_payload_count(in, in.offset(), array.shape, fields.type);
  array.values = AlignedBuffer<T>(static_cast<std::size_t>(count));
  data_detail::read_elements<T>(in, fields.type, ByteOrder::little, array.values.span());
  data_detail::expect_end(in);
  parsed.header_offset = header_offset;
  return array;
}

template <class T>
NpyArray<T> read_npy_file(const std::string& path, ParsedNpy& parsed) {
  ByteStream in(path);
  return read_npy_stream<T>(in, parsed);
}

}  // namespace

template <class T>
NpyArray<T> read_npy(const std::string& path) {
  ParsedNpy parsed;
  return read_npy_file<T>(path, parsed);
}

template <class T>
NpyArray<T> read_npy_bytes(std::string name, std::string bytes) {
  ByteStream in(std::move(name), std::move(bytes));
  ParsedNpy parsed;
  return read_npy_stream<T>(in, parsed, /*scalars=*/true);
}

template <class T>
Dataset<T> read_npy_dataset(const std::string& features_path, const std::string& labels_path) {
  ParsedNpy features_header, labels_header;
  NpyArray<T> labels = read_npy_file<T>(labels_path, labels_header);
  const auto labels_error = [&](const std::string& why) {
    return FormatError(labels_path + ": byte " + std::to_string(labels_header.header_offset) + ": " + why);
  };
  if (labels.shape.size() == 2 && labels.shape[1] != 1)
    throw labels_error("labels of shape " + shape_text(labels.shape) + ": expected (n,) or (n, 1)");
  NpyArray<T> features = read_npy_file<T>(features_path, features_header);
  const std::uint64_t rows = features.shape[0];
  const std::uint64_t cols = features.shape.size() == 2 ? features.shape[1] : 1;
  if (rows == 0 || cols == 0)
    throw FormatError(features_path + ": byte " + std::to_string(features_header.header_offset) + ": shape " +
                      shape_text(features.shape) +
                      " holds no example (a dataset needs at least one row and one column)");
  if (labels.shape[0] != rows)
    throw labels_error(std::to_string(labels.shape[0]) + " labels for the " + std::to_string(rows) + " examples of " +
                       features_path);
  DenseFeatures<T> dense{static_cast<std::size_t>(rows), static_cast<std::size_t>(cols), std::move(features.values)};
  std::vector<T> label_values(labels.values.begin(), labels.values.end());
  return Dataset<T>(std::move(dense), std::move(label_values), features_path);
}

template NpyArray<float> read_npy<float>(const std::string&);
template NpyArray<double> read_npy<double>(const std::string&);
template NpyArray<float> read_npy_bytes<float>(std::string, std::string);
template NpyArray<double> read_npy_bytes<double>(std::string, std::string);
template Dataset<float> read_npy_dataset<float>(const std::string&, const std::string&);
template Dataset<double> read_npy_dataset<double>(const std::string&, const std::string&);

}  // namespace descent
