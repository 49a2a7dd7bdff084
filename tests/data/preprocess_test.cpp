#include "descent/data/preprocess.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "data/data_test_support.hpp"
#include "descent/core/random.hpp"

namespace descent {
namespace {

using test::error_of;

template <class T>
class PreprocessTest : public ::testing::Test {};
using RealTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(PreprocessTest, RealTypes);

template <class T>
Dataset<T> dense(std::size_t rows, std::size_t cols, std::vector<T> values, std::vector<T> labels = {}) {
  DenseFeatures<T> f{rows, cols, AlignedBuffer<T>(values.size())};
  std::copy(values.begin(), values.end(), f.values.begin());
  if (labels.empty()) labels.assign(rows, T(0));
  return Dataset<T>(std::move(f), std::move(labels), "dense");
}

template <class T>
Dataset<T> sparse(std::size_t rows, std::size_t cols, std::vector<std::int64_t> offsets,
                  std::vector<std::int64_t> columns, std::vector<T> values) {
  SparseFeatures<T> f{rows, cols, std::move(offsets), std::move(columns), std::move(values)};
  return Dataset<T>(std::move(f), std::vector<T>(rows, T(0)), "sparse");
}

template <class T>
std::vector<T> values_of(const Dataset<T>& data) {
  if (data.is_sparse()) return data.sparse().values;
  return std::vector<T>(data.dense().values.begin(), data.dense().values.end());
}

template <class T>
std::vector<T> labels_of(const Dataset<T>& data) {
  return std::vector<T>(data.labels().begin(), data.labels().end());
}

// The data below is chosen so that every scaled value is a dyadic rational: the double
// computation is exact and so is its rounding to float, hence exact comparisons.
TYPED_TEST(PreprocessTest, MinMaxScalesFittedDataToUnitInterval) {
  using T = TypeParam;
  // Columns: {2, 4, 10} (range 8), constant {5, 5, 5}, {-1, 1, 0} (range 2).
  auto train = dense<T>(3, 3, {2, 5, -1, 4, 5, 1, 10, 5, 0});
  const auto scaler = MinMaxScaler<T>::fit(train);
  EXPECT_EQ(scaler.min(), (std::vector<double>{2, 5, -1}));
  EXPECT_EQ(scaler.max(), (std::vector<double>{10, 5, 1}));
  scaler.apply(train);
  EXPECT_EQ(values_of(train), (std::vector<T>{0, 0, 0, 0.25, 0, 1, 1, 0, 0.5}));
  // Another dataset uses the fitted statistics and is not clipped; the constant column
  // is only shifted.
  auto test = dense<T>(1, 3, {6, 7, 3});
  scaler.apply(test);
  EXPECT_EQ(values_of(test), (std::vector<T>{0.5, 2, 2}));
}

TYPED_TEST(PreprocessTest, MinMaxOnSparseDataKeepsZeros) {
  using T = TypeParam;
  // Column 0 stored in rows 0 and 2 ({4, 0, 2}: implicit zero, min 0); column 1 stored
  // in every row ({1, 3, 2}: min 1).
  auto data = sparse<T>(3, 2, {0, 2, 3, 5}, {0, 1, 1, 0, 1}, {4, 1, 3, 2, 2});
  const auto scaler = MinMaxScaler<T>::fit(data);
  EXPECT_EQ(scaler.min(), (std::vector<double>{0, 1}));
  EXPECT_EQ(scaler.max(), (std::vector<double>{4, 3}));
  EXPECT_EQ(error_of([&] { scaler.apply(data); }),
            "MismatchError: sparse: column 1 has fitted min 1: min-max scaling of sparse data needs min 0 in every "
            "column (implicit zeros would become nonzero); use preprocess standardize (which keeps sparse data uncentered) "
            "or none");
  auto zero_min = sparse<T>(3, 2, {0, 1, 1, 2}, {0, 1}, {4, 2});
  const auto zero_min_scaler = MinMaxScaler<T>::fit(zero_min);
  zero_min_scaler.apply(zero_min);
  EXPECT_EQ(values_of(zero_min), (std::vector<T>{1, 1}));
  EXPECT_EQ(zero_min.sparse().columns, (std::vector<std::int64_t>{0, 1}));
}

TYPED_TEST(PreprocessTest, StandardizeUsesTrainingStatistics) {
  using T = TypeParam;
  // Column 0: {2, 4, 4, 4, 5, 5, 7, 9}, mean 5 and population std 2; column 1 constant 3.
  std::vector<T> values;
  for (T x : {2, 4, 4, 4, 5, 5, 7, 9}) values.insert(values.end(), {x, T(3)});
  auto train = dense<T>(8, 2, values);
  const auto standardizer = Standardizer<T>::fit(train);
  EXPECT_EQ(standardizer.mean(), (std::vector<double>{5, 3}));
  EXPECT_EQ(standardizer.std_dev(), (std::vector<double>{2, 1}));  // constant column: std 1
  standardizer.apply(train);
  EXPECT_EQ(values_of(train), (std::vector<T>{-1.5, 0, -0.5, 0, -0.5, 0, -0.5, 0, 0, 0, 0, 0, 1, 0, 2, 0}));
  auto test = dense<T>(1, 2, {11, 4});
  standardizer.apply(test);
  EXPECT_EQ(values_of(test), (std::vector<T>{3, 1}));
  auto wrong = dense<T>(1, 3, {1, 2, 3});
  EXPECT_EQ(error_of([&] { standardizer.apply(wrong); }),
            "MismatchError: dense: 3 columns, but the standardizer was fitted on 2");
}

TYPED_TEST(PreprocessTest, StandardizeSparseOnlyScales) {
  using T = TypeParam;
  // One column over 4 rows: {0, 0, 4, 4} with two implicit zeros: mean 2, std 2.
  auto data = sparse<T>(4, 1, {0, 0, 0, 1, 2}, {0, 0}, {4, 4});
  EXPECT_EQ(error_of([&] { Standardizer<T>::fit(data); }),
            "MismatchError: sparse: centering sparse data would make it dense; use StandardizeOptions{.center = "
            "false}");
  const auto standardizer = Standardizer<T>::fit(data, {.center = false});
  EXPECT_EQ(standardizer.mean(), (std::vector<double>{2}));
  EXPECT_EQ(standardizer.std_dev(), (std::vector<double>{2}));
  standardizer.apply(data);
  EXPECT_EQ(values_of(data), (std::vector<T>{2, 2}));
}

TYPED_TEST(PreprocessTest, SplitIsASeededFisherYatesPartition) {
  using T = TypeParam;
  // Label i and feature 10 i on row i, so each row can be traced through the split.
  std::vector<T> features, labels;
  for (int i = 0; i < 100; ++i) {
    features.push_back(T(10 * i));
    labels.push_back(T(i));
  }
  const auto data = dense<T>(100, 1, features, labels);
  const auto split = train_validation_split(data, 0.3, 42);
  ASSERT_EQ(split.validation.size(), 30u);
  ASSERT_EQ(split.train.size(), 70u);

  // The documented shuffle, written out: Fisher-Yates from the last row down with
  // Random(seed, Stream::data).below(i + 1); the first 30 go to validation.
  std::vector<T> order(100);
  std::iota(order.begin(), order.end(), T(0));
  Random random(42, Stream::data);
  for (std::size_t i = 99; i > 0; --i) std::swap(order[i], order[random.below(i + 1)]);
  EXPECT_EQ(labels_of(split.validation), std::vector<T>(order.begin(), order.begin() + 30));
  EXPECT_EQ(labels_of(split.train), std::vector<T>(order.begin() + 30, order.end()));
  for (std::size_t k = 0; k < 30; ++k) EXPECT_EQ(values_of(split.validation)[k], 10 * split.validation.labels()[k]);

  EXPECT_NE(labels_of(train_validation_split(data, 0.3, 43).validation), labels_of(split.validation));
}

TYPED_TEST(PreprocessTest, SplitRejectsFractionsThatEmptyAPart) {
  const auto data = dense<TypeParam>(3, 1, {1, 2, 3});
  EXPECT_EQ(error_of([&] { train_validation_split(data, 0.0, 1); }),
            "ConfigError: train_validation_split::validation_fraction = 0 violates 0 < validation_fraction < 1");
  EXPECT_EQ(error_of([&] { train_validation_split(data, 1.0, 1); }),
            "ConfigError: train_validation_split::validation_fraction = 1 violates 0 < validation_fraction < 1");
  EXPECT_EQ(error_of([&] { train_validation_split(data, 0.1, 1); }),
            "ConfigError: train_validation_split: validation_fraction = 0.1 of 3 rows leaves validation empty");
  EXPECT_EQ(error_of([&] { train_validation_split(data, 0.9, 1); }),
            "ConfigError: train_validation_split: validation_fraction = 0.9 of 3 rows leaves train empty");
}

TYPED_TEST(PreprocessTest, BinaryLabelRemapping) {
  using T = TypeParam;
  auto data = dense<T>(3, 1, {0, 0, 0}, {3, 7, 3});
  remap_binary_labels(data, BinaryEncoding::minus_one_plus_one);
  EXPECT_EQ(labels_of(data), (std::vector<T>{-1, 1, -1}));
  auto chosen = dense<T>(3, 1, {0, 0, 0}, {3, 7, 3});
  remap_binary_labels(chosen, BinaryEncoding::zero_one, T(3));
  EXPECT_EQ(labels_of(chosen), (std::vector<T>{1, 0, 1}));

  auto three = dense<T>(3, 1, {0, 0, 0}, {1, 2, 3});
  EXPECT_EQ(error_of([&] { remap_binary_labels(three, BinaryEncoding::zero_one); }),
            "MismatchError: dense: binary labels need exactly two distinct values, found more than two (1, 2, 3, ...)");
  auto one = dense<T>(2, 1, {0, 0}, {5, 5});
  EXPECT_EQ(error_of([&] { remap_binary_labels(one, BinaryEncoding::zero_one); }),
            "MismatchError: dense: binary labels need exactly two distinct values, found 5");
  auto two = dense<T>(2, 1, {0, 0}, {-1, 1});
  EXPECT_EQ(error_of([&] { remap_binary_labels(two, BinaryEncoding::zero_one, T(0)); }),
            "MismatchError: dense: positive label 0 is not one of the two labels -1, 1");
}

TYPED_TEST(PreprocessTest, OneVersusRest) {
  using T = TypeParam;
  auto data = dense<T>(4, 1, {0, 0, 0, 0}, {0, 1, 2, 1});
  one_vs_rest(data, T(1), BinaryEncoding::minus_one_plus_one);
  EXPECT_EQ(labels_of(data), (std::vector<T>{-1, 1, -1, 1}));
  auto other = dense<T>(4, 1, {0, 0, 0, 0}, {0, 1, 2, 1});
  one_vs_rest(other, T(2), BinaryEncoding::zero_one);
  EXPECT_EQ(labels_of(other), (std::vector<T>{0, 0, 1, 0}));
  EXPECT_EQ(error_of([&] { one_vs_rest(other, T(9), BinaryEncoding::zero_one); }),
            "MismatchError: dense: no row has label 9 (the positive class of one_vs_rest)");
}

}  // namespace
}  // namespace descent
