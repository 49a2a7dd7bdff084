// The real Fashion-MNIST files, when the machine has them (GTEST_SKIP otherwise). The
// expected sums and first labels were computed independently, with Python's gzip
// module and numpy, from the same files.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>

#include "descent/data/idx_reader.hpp"

namespace descent {
namespace {

const std::string kDir = "/usr/share/datasets/fashion-mnist/";

struct Split {
  const char* images;
  const char* labels;
  std::size_t rows;
  std::uint64_t pixel_sum;
  std::array<float, 10> first_labels;
};

void check_split(const Split& split) {
  const std::string images = kDir + split.images, labels = kDir + split.labels;
  if (!std::filesystem::exists(images) || !std::filesystem::exists(labels))
    GTEST_SKIP() << "Fashion-MNIST not installed under " << kDir;
  const Dataset<float> data = read_idx_dataset<float>(images, labels);
  ASSERT_EQ(data.size(), split.rows);
  ASSERT_EQ(data.dimension(), 784u);  // 28 x 28 pixels

  // Pixels are integers 0..255, exactly representable in float, so the sum in 64-bit
  // integers is exact and must match the independent computation.
  std::uint64_t sum = 0;
  bool pixels_are_bytes = true;
  for (float v : data.dense().values) {
    pixels_are_bytes &= v >= 0 && v <= 255 && v == static_cast<float>(static_cast<int>(v));
    sum += static_cast<std::uint64_t>(v);
  }
  EXPECT_TRUE(pixels_are_bytes);
  EXPECT_EQ(sum, split.pixel_sum);

  // Fashion-MNIST is balanced: each of the 10 classes has exactly a tenth of the rows.
  std::array<std::size_t, 10> per_class{};
  for (float y : data.labels()) {
    ASSERT_TRUE(y >= 0 && y <= 9 && y == static_cast<float>(static_cast<int>(y))) << y;
    ++per_class[static_cast<std::size_t>(y)];
  }
  for (std::size_t count : per_class) EXPECT_EQ(count, split.rows / 10);
  EXPECT_EQ(data.num_classes(), 10u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(data.labels()[i], split.first_labels[i]) << i;
}

TEST(FashionMnist, TrainSplit) {
  check_split(
      {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000, 3431114169u, {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}});
}

TEST(FashionMnist, TestSplit) {
  check_split(
      {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000, 573469082u, {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}});
}

}  // namespace
}  // namespace descent
