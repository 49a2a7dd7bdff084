#include "descent/distributed/client_split.hpp"

#include <gtest/gtest.h>

#include <utility>

#include <cmath>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/gamma_variate.hpp"
#include "descent/core/random.hpp"
#include "support/error_of.hpp"

namespace descent {
namespace {

template <class F>
std::string config_error_of(F&& f) {
  return testing::error_of<ConfigError>(std::forward<F>(f));
}

// Every index 0..n-1 appears exactly once across the clients.
void expect_partition_of(const ClientSplit& split, std::size_t n) {
  std::vector<int> seen(n, 0);
  std::size_t total = 0;
  for (std::size_t k = 0; k < split.num_clients(); ++k)
    for (std::size_t i : split.client(k)) {
      ASSERT_LT(i, n);
      ++seen[i];
      ++total;
    }
  EXPECT_EQ(total, n);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << "sample " << i;
}

// Gamma(a, 1) has mean a and variance a. Over N draws the sample mean has standard deviation
// sqrt(a / N); the sample variance s^2 has standard deviation about sqrt((mu4 - a^2) / N) with
// the central fourth moment mu4 = 3 a^2 + 6 a (excess kurtosis 6 / a), i.e. sqrt((2 a^2 + 6 a) / N).
// Both are checked within 5 of their standard deviations (a false alarm has probability < 1e-6).
TEST(GammaVariate, MeanAndVarianceMatchTheShape) {
  constexpr int kDraws = 40000;
  for (double a : {0.05, 0.5, 1.0, 3.5}) {
    Random random(7, Stream::user);
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < kDraws; ++i) {
      const double x = gamma_variate(random, a);
      ASSERT_GE(x, 0.0);
      sum += x;
      sum_sq += x * x;
    }
    const double mean = sum / kDraws;
    const double variance = (sum_sq - kDraws * mean * mean) / (kDraws - 1);
    EXPECT_NEAR(mean, a, 5 * std::sqrt(a / kDraws)) << "shape " << a;
    EXPECT_NEAR(variance, a, 5 * std::sqrt((2 * a * a + 6 * a) / kDraws)) << "shape " << a;
  }
}

// ln X for shape a < 1 is ln Y + ln(U) / a: E[ln X] = digamma(a). For a = 0.01,
// digamma(0.01) = -100.56088545786867 (digamma(a) = digamma(a + 1) - 1/a, digamma(1.01) =
// -0.5608854578686...); Var[ln X] = trigamma(a) ~ 1/a^2 + pi^2/6 = 10001.6, so the mean of
// 50000 draws has standard deviation 0.447; checked within 5 of them (digamma(0.02) = -50.6 is far). The plain variate
// underflows to 0 for such a shape, the logarithm never does.
TEST(GammaVariate, LogVariateStaysFiniteForTinyShapes) {
  constexpr int kDraws = 50000;
  Random random(3, Stream::user);
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double l = log_gamma_variate(random, 0.01);
    ASSERT_TRUE(std::isfinite(l));
    sum += l;
  }
  EXPECT_NEAR(sum / kDraws, -100.56088545786867, 5 * std::sqrt(10001.6 / kDraws));
}

TEST(GammaVariate, RejectsShapesOutsideItsDomain) {
  Random random(1, Stream::user);
  EXPECT_THROW(gamma_variate(random, 0.0), ConfigError);
  EXPECT_THROW(gamma_variate(random, -1.0), ConfigError);
  EXPECT_THROW(log_gamma_variate(random, std::nan("")), ConfigError);
}

TEST(ClientSplit, IidDealsNearEqualShuffledPieces) {
  const ClientSplitOptions options{.clients = 7};
  const ClientSplit split = split_iid(100, options, 5);
  ASSERT_EQ(split.num_clients(), 7u);
  expect_partition_of(split, 100);
  // 100 = 7 * 14 + 2: two clients of 15, five of 14.
  for (std::size_t k = 0; k < 7; ++k) EXPECT_EQ(split.client_size(k), k < 2 ? 15u : 14u);
  EXPECT_EQ(split.empty_clients(), 0u);
  // Shuffled: the first client does not hold 0..14 in order.
  bool identity = true;
  for (std::size_t j = 0; j < 15; ++j) identity = identity && split.client(0)[j] == j;
  EXPECT_FALSE(identity);
}

TEST(ClientSplit, IsAPureFunctionOfTheSeed) {
  std::vector<std::size_t> classes(500);
  for (std::size_t i = 0; i < classes.size(); ++i) classes[i] = (i * 7) % 5;
  const ClientSplitOptions options{.clients = 20, .partition = "dirichlet", .alpha = 0.3};
  const ClientSplit a = split_by_class(classes, 5, options, 11);
  const ClientSplit b = split_by_class(classes, 5, options, 11);
  const ClientSplit c = split_by_class(classes, 5, options, 12);
  bool same_as_other_seed = true;
  for (std::size_t k = 0; k < 20; ++k) {
    const auto ak = a.client(k), bk = b.client(k), ck = c.client(k);
    EXPECT_TRUE(std::equal(ak.begin(), ak.end(), bk.begin(), bk.end())) << "client " << k;
    same_as_other_seed = same_as_other_seed && std::equal(ak.begin(), ak.end(), ck.begin(), ck.end());
  }
  EXPECT_FALSE(same_as_other_seed);
  expect_partition_of(a, 500);
}

// For p ~ Dir(alpha 1_K), E[sum_k p_k^2] = (alpha + 1) / (K alpha + 1). Each class's dealt
// shares n_ck / n_c are its p rounded to multiples of 1/n_c (the cut points move by at most
// 1/2 sample), so sum_k (n_ck / n_c)^2 differs from sum_k p_k^2 by at most ~2 K / (2 n_c)
// + K / (4 n_c^2) <= 0.021 here (K = 10, n_c = 500). sum_k p_k^2 lies in [1/K, 1], so its
// standard deviation is at most (1 - 1/K) / 2 = 0.45 and the mean over C = 400 classes has one
// of at most 0.0225: the tolerance is 5 of them plus the rounding, 0.135. The two alphas
// predict 0.7 and 0.1009: the check tells label skew from its absence.
TEST(ClientSplit, DirichletSharesHaveTheDirichletConcentration) {
  constexpr std::size_t kClasses = 400, kPerClass = 500, kClients = 10;
  std::vector<std::size_t> classes(kClasses * kPerClass);
  for (std::size_t i = 0; i < classes.size(); ++i) classes[i] = i % kClasses;
  for (double alpha : {0.05, 100.0}) {
    const ClientSplitOptions options{.clients = kClients, .partition = "dirichlet", .alpha = alpha};
    const ClientSplit split = split_by_class(classes, kClasses, options, 2);
    expect_partition_of(split, classes.size());
    std::vector<double> counts(kClasses * kClients, 0.0);
    for (std::size_t k = 0; k < kClients; ++k)
      for (std::size_t i : split.client(k)) counts[classes[i] * kClients + k] += 1;
    double mean_concentration = 0;
    for (std::size_t c = 0; c < kClasses; ++c) {
      double s = 0;
      for (std::size_t k = 0; k < kClients; ++k) {
        const double share = counts[c * kClients + k] / kPerClass;
        s += share * share;
      }
      mean_concentration += s / kClasses;
    }
    const double expected = (alpha + 1) / (kClients * alpha + 1);
    EXPECT_NEAR(mean_concentration, expected, 0.135) << "alpha " << alpha;
  }
}

// K = 10000 clients over 60000 samples of 10 classes, at alpha = 0.1: most clients get no
// sample of most classes and many none at all. Every sample is still dealt once, and the
// empty clients are counted.
TEST(ClientSplit, ScalesToThousandsOfClientsAndKeepsEmptyOnes) {
  std::vector<std::size_t> classes(60000);
  for (std::size_t i = 0; i < classes.size(); ++i) classes[i] = i % 10;
  const ClientSplitOptions options{.clients = 10000, .partition = "dirichlet", .alpha = 0.1};
  const ClientSplit split = split_by_class(classes, 10, options, 4);
  ASSERT_EQ(split.num_clients(), 10000u);
  expect_partition_of(split, 60000);
  std::size_t empty = 0;
  for (std::size_t k = 0; k < split.num_clients(); ++k) empty += split.client_size(k) == 0 ? 1 : 0;
  EXPECT_EQ(split.empty_clients(), empty);
  EXPECT_GT(empty, 0u);
}

TEST(ClientSplit, DatasetLabelsInPlusMinusOneAreTwoClasses) {
  DenseFeatures<double> features{.rows = 6, .cols = 1, .values = {}};
  features.values = AlignedBuffer<double>(6);
  for (std::size_t i = 0; i < 6; ++i) features.values[i] = static_cast<double>(i);
  const Dataset<double> data(std::move(features), {1, -1, 1, -1, 1, -1});
  const ClientSplitOptions options{.clients = 2, .partition = "dirichlet", .alpha = 1.0};
  const ClientSplit split = split_clients(data, options, 0);
  expect_partition_of(split, 6);
}

TEST(ClientSplit, BadInputNamesTheField) {
  std::vector<std::size_t> classes(10, 0);
  EXPECT_NE(config_error_of([&] {
              split_by_class(classes, 1, {.clients = 3, .partition = "dirichlet", .alpha = 0}, 0);
            }).find("ClientSplitOptions::alpha = 0 violates alpha > 0"),
            std::string::npos);
  EXPECT_NE(config_error_of([&] {
              split_by_class(classes, 1, {.clients = 3, .partition = "dirichlet", .alpha = -2}, 0);
            }).find("ClientSplitOptions::alpha"),
            std::string::npos);
  EXPECT_NE(config_error_of([&] { split_iid(10, {.clients = 0}, 0); }).find("ClientSplitOptions::clients = 0"),
            std::string::npos);
  EXPECT_NE(config_error_of([&] {
              split_iid(5, {.clients = 7}, 0);
            }).find("ClientSplitOptions::clients = 7 violates clients <= samples (5)"),
            std::string::npos);
  ClientSplitOptions bad_partition;
  bad_partition.partition = "pathological";
  EXPECT_NE(config_error_of([&] { bad_partition.validate(); }).find("ClientSplitOptions::partition"),
            std::string::npos);
  EXPECT_THROW(split_by_class(std::vector<std::size_t>{0, 3}, 2, {.clients = 2, .partition = "dirichlet"}, 0),
               MismatchError);
  EXPECT_THROW(ClientSplit::from_lists({{0, 1}, {1}}, 3), MismatchError);
  EXPECT_THROW(ClientSplit::from_lists({{0, 5}}, 3), MismatchError);
  EXPECT_THROW(split_iid(5, {.clients = 2}, 0).client(2), MismatchError);
}

}  // namespace
}  // namespace descent
