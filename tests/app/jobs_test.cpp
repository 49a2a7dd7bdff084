#include "descent/app/jobs.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/data/gaussian_clusters.hpp"

namespace descent {
namespace {

TEST(GaussianClusters, IsDeterministicBalancedAndSeparated) {
  GaussianClustersOptions o{.samples = 1000, .features = 8, .classes = 4, .separation = 6.0, .seed = 5};
  const auto a = gaussian_clusters<double>(o, 200);
  const auto b = gaussian_clusters<double>(o, 200);
  ASSERT_EQ(a.train.size(), 1000u);
  ASSERT_EQ(a.test.size(), 200u);
  EXPECT_EQ(a.train.dimension(), 8u);
  EXPECT_EQ(a.train.num_classes(), 4u);
  EXPECT_TRUE(std::equal(a.train.dense().values.begin(), a.train.dense().values.end(), b.train.dense().values.begin()));
  std::vector<int> counts(4);
  for (double y : a.train.labels()) ++counts[static_cast<int>(y)];
  for (int c : counts) EXPECT_EQ(c, 250);  // sample i has class i mod K
  // Within-class spread is N(0, I): the mean squared distance of a sample to its class
  // centroid is d = 8 (sd of the mean over 250 samples ~ sqrt(2 * 8 / 250) = 0.25).
  std::vector<double> centroid(4 * 8, 0.0);
  for (std::size_t r = 0; r < 1000; ++r)
    for (std::size_t j = 0; j < 8; ++j)
      centroid[static_cast<std::size_t>(a.train.labels()[r]) * 8 + j] += a.train.dense().values[r * 8 + j] / 250.0;
  double spread = 0;
  for (std::size_t r = 0; r < 1000; ++r)
    for (std::size_t j = 0; j < 8; ++j) {
      const double diff =
          a.train.dense().values[r * 8 + j] - centroid[static_cast<std::size_t>(a.train.labels()[r]) * 8 + j];
      spread += diff * diff / 1000.0;
    }
  EXPECT_NEAR(spread, 8.0 * (1 - 1.0 / 250), 5 * std::sqrt(2.0 * 8 / 1000));
  EXPECT_THROW(gaussian_clusters<float>({.classes = 1}, 10), ConfigError);
}

TEST(Jobs, LoadsSyntheticDataAndStandardizesWithTrainingStatistics) {
  DataConfig c;
  c.name = "synthetic";
  c.synthetic_samples = 500;
  c.synthetic_features = 6;
  c.synthetic_classes = 3;
  c.preprocess = "standardize";
  const auto data = load_job_data<double>(c);
  EXPECT_EQ(data.train.size(), 500u);
  EXPECT_EQ(data.test.size(), 100u);
  for (std::size_t j = 0; j < 6; ++j) {
    double mean = 0, sq = 0;
    for (std::size_t r = 0; r < 500; ++r) {
      const double v = data.train.dense().values[r * 6 + j];
      mean += v / 500;
      sq += v * v / 500;
    }
    EXPECT_NEAR(mean, 0.0, 1e-12);
    EXPECT_NEAR(sq - mean * mean, 1.0, 1e-12);
  }
  EXPECT_NE(data.description.find("500 train, 100 test, 6 features"), std::string::npos) << data.description;
}

}  // namespace
}  // namespace descent
