#include "descent/data/npy_reader.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "data/data_test_support.hpp"

namespace descent {
namespace {

using test::corpus;
using test::error_of;
using test::little_endian;
using test::npy_bytes;
using test::TempDir;
using test::write_file;
using test::write_gz;

template <class T>
class NpyReaderTest : public ::testing::Test {};
using RealTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(NpyReaderTest, RealTypes);

template <class T>
std::vector<T> values_of(const NpyArray<T>& array) {
  return std::vector<T>(array.values.begin(), array.values.end());
}

std::string dict(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

// Every supported dtype; values exact in float so one expected vector serves both T.
TYPED_TEST(NpyReaderTest, ReadsEverySupportedDtype) {
  using T = TypeParam;
  TempDir dir;
  struct Case {
    std::string descr, payload;
    std::vector<T> expected;
  };
  const std::vector<Case> cases = {
      {"|u1", little_endian<std::uint8_t>({0, 255, 7, 128}), {0, 255, 7, 128}},
      {"<u1", little_endian<std::uint8_t>({0, 255, 7, 128}), {0, 255, 7, 128}},
      {"|i1", little_endian<std::int8_t>({-128, 127, -1, 0}), {-128, 127, -1, 0}},
      {"<i2", little_endian<std::int16_t>({-32768, 32767, -2, 300}), {-32768, 32767, -2, 300}},
      {"<u2", little_endian<std::uint16_t>({65535, 0, 2, 300}), {65535, 0, 2, 300}},
      {"<i4", little_endian<std::int32_t>({-16777216, 16777215, -3, 70000}), {-16777216, 16777215, -3, 70000}},
      {"<u4", little_endian<std::uint32_t>({16777216, 0, 3, 70000}), {16777216, 0, 3, 70000}},
      {"<i8", little_endian<std::int64_t>({-(std::int64_t{1} << 40), 1, -1, 0}), {-1099511627776.0, 1, -1, 0}},
      {"<u8", little_endian<std::uint64_t>({std::uint64_t{1} << 63, 1, 2, 0}), {9223372036854775808.0, 1, 2, 0}},
      {"<f4", little_endian<float>({-1.5f, 0.1f, 1e30f, -0.0f}), {-1.5, 0.1f, 1e30f, -0.0}},
      {"<f8",
       little_endian<double>({-1.5, static_cast<double>(0.1f), static_cast<double>(1e30f), -0.0}),
       {-1.5, 0.1f, 1e30f, -0.0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.descr);
    for (int major : {1, 2, 3}) {
      const std::string path = write_file(dir.file("a.npy"), npy_bytes(dict(c.descr, "(2, 2)"), c.payload, major));
      const NpyArray<T> array = read_npy<T>(path);
      EXPECT_EQ(array.descr, c.descr);
      EXPECT_EQ(array.shape, (std::vector<std::uint64_t>{2, 2}));
      EXPECT_EQ(values_of(array), c.expected);
    }
  }
}

TYPED_TEST(NpyReaderTest, HeaderVariantsNumpyAccepts) {
  TempDir dir;
  const std::string payload = little_endian<double>({1, 2, 3});
  // Double quotes, no trailing comma, keys in another order, no spaces, gzip.
  for (const std::string header : {std::string("{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<f8\"}"),
                                   std::string("{'descr':'<f8','fortran_order':False,'shape':(3,)}")}) {
    SCOPED_TRACE(header);
    EXPECT_EQ(values_of(read_npy<TypeParam>(write_file(dir.file("v.npy"), npy_bytes(header, payload)))),
              (std::vector<TypeParam>{1, 2, 3}));
    EXPECT_EQ(values_of(read_npy<TypeParam>(write_gz(dir.file("v.npy.gz"), npy_bytes(header, payload)))),
              (std::vector<TypeParam>{1, 2, 3}));
  }
  // fortran_order True on a 1-d array: the bytes are the same in both orders.
  const auto fortran_1d =
      read_npy<TypeParam>(write_file(dir.file("f.npy"), npy_bytes(dict("<f8", "(3,)", "True"), payload)));
  EXPECT_EQ(values_of(fortran_1d), (std::vector<TypeParam>{1, 2, 3}));
}

TYPED_TEST(NpyReaderTest, FeaturesAndLabelsMakeADenseDataset) {
  TempDir dir;
  const std::string x =
      write_file(dir.file("x.npy"), npy_bytes(dict("<f4", "(3, 2)"), little_endian<float>({1, 2, 3, 4, 5, 6})));
  const std::string y =
      write_file(dir.file("y.npy"), npy_bytes(dict("<i8", "(3,)"), little_endian<std::int64_t>({0, 1, 0})));
  const auto data = read_npy_dataset<TypeParam>(x, y);
  EXPECT_EQ(data.size(), 3u);
  EXPECT_EQ(data.dimension(), 2u);
  EXPECT_EQ(std::vector<TypeParam>(data.dense().values.begin(), data.dense().values.end()),
            (std::vector<TypeParam>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(std::vector<TypeParam>(data.labels().begin(), data.labels().end()), (std::vector<TypeParam>{0, 1, 0}));

  // 1-d features are one column; (n, 1) labels are accepted.
  const std::string x1 = write_file(dir.file("x1.npy"), npy_bytes(dict("|u1", "(3,)"), "\x01\x02\x03"));
  const std::string y1 =
      write_file(dir.file("y1.npy"), npy_bytes(dict("|u1", "(3, 1)"), std::string("\x01\x00\x01", 3)));
  EXPECT_EQ(read_npy_dataset<TypeParam>(x1, y1).dimension(), 1u);

  const std::string y2 =
      write_file(dir.file("y2.npy"), npy_bytes(dict("|u1", "(3, 2)"), std::string("\x01\x00\x01\x01\x00\x01", 6)));
  EXPECT_EQ(error_of([&] { read_npy_dataset<TypeParam>(x, y2); }),
            "FormatError: " + y2 + ": byte 10: labels of shape (3, 2): expected (n,) or (n, 1)");
  const std::string y4 =
      write_file(dir.file("y4.npy"), npy_bytes(dict("|u1", "(4,)"), std::string("\x01\x00\x01\x01", 4)));
  EXPECT_EQ(error_of([&] { read_npy_dataset<TypeParam>(x, y4); }),
            "FormatError: " + y4 + ": byte 10: 4 labels for the 3 examples of " + x);
  const std::string x0 = write_file(dir.file("x0.npy"), npy_bytes(dict("|u1", "(4, 0)"), ""));
  EXPECT_EQ(error_of([&] { read_npy_dataset<TypeParam>(x0, y4); }),
            "FormatError: " + x0 +
                ": byte 10: shape (4, 0) holds no example (a dataset needs at least one row and one "
                "column)");
}

TYPED_TEST(NpyReaderTest, HeaderErrorsNameTheirByte) {
  TempDir dir;
  const auto message = [&](const std::string& bytes) {
    const std::string path = write_file(dir.file("bad.npy"), bytes);
    const std::string prefix = "FormatError: " + path + ": ";
    std::string e = error_of([&] { read_npy<TypeParam>(path); });
    return e.starts_with(prefix) ? e.substr(prefix.size()) : e;
  };
  const std::string f8x2 = little_endian<double>({1, 2});
  EXPECT_EQ(message(""), "byte 0: bad magic: a .npy file starts with \\x93NUMPY");
  EXPECT_EQ(message("\x93NUMPZ\x01\x00"), "byte 0: bad magic: a .npy file starts with \\x93NUMPY");
  EXPECT_EQ(message("\x93NUMPY\x01"), "byte 7: truncated header: the file ends inside the version");
  EXPECT_EQ(message(std::string("\x93NUMPY\x04\x00", 8)),
            "byte 6: unsupported .npy version 4.0 (1.0, 2.0 and 3.0 are)");
  EXPECT_EQ(message(std::string("\x93NUMPY\x01\x00\x10", 9)),
            "byte 9: truncated header: the file ends inside the header length");
  EXPECT_EQ(message(std::string("\x93NUMPY\x02\x00\x00\x00\x00\x01", 12)),
            "byte 8: header length 16777216 exceeds the limit of 1048576 bytes");
  EXPECT_EQ(message(std::string("\x93NUMPY\x01\x00\x00\x01{", 11)),
            "byte 10: truncated header: it announces 256 bytes, the file holds at most 1");
  // (n) is not a tuple in Python; numpy would refuse it too.
  EXPECT_EQ(message(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2)}", f8x2)),
            "byte 60: bad header: shape (2) is not a tuple; write (2,)");
  EXPECT_EQ(message(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", f8x2)),
            "byte 66: bad header: unknown key 'x' (a .npy header has 'descr', 'fortran_order', 'shape')");
  EXPECT_EQ(message(npy_bytes("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", f8x2)),
            "byte 27: bad header: duplicate key 'descr'");
  EXPECT_EQ(message(npy_bytes("{'descr': '<f8', 'shape': (2,)}", f8x2)),
            "byte 40: bad header: missing key 'fortran_order'");
  EXPECT_EQ(message(npy_bytes("{'descr': '<f8', 'fortran_order': false, 'shape': (2,)}", f8x2)),
            "byte 44: bad header: fortran_order must be True or False");
  EXPECT_EQ(message(npy_bytes("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,)}", f8x2)),
            "byte 20: bad header: structured dtypes (a list as 'descr') are not supported");
  EXPECT_EQ(message(npy_bytes(dict("<c16", "(2,)"), f8x2)),
            "byte 20: bad header: unsupported dtype '<c16' (supported: |u1 |i1 <i2 <u2 <i4 <u4 <i8 <u8 <f4 <f8)");
  EXPECT_EQ(message(npy_bytes(dict("|f8", "(2,)"), f8x2)),
            "byte 20: bad header: unsupported dtype '|f8' (supported: |u1 |i1 <i2 <u2 <i4 <u4 <i8 <u8 <f4 <f8)");
  EXPECT_EQ(message(npy_bytes(dict("<f8", "(1, 2, 1)"), f8x2)),
            "byte 60: 3-d shape (1, 2, 1) is not supported; expected a 1-d or 2-d array");
  EXPECT_EQ(message(npy_bytes(dict("<f8", "()"), f8x2)),
            "byte 60: 0-d shape () is not supported; expected a 1-d or 2-d array");
  EXPECT_EQ(message(npy_bytes(dict("<f8", "(18446744073709551616,)"), f8x2)),
            "byte 61: bad header: dimension 18446744073709551616 does not fit 64 bits");
  EXPECT_EQ(message(npy_bytes(dict("<f8", "(4294967296, 4294967296)"), f8x2)),
            "byte 128: dimensions 4294967296 x 4294967296 overflow 64 bits");
  // The header must end with '\n' (numpy pads with spaces, then a newline). Headers of
  // these dicts fill 128 bytes with the preamble, so the payload starts at byte 128.
  std::string no_newline = npy_bytes(dict("<f8", "(2,)"), f8x2);
  no_newline[127] = ' ';
  EXPECT_EQ(message(no_newline), "byte 128: bad header: the header must end with spaces and one newline after '}'");
  const std::string nan = little_endian<double>({1, std::numeric_limits<double>::infinity()});
  EXPECT_EQ(message(npy_bytes(dict("<f8", "(2,)"), nan)), "byte 136: value inf is not finite");
  EXPECT_EQ(message(npy_bytes(dict("<f8", "(2,)"), f8x2 + "x")),
            "byte 144: unexpected data after the end of the payload");
}

TYPED_TEST(NpyReaderTest, CorpusBadHeader) {
  // The dict misses the comma between 'shape': (2, 2) and 'x' (byte 67).
  const std::string path = corpus("npy/bad_header.npy");
  EXPECT_EQ(error_of([&] { read_npy<TypeParam>(path); }),
            "FormatError: " + path + ": byte 67: bad header: expected ',' or '}' after the value of 'shape'");
}

TYPED_TEST(NpyReaderTest, CorpusBigEndian) {
  const std::string path = corpus("npy/big_endian.npy");
  EXPECT_EQ(error_of([&] { read_npy<TypeParam>(path); }),
            "FormatError: " + path +
                ": byte 20: bad header: big-endian dtype '>f8' is not supported; save little-endian data (numpy: "
                "a.astype('<f8'))");
}

TYPED_TEST(NpyReaderTest, CorpusFortranOrder) {
  const std::string path = corpus("npy/fortran_order.npy");
  EXPECT_EQ(error_of([&] { read_npy<TypeParam>(path); }),
            "FormatError: " + path +
                ": byte 44: fortran_order True is not supported: save a C-ordered array (numpy: "
                "np.ascontiguousarray(a))");
}

TYPED_TEST(NpyReaderTest, CorpusTruncatedPayload) {
  const std::string path = corpus("npy/truncated_payload.npy");
  EXPECT_EQ(error_of([&] { read_npy<TypeParam>(path); }),
            "FormatError: " + path +
                ": byte 128: truncated payload: the header announces 48 bytes (2 x 3 float64), only 40 follow");
}

}  // namespace
}  // namespace descent
