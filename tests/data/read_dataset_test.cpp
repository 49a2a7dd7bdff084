#include "descent/data/read_dataset.hpp"

#include <gtest/gtest.h>

#include "data/data_test_support.hpp"

namespace descent {
namespace {

using test::error_of;
using test::idx_bytes;
using test::little_endian;
using test::npy_bytes;
using test::TempDir;
using test::write_file;
using test::write_gz;

const std::string kNpyDict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";

TEST(DetectFormat, BinaryFormatsByMagicEvenCompressedOrMisnamed) {
  TempDir dir;
  const std::string npy = npy_bytes(kNpyDict, little_endian<double>({1, 2}));
  EXPECT_EQ(detect_format(write_file(dir.file("a.csv"), npy)), "npy");  // content beats the name
  EXPECT_EQ(detect_format(write_gz(dir.file("a.npy.gz"), npy)), "npy");
  const std::string idx = idx_bytes(0x08, {2}, "\x01\x02");
  EXPECT_EQ(detect_format(write_file(dir.file("labels-idx1-ubyte"), idx)), "idx");
  EXPECT_EQ(detect_format(write_gz(dir.file("labels"), idx)), "idx");
}

TEST(DetectFormat, TextFormatsByNameThenContent) {
  TempDir dir;
  EXPECT_EQ(detect_format(write_file(dir.file("a.csv"), "1 1:2\n")), "csv");  // the name decides for text
  EXPECT_EQ(detect_format(write_gz(dir.file("a.tsv.gz"), "1\t2\n")), "csv");
  EXPECT_EQ(detect_format(write_file(dir.file("a.svm"), "1,2\n")), "libsvm");
  EXPECT_EQ(detect_format(write_file(dir.file("a.libsvm"), "")), "libsvm");
  // Without a telling name: a comment, a label-only line, then the first feature decides.
  EXPECT_EQ(detect_format(write_file(dir.file("train.txt"), "# c\n+1\n-1 3:0.5\n")), "libsvm");
  EXPECT_EQ(detect_format(write_file(dir.file("rank.txt"), "1 qid:4\n")), "libsvm");
  EXPECT_EQ(detect_format(write_gz(dir.file("data"), "\n1.5,2,0\n")), "csv");
  EXPECT_EQ(detect_format(write_file(dir.file("data.txt"), "1;2\n"), ';'), "csv");
  const std::string unclear = write_file(dir.file("unclear.txt"), "1\n2\n");
  EXPECT_EQ(error_of([&] { detect_format(unclear); }),
            "FormatError: " + unclear +
                ": cannot tell the format from the name or the first lines; set DatasetSpec::format (libsvm, idx, csv "
                "or npy)");
}

template <class T>
class ReadDatasetTest : public ::testing::Test {};
using RealTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ReadDatasetTest, RealTypes);

TYPED_TEST(ReadDatasetTest, EachFormatThroughOneSpec) {
  TempDir dir;
  const auto libsvm =
      read_dataset<TypeParam>({.path = write_file(dir.file("a.txt"), "1 2:1\n-1 1:1\n"), .libsvm = {.dimension = 5}});
  EXPECT_TRUE(libsvm.is_sparse());
  EXPECT_EQ(libsvm.dimension(), 5u);

  const auto csv = read_dataset<TypeParam>(
      {.path = write_file(dir.file("b.csv"), "y,x\n1,2\n"), .csv = {.has_header = true, .label_name = "y"}});
  EXPECT_EQ(csv.dense().values[0], TypeParam(2));
  EXPECT_EQ(csv.labels()[0], TypeParam(1));

  // A .tsv name switches the default ',' delimiter to a tab.
  const auto tsv = read_dataset<TypeParam>({.path = write_file(dir.file("c.tsv"), "1\t2\t3\n")});
  EXPECT_EQ(tsv.dimension(), 2u);

  const std::string images = write_file(dir.file("images"), idx_bytes(0x08, {2, 2}, "\x01\x02\x03\x04"));
  const std::string labels = write_file(dir.file("labels"), idx_bytes(0x08, {2}, "\x05\x06"));
  const auto idx = read_dataset<TypeParam>({.path = images, .labels_path = labels});
  EXPECT_EQ(idx.dimension(), 2u);
  EXPECT_EQ(idx.labels()[1], TypeParam(6));

  const std::string x = write_file(dir.file("x.npy"), npy_bytes(kNpyDict, little_endian<double>({1, 2})));
  const auto npy = read_dataset<TypeParam>({.format = "npy", .path = x, .labels_path = x});
  EXPECT_EQ(npy.size(), 2u);
  EXPECT_EQ(npy.dimension(), 1u);

  // An explicit format skips detection: this CSV-named file is read as libsvm.
  const auto forced = read_dataset<TypeParam>({.format = "libsvm", .path = write_file(dir.file("d.csv"), "1 1:1\n")});
  EXPECT_TRUE(forced.is_sparse());
}

TYPED_TEST(ReadDatasetTest, SpecMistakesAreConfigErrors) {
  TempDir dir;
  const std::string text = write_file(dir.file("a.libsvm"), "1 1:1\n");
  const std::string images = write_file(dir.file("images"), idx_bytes(0x08, {1, 1}, "\x01"));
  EXPECT_EQ(error_of([&] { read_dataset<TypeParam>({.format = "arff", .path = text}); }),
            "ConfigError: DatasetSpec::format = 'arff' is not one of libsvm, idx, csv, npy, auto");
  EXPECT_EQ(error_of([&] { read_dataset<TypeParam>({}); }), "ConfigError: DatasetSpec::path is empty");
  EXPECT_EQ(error_of([&] { read_dataset<TypeParam>({.path = images}); }),
            "ConfigError: DatasetSpec::labels_path is required for idx data (" + images + ")");
  EXPECT_EQ(
      error_of([&] { read_dataset<TypeParam>({.path = text, .labels_path = images}); }),
      "ConfigError: DatasetSpec::labels_path = '" + images + "' but libsvm data (" + text + ") holds its own labels");
  const std::string missing = dir.file("missing.csv");
  EXPECT_EQ(error_of([&] { read_dataset<TypeParam>({.path = missing}); }),
            "IoError: " + missing + ": cannot open: No such file or directory");
}

}  // namespace
}  // namespace descent
