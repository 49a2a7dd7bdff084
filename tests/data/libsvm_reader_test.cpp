#include "descent/data/libsvm_reader.hpp"

#include <gtest/gtest.h>

#include "data/data_test_support.hpp"

namespace descent {
namespace {

using test::corpus;
using test::error_of;
using test::TempDir;
using test::write_file;
using test::write_gz;

template <class T>
class LibsvmReaderTest : public ::testing::Test {};
using RealTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LibsvmReaderTest, RealTypes);

// Everything the grammar allows in one file: '+' labels, qid, comments (whole-line and
// trailing), tabs, CRLF, blank lines, an example without features, no final newline.
constexpr const char* kGoodFile =
    "# a header comment\n"
    "+1 qid:3 1:0.5 4:-2.25\t7:3 # trailing comment\n"
    "\n"
    "-1 2:1e-3\r\n"
    "0.5\n"
    "   \n"
    "2 1:0.1 3:4";

template <class T>
void expect_good_file(const Dataset<T>& data) {
  ASSERT_TRUE(data.is_sparse());
  const auto& f = data.sparse();
  EXPECT_EQ(data.size(), 4u);
  EXPECT_EQ(data.dimension(), 7u);  // the largest index, 7
  EXPECT_EQ(f.row_offsets, (std::vector<std::int64_t>{0, 3, 4, 4, 6}));
  EXPECT_EQ(f.columns, (std::vector<std::int64_t>{0, 3, 6, 1, 0, 2}));
  // from_chars rounds the decimal text once, correctly, to T: the same value as the
  // literal of that type (0.1f != 0.1 shows that floats are not parsed through double).
  EXPECT_EQ(f.values, (std::vector<T>{T(0.5), T(-2.25), T(3), T(1e-3), T(0.1), T(4)}));
  EXPECT_EQ(std::vector<T>(data.labels().begin(), data.labels().end()), (std::vector<T>{1, -1, T(0.5), 2}));
}

TYPED_TEST(LibsvmReaderTest, ReadsEveryFeatureOfTheGrammar) {
  TempDir dir;
  expect_good_file(read_libsvm<TypeParam>(write_file(dir.file("good.libsvm"), kGoodFile)));
}

TYPED_TEST(LibsvmReaderTest, ReadsGzipByMagicNotByName) {
  TempDir dir;
  // No ".gz" in the name: the reader must look at the bytes.
  expect_good_file(read_libsvm<TypeParam>(write_gz(dir.file("good.libsvm"), kGoodFile)));
}

TYPED_TEST(LibsvmReaderTest, LinesLongerThanTheReadBufferSurvive) {
  TempDir dir;
  // 100000 features on one line: about 1.3 MB, many times the initial 64 KiB line buffer.
  std::string line = "1";
  for (int i = 1; i <= 100000; ++i) line += " " + std::to_string(i) + ":" + std::to_string(i % 7);
  const auto data = read_libsvm<TypeParam>(write_file(dir.file("long.libsvm"), line + "\n-1 5:1\n"));
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data.dimension(), 100000u);
  EXPECT_EQ(data.sparse().row_offsets[1], 100000);
  EXPECT_EQ(data.sparse().values[99999], TypeParam(100000 % 7));
  EXPECT_EQ(data.sparse().columns.back(), 4);
}

TYPED_TEST(LibsvmReaderTest, ZeroBasedIndices) {
  TempDir dir;
  const std::string path = write_file(dir.file("zero.libsvm"), "1 0:1 2:2\n");
  const auto data = read_libsvm<TypeParam>(path, {.zero_based = true});
  EXPECT_EQ(data.dimension(), 3u);
  EXPECT_EQ(data.sparse().columns, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
            "FormatError: " + path +
                ": line 1: index 0 in a 1-based file (set LibsvmOptions::zero_based for files whose indices start "
                "at 0)");
}

TYPED_TEST(LibsvmReaderTest, DimensionOptionWidensAndBounds) {
  TempDir dir;
  const std::string path = write_file(dir.file("d.libsvm"), "1 1:1 3:1\n-1 2:1\n");
  EXPECT_EQ(read_libsvm<TypeParam>(path, {.dimension = 10}).dimension(), 10u);
  EXPECT_EQ(read_libsvm<TypeParam>(path, {.dimension = 3}).dimension(), 3u);
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path, {.dimension = 2}); }),
            "FormatError: " + path + ": line 1: index 3 is beyond LibsvmOptions::dimension = 2");
}

TYPED_TEST(LibsvmReaderTest, MaxIndexCanBeRaised) {
  TempDir dir;
  const std::string path = write_file(dir.file("big.libsvm"), "1 2147483648:1\n");
  const auto data = read_libsvm<TypeParam>(path, {.max_index = std::uint64_t{1} << 32});
  EXPECT_EQ(data.dimension(), std::size_t{1} << 31);
  EXPECT_EQ(data.sparse().columns, (std::vector<std::int64_t>{(std::int64_t{1} << 31) - 1}));  // 1-based
}

TYPED_TEST(LibsvmReaderTest, MalformedLinesNameLineAndReason) {
  TempDir dir;
  const auto message = [&](const std::string& content) {
    const std::string path = write_file(dir.file("bad.libsvm"), content);
    const std::string prefix = "FormatError: " + path + ": ";
    std::string e = error_of([&] { read_libsvm<TypeParam>(path); });
    return e.starts_with(prefix) ? e.substr(prefix.size()) : e;
  };
  EXPECT_EQ(message("1 1:1\nabc 1:1\n"), "line 2: label 'abc' is not a number");
  EXPECT_EQ(message("1,2 1:1\n"), "line 1: label '1,2' is not a number");
  EXPECT_EQ(message("1 1:1 qid:2\n"), "line 1: qid must come right after the label");
  EXPECT_EQ(message("1 qid:1 qid:2\n"), "line 1: qid must come right after the label");
  EXPECT_EQ(message("1 qid: 1:1\n"), "line 1: qid '' is not a non-negative 64-bit integer");
  EXPECT_EQ(message("1 qid:1.5\n"), "line 1: qid '1.5' is not a non-negative 64-bit integer");
  EXPECT_EQ(message("1 qid:18446744073709551616\n"),
            "line 1: qid '18446744073709551616' is not a non-negative 64-bit integer");
  EXPECT_EQ(message("1 1:1 foo\n"), "line 1: expected <index>:<value>, found 'foo'");
  EXPECT_EQ(message("1 :1\n"), "line 1: index '' is not a non-negative integer");
  EXPECT_EQ(message("1 -1:1\n"), "line 1: index '-1' is not a non-negative integer");
  EXPECT_EQ(message("1 +1:1\n"), "line 1: index '+1' is not a non-negative integer");
  EXPECT_EQ(message("1 99999999999999999999:1\n"),
            "line 1: index 99999999999999999999 exceeds LibsvmOptions::max_index = 2147483647");
  EXPECT_EQ(message("1 1:\n"), "line 1: index 1: value '' is not a number");
  EXPECT_EQ(message("1 1:2:3\n"), "line 1: index 1: value '2:3' is not a number");
  EXPECT_EQ(message("1 1:0x10\n"), "line 1: index 1: value '0x10' is not a number");
  EXPECT_EQ(message("1 1:nan\n"), "line 1: index 1: value 'nan' is not finite");
  EXPECT_EQ(message("inf 1:1\n"), "line 1: label 'inf' is not finite");
  EXPECT_EQ(message("1 1:1e-400\n"), std::string("line 1: index 1: value '1e-400' is out of range for ") +
                                         (sizeof(TypeParam) == 4 ? "float" : "double"));
  // Control bytes are escaped in messages.
  EXPECT_EQ(message(std::string("1 1:\x01\xff", 6) + "\n"), "line 1: index 1: value '\\x01\\xff' is not a number");
}

TYPED_TEST(LibsvmReaderTest, AFileWithoutExamplesIsAnError) {
  TempDir dir;
  for (const char* content : {"", "\n\n", "# only a comment\n   \n"}) {
    const std::string path = write_file(dir.file("none.libsvm"), content);
    EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
              "FormatError: " + path + ": no examples (the file is empty or holds only comments)");
  }
}

TYPED_TEST(LibsvmReaderTest, OpenFailuresAreIoErrors) {
  TempDir dir;
  const std::string missing = dir.file("missing.libsvm");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(missing); }),
            "IoError: " + missing + ": cannot open: No such file or directory");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(dir.file("")); }),
            "IoError: " + dir.file("") + ": not a regular file");
}

TYPED_TEST(LibsvmReaderTest, OptionsOutOfRangeAreConfigErrors) {
  TempDir dir;
  const std::string path = write_file(dir.file("ok.libsvm"), "1 1:1\n");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path, {.max_index = 0}); }),
            "ConfigError: LibsvmOptions::max_index = 0 violates 1 <= max_index < 2^63");
}

// ---- the committed malformed corpus: one file per failure, exact messages ----

TYPED_TEST(LibsvmReaderTest, CorpusUnsortedIndices) {
  const std::string path = corpus("libsvm/unsorted_indices.libsvm");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
            "FormatError: " + path + ": line 2: index 2 after index 4: indices must be strictly increasing");
}

TYPED_TEST(LibsvmReaderTest, CorpusDuplicateIndices) {
  const std::string path = corpus("libsvm/duplicate_indices.libsvm");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }), "FormatError: " + path + ": line 1: duplicate index 2");
}

TYPED_TEST(LibsvmReaderTest, CorpusIndexZeroInOneBasedFile) {
  const std::string path = corpus("libsvm/zero_index.libsvm");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
            "FormatError: " + path +
                ": line 2: index 0 in a 1-based file (set LibsvmOptions::zero_based for files whose indices start "
                "at 0)");
}

TYPED_TEST(LibsvmReaderTest, CorpusValueNotANumber) {
  const std::string path = corpus("libsvm/value_not_a_number.libsvm");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
            "FormatError: " + path + ": line 2: index 1: value 'abc' is not a number");
}

TYPED_TEST(LibsvmReaderTest, CorpusValueOutOfRange) {
  const std::string path = corpus("libsvm/value_out_of_range.libsvm");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
            "FormatError: " + path + ": line 1: index 1: value '1e400' is out of range for " +
                (sizeof(TypeParam) == 4 ? "float" : "double"));
}

TYPED_TEST(LibsvmReaderTest, CorpusIndexTwoToThe31) {
  const std::string path = corpus("libsvm/index_2pow31.libsvm");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
            "FormatError: " + path + ": line 1: index 2147483648 exceeds LibsvmOptions::max_index = 2147483647");
}

TYPED_TEST(LibsvmReaderTest, CorpusIndexTwoToThe63) {
  const std::string path = corpus("libsvm/index_2pow63.libsvm");
  EXPECT_EQ(
      error_of([&] { read_libsvm<TypeParam>(path); }),
      "FormatError: " + path + ": line 1: index 9223372036854775808 exceeds LibsvmOptions::max_index = 2147483647");
  // Even the largest max_index the options allow (2^63 - 1) keeps 2^63 out: CSR columns are int64.
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path, {.max_index = (std::uint64_t{1} << 63) - 1}); }),
            "FormatError: " + path +
                ": line 1: index 9223372036854775808 exceeds LibsvmOptions::max_index = 9223372036854775807");
}

TYPED_TEST(LibsvmReaderTest, CorpusBadQid) {
  const std::string path = corpus("libsvm/bad_qid.libsvm");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
            "FormatError: " + path + ": line 1: qid '-3' is not a non-negative 64-bit integer");
}

TYPED_TEST(LibsvmReaderTest, CorpusEmptyLinesAreSkipped) {
  const auto data = read_libsvm<TypeParam>(corpus("libsvm/empty_lines.libsvm"));
  EXPECT_EQ(data.size(), 2u);
  EXPECT_EQ(data.sparse().columns, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(std::vector<TypeParam>(data.labels().begin(), data.labels().end()), (std::vector<TypeParam>{1, -1}));
}

TYPED_TEST(LibsvmReaderTest, CorpusTruncatedGzip) {
  // The file keeps the first 1000 bytes of 200 short lines (make_corpus.py); those
  // bytes hold 138 complete lines, so the stream breaks off in line 139.
  const std::string path = corpus("libsvm/truncated.libsvm.gz");
  EXPECT_EQ(error_of([&] { read_libsvm<TypeParam>(path); }),
            "FormatError: " + path + ": line 139: truncated gzip stream (the compressed data ends early)");
}

}  // namespace
}  // namespace descent
