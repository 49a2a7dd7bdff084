#include "descent/data/idx_reader.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "data/data_test_support.hpp"

namespace descent {
namespace {

using test::big_endian;
using test::corpus;
using test::error_of;
using test::idx_bytes;
using test::TempDir;
using test::write_file;
using test::write_gz;

template <class T>
class IdxReaderTest : public ::testing::Test {};
using RealTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(IdxReaderTest, RealTypes);

template <class T>
std::vector<T> values_of(const IdxArray<T>& array) {
  return std::vector<T>(array.values.begin(), array.values.end());
}

// Every IDX element type, with values chosen to be exact in float (so the expected
// vector is the same for both T) and to exercise sign and byte order.
TYPED_TEST(IdxReaderTest, ReadsEveryElementType) {
  using T = TypeParam;
  TempDir dir;
  const std::vector<T> expected_int = {0, 1, 127, 255, 3, 200};
  const std::vector<T> expected_signed = {-128, -1, 0, 1, 100, 127};
  const std::vector<T> expected_wide = {-32768, -256, 1, 258, 32767, 0};
  const std::vector<T> expected_int32 = {-16777216, -65536, 65537, 16777215, 0, 1};
  const std::vector<T> expected_real = {-1.5, 0.25, 1e-3f, 3.0, -0.0, 65504};
  struct Case {
    IdxType type;
    std::string payload;
    std::vector<T> expected;
  };
  const std::vector<Case> cases = {
      {IdxType::uint8, big_endian<std::uint8_t>({0, 1, 127, 255, 3, 200}), expected_int},
      {IdxType::int8, big_endian<std::int8_t>({-128, -1, 0, 1, 100, 127}), expected_signed},
      {IdxType::int16, big_endian<std::int16_t>({-32768, -256, 1, 258, 32767, 0}), expected_wide},
      {IdxType::int32, big_endian<std::int32_t>({-16777216, -65536, 65537, 16777215, 0, 1}), expected_int32},
      {IdxType::float32, big_endian<float>({-1.5f, 0.25f, 1e-3f, 3.0f, -0.0f, 65504.0f}), expected_real},
      {IdxType::float64, big_endian<double>({-1.5, 0.25, static_cast<double>(1e-3f), 3.0, -0.0, 65504.0}),
       expected_real},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.type));
    const std::string bytes = idx_bytes(static_cast<std::uint8_t>(c.type), {2, 3}, c.payload);
    for (bool gz : {false, true}) {
      const std::string path = dir.file("array.idx");
      gz ? write_gz(path, bytes) : write_file(path, bytes);
      const IdxArray<T> array = read_idx<T>(path);
      EXPECT_EQ(array.type, c.type);
      EXPECT_EQ(array.dims, (std::vector<std::uint64_t>{2, 3}));
      EXPECT_EQ(values_of(array), c.expected);
    }
  }
}

TYPED_TEST(IdxReaderTest, ImagesAndLabelsMakeADenseDataset) {
  TempDir dir;
  // 3 images of 2 x 2 pixels: rows of 4 columns in row-major pixel order.
  const std::string images =
      write_gz(dir.file("images.gz"),
               idx_bytes(0x08, {3, 2, 2}, std::string("\x00\x01\x02\x03\x10\x11\x12\x13\xfd\xfe\xff\x00", 12)));
  const std::string labels = write_file(dir.file("labels"), idx_bytes(0x08, {3}, std::string("\x07\x00\x09", 3)));
  const auto data = read_idx_dataset<TypeParam>(images, labels);
  EXPECT_FALSE(data.is_sparse());
  EXPECT_EQ(data.size(), 3u);
  EXPECT_EQ(data.dimension(), 4u);
  EXPECT_EQ(data.source(), images);
  const auto& v = data.dense().values;
  EXPECT_EQ(std::vector<TypeParam>(v.begin(), v.end()),
            (std::vector<TypeParam>{0, 1, 2, 3, 16, 17, 18, 19, 253, 254, 255, 0}));
  EXPECT_EQ(std::vector<TypeParam>(data.labels().begin(), data.labels().end()), (std::vector<TypeParam>{7, 0, 9}));
}

TYPED_TEST(IdxReaderTest, DatasetChecksTheLabelsFile) {
  TempDir dir;
  const std::string images = write_file(dir.file("images"), idx_bytes(0x08, {3, 2}, std::string(6, '\1')));
  const std::string two_d = write_file(dir.file("labels2d"), idx_bytes(0x08, {3, 1}, std::string(3, '\1')));
  EXPECT_EQ(error_of([&] { read_idx_dataset<TypeParam>(images, two_d); }),
            "FormatError: " + two_d + ": byte 3: a labels file must have 1 dimension, this one has 2");
  const std::string short_labels = write_file(dir.file("labels"), idx_bytes(0x08, {2}, std::string(2, '\1')));
  EXPECT_EQ(error_of([&] { read_idx_dataset<TypeParam>(images, short_labels); }),
            "FormatError: " + short_labels + ": byte 4: 2 labels for the 3 examples of " + images);
  const std::string empty = write_file(dir.file("empty"), idx_bytes(0x08, {0, 5}, ""));
  EXPECT_EQ(error_of([&] { read_idx_dataset<TypeParam>(empty, short_labels); }),
            "FormatError: " + empty +
                ": byte 4: dimensions 0 x 5 hold no example (a dataset needs at least one row and one column)");
}

TYPED_TEST(IdxReaderTest, HeaderErrors) {
  TempDir dir;
  const auto message = [&](const std::string& bytes) {
    const std::string path = write_file(dir.file("bad.idx"), bytes);
    const std::string prefix = "FormatError: " + path + ": ";
    std::string e = error_of([&] { read_idx<TypeParam>(path); });
    return e.starts_with(prefix) ? e.substr(prefix.size()) : e;
  };
  EXPECT_EQ(message(""), "byte 0: truncated header: the IDX magic needs 4 bytes, the file has 0");
  EXPECT_EQ(message(std::string("\0\0\x08", 3)),
            "byte 3: truncated header: the IDX magic needs 4 bytes, the file has 3");
  EXPECT_EQ(message(std::string("\0\0\x07\x01", 4)),
            "byte 2: unknown element type 0x07 (IDX defines 08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e "
            "float64)");
  EXPECT_EQ(message(std::string("\0\0\x08\x00", 4)), "byte 3: the header declares 0 dimensions");
  EXPECT_EQ(message(std::string("\0\0\x08\x03\0\0\0\x01\0\0", 10)),
            "byte 10: truncated header: 3 dimensions need 12 bytes, only 6 follow the magic");
  // 2^32-1 x 2^32-1 fits 64 bits as a count but not as bytes of int32.
  EXPECT_EQ(message(idx_bytes(0x0C, {0xFFFFFFFFu, 0xFFFFFFFFu}, "")),
            "byte 12: dimensions 4294967295 x 4294967295 of int32 overflow 64 bits of bytes");
  // A zero dimension makes the array empty even when the others would overflow.
  const IdxArray<TypeParam> empty = read_idx<TypeParam>(
      write_file(dir.file("empty.idx"), idx_bytes(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0}, "")));
  EXPECT_EQ(empty.values.size(), 0u);
}

TYPED_TEST(IdxReaderTest, NonFiniteAndOutOfRangeValuesNameTheirOffset) {
  TempDir dir;
  const std::string nan_file = write_file(
      dir.file("nan.idx"), idx_bytes(0x0D, {3}, big_endian<float>({1, std::numeric_limits<float>::quiet_NaN(), 2})));
  EXPECT_EQ(error_of([&] { read_idx<TypeParam>(nan_file); }),
            "FormatError: " + nan_file + ": byte 12: value nan is not finite");  // 8-byte header + 1 float
  const std::string huge = write_file(dir.file("huge.idx"), idx_bytes(0x0E, {2}, big_endian<double>({1, 1e300})));
  if constexpr (sizeof(TypeParam) == 4) {
    EXPECT_EQ(error_of([&] { read_idx<TypeParam>(huge); }),
              "FormatError: " + huge + ": byte 16: value 1e+300 is out of range for float");
  } else {
    EXPECT_EQ(values_of(read_idx<TypeParam>(huge)), (std::vector<double>{1, 1e300}));
  }
}

TYPED_TEST(IdxReaderTest, GzipHeaderClaimsAreBoundedByTheFileSize) {
  TempDir dir;
  // 2^31 x 2^31 uint8 fits 64 bits but no gzip file of a few dozen bytes can inflate to
  // 2^62 bytes (deflate expands at most 1032x): refused before any allocation.
  const std::string path = write_gz(dir.file("claim.gz"), idx_bytes(0x08, {0x80000000u, 0x80000000u}, "abc"));
  const std::string e = error_of([&] { read_idx<TypeParam>(path); });
  EXPECT_TRUE(
      e.starts_with("FormatError: " + path +
                    ": byte 12: truncated payload: the header announces 4611686018427387904 bytes (2147483648 x "
                    "2147483648 uint8), more than this "))
      << e;
  EXPECT_TRUE(e.ends_with("-byte gzip file can hold")) << e;
}

TYPED_TEST(IdxReaderTest, CorpusBadMagic) {
  const std::string path = corpus("idx/bad_magic.idx");
  EXPECT_EQ(
      error_of([&] { read_idx<TypeParam>(path); }),
      "FormatError: " + path + ": byte 0: bad magic 01 02 08 01: an IDX file starts with 00 00 <type> <dimensions>");
}

TYPED_TEST(IdxReaderTest, CorpusOverflowingDimensions) {
  const std::string path = corpus("idx/overflow_dims.idx");
  EXPECT_EQ(error_of([&] { read_idx<TypeParam>(path); }),
            "FormatError: " + path + ": byte 16: dimensions 4294967295 x 4294967295 x 4294967295 overflow 64 bits");
}

TYPED_TEST(IdxReaderTest, CorpusTruncatedPayload) {
  const std::string path = corpus("idx/truncated_payload.idx");
  EXPECT_EQ(error_of([&] { read_idx<TypeParam>(path); }),
            "FormatError: " + path +
                ": byte 16: truncated payload: the header announces 18 bytes (2 x 3 x 3 uint8), only 10 follow");
}

TYPED_TEST(IdxReaderTest, CorpusTrailingGarbage) {
  // 12 bytes of header and 4 of payload: the fifth payload byte, at offset 16, is one too many.
  const std::string path = corpus("idx/trailing_garbage.idx");
  EXPECT_EQ(error_of([&] { read_idx<TypeParam>(path); }),
            "FormatError: " + path + ": byte 16: unexpected data after the end of the payload");
}

TYPED_TEST(IdxReaderTest, CorpusTruncatedGzip) {
  // Stored (level 0) gzip cut after 60 bytes of data (make_corpus.py): the stream breaks off at byte 60.
  const std::string path = corpus("idx/truncated.idx.gz");
  EXPECT_EQ(error_of([&] { read_idx<TypeParam>(path); }),
            "FormatError: " + path + ": byte 60: truncated gzip stream (the compressed data ends early)");
}

TYPED_TEST(IdxReaderTest, CorruptGzipChecksumIsCaught) {
  TempDir dir;
  std::string bytes;
  {
    const std::string plain = idx_bytes(0x08, {4}, "abcd");
    const std::string path = write_gz(dir.file("ok.gz"), plain);
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() - 8] ^= 0x01;  // the CRC-32 of the gzip trailer
  const std::string path = write_file(dir.file("crc.gz"), bytes);
  // zlib inflates this small stream whole on the first read, meets the bad checksum and
  // delivers none of it: the error shows at byte 0.
  EXPECT_EQ(error_of([&] { read_idx<TypeParam>(path); }),
            "FormatError: " + path + ": byte 0: corrupt gzip stream (incorrect data check)");
}

}  // namespace
}  // namespace descent
