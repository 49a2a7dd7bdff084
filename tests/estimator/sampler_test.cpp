#include "descent/estimator/sampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {
namespace {

TEST(PoissonSampler, MeanBatchSizeIsQnWithinThreeSigma) {
  constexpr std::size_t n = 1000;
  constexpr double q = 0.05;
  constexpr int batches = 2000;
  auto sampler = poisson_sampler(q, 3);
  sampler->bind(n);
  std::vector<std::size_t> batch;
  std::vector<int> hits(n);
  double sum = 0, sum2 = 0;
  for (int b = 0; b < batches; ++b) {
    sampler->next(batch);
    ASSERT_TRUE(std::is_sorted(batch.begin(), batch.end()));
    ASSERT_TRUE(std::adjacent_find(batch.begin(), batch.end()) == batch.end());  // no repeats
    for (std::size_t i : batch) {
      ASSERT_LT(i, n);
      ++hits[i];
    }
    sum += double(batch.size());
    sum2 += double(batch.size()) * double(batch.size());
  }
  // |B| ~ Binomial(n, q): mean qn, variance qn(1 - q); the mean of `batches` draws has
  // standard deviation sqrt(qn(1 - q) / batches).
  const double mean = sum / batches;
  const double variance = sum2 / batches - mean * mean;
  EXPECT_NEAR(mean, q * n, 3 * std::sqrt(q * n * (1 - q) / batches));
  // The sample variance of a near-normal variable has relative sd sqrt(2 / batches) = 3.2 %.
  EXPECT_NEAR(variance, q * n * (1 - q), 3 * std::sqrt(2.0 / batches) * q * n * (1 - q));
  // Each index is in with probability q: its count ~ Binomial(batches, q) (mean 100, sd 9.7).
  const auto [lo, hi] = std::minmax_element(hits.begin(), hits.end());
  // Over 1000 indices the extremes stay within ~4.5 sd of the mean with probability > 0.99.
  EXPECT_GT(*lo, 100 - 4.5 * std::sqrt(batches * q * (1 - q)));
  EXPECT_LT(*hi, 100 + 4.5 * std::sqrt(batches * q * (1 - q)));
  EXPECT_NEAR(sampler->epochs(), batches * q, 1e-9);
}

TEST(PoissonSampler, EmptyBatchesHappenAndAreValid) {
  auto sampler = poisson_sampler(0.01, 1);
  sampler->bind(20);  // P(empty) = 0.99^20 = 0.82
  std::vector<std::size_t> batch{1, 2, 3};
  int empty = 0;
  for (int b = 0; b < 100; ++b) {
    sampler->next(batch);
    empty += batch.empty();
  }
  EXPECT_GT(empty, 60);  // mean 82, sd 3.9
}

TEST(ReplacementSampler, DrawsUniformIndicesWithRepeats) {
  auto sampler = replacement_sampler(50, 2);
  sampler->bind(5);
  std::vector<std::size_t> batch;
  std::vector<int> counts(5);
  for (int b = 0; b < 200; ++b) {
    sampler->next(batch);
    ASSERT_EQ(batch.size(), 50u);
    for (std::size_t i : batch) ++counts[i];
  }
  double chi2 = 0;  // 4 degrees of freedom: P(chi2 > 18.47) = 0.001
  for (int c : counts) chi2 += (c - 2000.0) * (c - 2000.0) / 2000.0;
  EXPECT_LT(chi2, 18.47);
}

TEST(Samplers, SaveAndLoadContinueTheSameSequence) {
  for (auto make : {+[] { return shuffle_sampler(3, 5); }, +[] { return replacement_sampler(3, 5); },
                    +[] { return poisson_sampler(0.3, 5); }}) {
    auto a = make();
    a->bind(10);
    std::vector<std::size_t> batch;
    for (int i = 0; i < 5; ++i) a->next(batch);
    BinaryWriter out;
    a->save(out);
    auto b = make();
    b->bind(10);
    BinaryReader in(out.bytes(), "sampler");
    b->load(in);
    std::vector<std::size_t> from_a, from_b;
    for (int i = 0; i < 7; ++i) {
      a->next(from_a);
      b->next(from_b);
      EXPECT_EQ(from_a, from_b) << a->spec();
    }
  }
}

TEST(Samplers, RejectImpossibleOptions) {
  try {
    poisson_sampler(0);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "PoissonSampler::q = 0 violates 0 < q <= 1");
  }
  EXPECT_THROW(poisson_sampler(1.5), ConfigError);
  EXPECT_THROW(shuffle_sampler(0), ConfigError);
  EXPECT_THROW(replacement_sampler(0), ConfigError);
}

}  // namespace
}  // namespace descent
