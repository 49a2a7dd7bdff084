#include "descent/data/csv_reader.hpp"

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
class CsvReaderTest : public ::testing::Test {};
using RealTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(CsvReaderTest, RealTypes);

template <class T>
std::vector<T> features_of(const Dataset<T>& data) {
  return std::vector<T>(data.dense().values.begin(), data.dense().values.end());
}
template <class T>
std::vector<T> labels_of(const Dataset<T>& data) {
  return std::vector<T>(data.labels().begin(), data.labels().end());
}

TYPED_TEST(CsvReaderTest, LastColumnIsTheLabelByDefault) {
  TempDir dir;
  const std::string path = write_file(dir.file("plain.csv"), "1,2,0\n-3.5,+4,1\n0.1,1e3,0\n");
  const auto data = read_csv<TypeParam>(path);
  EXPECT_EQ(data.size(), 3u);
  EXPECT_EQ(data.dimension(), 2u);
  // Parsed once into T, correctly rounded: the same as the literal of that type.
  EXPECT_EQ(features_of(data), (std::vector<TypeParam>{1, 2, -3.5, 4, TypeParam(0.1), 1000}));
  EXPECT_EQ(labels_of(data), (std::vector<TypeParam>{0, 1, 0}));
}

TYPED_TEST(CsvReaderTest, HeaderQuotesPaddingCrlfBomAndBlankLines) {
  TempDir dir;
  const std::string content =
      "\xEF\xBB\xBF\"id\",\"a \"\"quoted\"\" name\",label\r\n"
      "\r\n"
      " 1 ,\t\"2.5\" , 3\r\n"
      "4,5,6";
  for (bool gz : {false, true}) {
    const std::string path = gz ? write_gz(dir.file("h.csv.gz"), content) : write_file(dir.file("h.csv"), content);
    const auto by_name = read_csv<TypeParam>(path, {.has_header = true, .label_name = "a \"quoted\" name"});
    EXPECT_EQ(features_of(by_name), (std::vector<TypeParam>{1, 3, 4, 6}));
    EXPECT_EQ(labels_of(by_name), (std::vector<TypeParam>{2.5, 5}));
    const auto by_index = read_csv<TypeParam>(path, {.has_header = true, .label_index = 0});
    EXPECT_EQ(features_of(by_index), (std::vector<TypeParam>{2.5, 3, 5, 6}));
    EXPECT_EQ(labels_of(by_index), (std::vector<TypeParam>{1, 4}));
    // The BOM is gone, so the first name matches exactly.
    EXPECT_EQ(labels_of(read_csv<TypeParam>(path, {.has_header = true, .label_name = "id"})),
              (std::vector<TypeParam>{1, 4}));
  }
}

TYPED_TEST(CsvReaderTest, OtherDelimiters) {
  TempDir dir;
  const auto tsv = read_csv<TypeParam>(write_file(dir.file("t.tsv"), "1\t2\t3\n4\t5\t6\n"), {.delimiter = '\t'});
  EXPECT_EQ(features_of(tsv), (std::vector<TypeParam>{1, 2, 4, 5}));
  const auto semicolon = read_csv<TypeParam>(write_file(dir.file("s.csv"), "1;2\n3;4\n"), {.delimiter = ';'});
  EXPECT_EQ(labels_of(semicolon), (std::vector<TypeParam>{2, 4}));
}

TYPED_TEST(CsvReaderTest, MalformedRowsNameLineAndColumn) {
  TempDir dir;
  const auto message = [&](const std::string& content, CsvOptions options = {}) {
    const std::string path = write_file(dir.file("bad.csv"), content);
    const std::string prefix = "FormatError: " + path + ": ";
    std::string e = error_of([&] { read_csv<TypeParam>(path, options); });
    return e.starts_with(prefix) ? e.substr(prefix.size()) : e;
  };
  EXPECT_EQ(message("1,2\n3,,4\n"), "line 2: 3 fields, expected 2 (as in line 1)");
  EXPECT_EQ(message("1,2\n3,\n"), "line 2, column 2: empty field (missing values are not supported)");
  EXPECT_EQ(message("1,2\n3,4,\n"), "line 2: 3 fields, expected 2 (as in line 1)");
  EXPECT_EQ(message("1,nan\n"), "line 1, column 2: 'nan' is not finite");
  EXPECT_EQ(message("1,1e999\n"), std::string("line 1, column 2: '1e999' is out of range for ") +
                                      (sizeof(TypeParam) == 4 ? "float" : "double"));
  EXPECT_EQ(message("1,\"2\n"), "line 1, column 2: unterminated quoted field (a field cannot span lines)");
  EXPECT_EQ(message("\"1\"x,2\n"), "line 1, column 1: unexpected 'x' after a quoted field");
  EXPECT_EQ(message("1 2 3\n"),
            "line 1: 1 column: a CSV dataset needs the label column and at least one feature "
            "column (is ',' the delimiter?)");
  EXPECT_EQ(message("x,y\n1,2\n", {.has_header = true, .label_name = "z"}),
            "line 1: no column named 'z' in the header");
  EXPECT_EQ(message("y,y\n1,2\n", {.has_header = true, .label_name = "y"}),
            "line 1: column name 'y' appears more than once in the header");
  EXPECT_EQ(message("\n1,2\n", {.label_index = 2}),
            "line 2: CsvOptions::label_index = 2 but rows have 2 columns (indices start at 0)");
  EXPECT_EQ(message("x,y\n", {.has_header = true}), "no examples after the header");
  EXPECT_EQ(message("\n  \n"), "empty file (no header and no example)");
}

TYPED_TEST(CsvReaderTest, ContradictoryOptionsAreConfigErrors) {
  TempDir dir;
  const std::string path = write_file(dir.file("ok.csv"), "1,2\n");
  EXPECT_EQ(error_of([&] { read_csv<TypeParam>(path, {.label_index = 0, .label_name = "y"}); }),
            "ConfigError: CsvOptions::label_index and CsvOptions::label_name are both set; set at most one");
  EXPECT_EQ(error_of([&] { read_csv<TypeParam>(path, {.label_name = "y"}); }),
            "ConfigError: CsvOptions::label_name = 'y' needs CsvOptions::has_header = true");
  EXPECT_EQ(error_of([&] { read_csv<TypeParam>(path, {.delimiter = '"'}); }),
            "ConfigError: CsvOptions::delimiter = '\"' violates delimiter not in {'\"', '\\n', '\\r'}");
}

TYPED_TEST(CsvReaderTest, CorpusRaggedRows) {
  const std::string path = corpus("csv/ragged_rows.csv");
  EXPECT_EQ(error_of([&] { read_csv<TypeParam>(path, {.has_header = true}); }),
            "FormatError: " + path + ": line 3: 2 fields, expected 3 (as in line 1)");
}

TYPED_TEST(CsvReaderTest, CorpusNonNumericField) {
  const std::string path = corpus("csv/non_numeric.csv");
  EXPECT_EQ(error_of([&] { read_csv<TypeParam>(path, {.has_header = true}); }),
            "FormatError: " + path + ": line 3, column 2 ('b'): 'abc' is not a number");
  // Without a header the names line is data, and its first field is the error.
  EXPECT_EQ(error_of([&] { read_csv<TypeParam>(path); }),
            "FormatError: " + path + ": line 1, column 1: 'a' is not a number");
}

TYPED_TEST(CsvReaderTest, CorpusEmptyFile) {
  const std::string path = corpus("csv/empty.csv");
  EXPECT_EQ(error_of([&] { read_csv<TypeParam>(path); }),
            "FormatError: " + path + ": empty file (no header and no example)");
}

}  // namespace
}  // namespace descent
