#include "descent/distributed/gradient_code.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "support/error_of.hpp"

namespace descent {
namespace {

constexpr double kUnit = std::numeric_limits<double>::epsilon() / 2;

using testing::error_of;

// Calls visit(subset) for every subset of {0, .., n-1} of size m, in lexicographic order.
template <class Visit>
void for_each_subset(std::size_t n, std::size_t m, Visit visit) {
  std::vector<std::size_t> subset(m);
  std::iota(subset.begin(), subset.end(), std::size_t{0});
  while (true) {
    visit(subset);
    std::size_t i = m;
    while (i > 0 && subset[i - 1] == n - m + i - 1) --i;
    if (i == 0) return;
    ++subset[i - 1];
    for (std::size_t j = i; j < m; ++j) subset[j] = subset[j - 1] + 1;
  }
}

double smallest_singular_value(const GradientCode& code, const std::vector<std::size_t>& workers) {
  Eigen::MatrixXd bf(static_cast<Eigen::Index>(workers.size()), static_cast<Eigen::Index>(code.partitions()));
  for (std::size_t r = 0; r < workers.size(); ++r)
    for (std::size_t j = 0; j < code.partitions(); ++j)
      bf(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = code.coefficient(workers[r], j);
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(bf);
  return svd.singularValues().minCoeff();
}

// (a) The paper's worked example (Section 2, n = 3, s = 1): B = [1/2 1 0; 0 1 -1; 1/2 0 1] and
// decoding rows A = [0 1 2; 1 0 1; 2 -1 0] (row t for straggler t). Algorithm 1 with
// H = (2, -1, -1) (H 1 = 0) gives b_0 = (1, 2, 0), b_1 = (0, 1, -1), b_2 = (1/2, 0, 1): the
// paper's rows with the first scaled by 2 (any row scaling keeps a code a code), so its
// decoding coefficient for worker 0 halves. Each entry is one division of small integers:
// exact in binary, hence EXPECT_EQ.
TEST(GradientCode, CyclicAlgorithmOneReproducesThePapersExample) {
  const std::vector<double> h = {2, -1, -1};
  const GradientCode code = GradientCode::cyclic_from_null_space(3, 1, h);
  const double expected[3][3] = {{1, 2, 0}, {0, 1, -1}, {0.5, 0, 1}};
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(code.coefficient(i, j), expected[i][j]) << i << "," << j;
  const double paper[3][3] = {{0.5, 1, 0}, {0, 1, -1}, {0.5, 0, 1}};
  EXPECT_EQ(code.coefficient(0, 0), 2 * paper[0][0]);
  EXPECT_EQ(code.coefficient(0, 1), 2 * paper[0][1]);

  // The paper's decoding vectors, mapped onto our rows (worker 0's coefficient halved).
  struct Case {
    std::vector<std::size_t> responders;
    std::vector<double> a;
  } cases[] = {{{1, 2}, {1, 2}}, {{0, 2}, {0.5, 1}}, {{0, 1}, {1, -1}}};
  for (const Case& c : cases) {
    const GradientDecoding d = code.decode(c.responders);
    EXPECT_EQ(d.workers, c.responders);
    // B_F^T (a_hat - a) = r exactly, so ||a_hat - a||_2 <= ||r||_2 / sigma_min(B_F) and
    // ||r||_2 <= sqrt(k) max |r_j| <= sqrt(k) tolerance.
    const double bound = std::sqrt(3.0) * d.tolerance / smallest_singular_value(code, c.responders);
    for (std::size_t r = 0; r < 2; ++r) EXPECT_NEAR(d.coefficients[r], c.a[r], bound);
    EXPECT_LE(d.residual, d.tolerance);
  }
}

TEST(GradientCode, CyclicRowsHoldTheirSPlusOneConsecutivePartitions) {
  for (std::size_t n = 2; n <= 8; ++n) {
    for (std::size_t s = 0; s < std::min<std::size_t>(n, 4); ++s) {
      const GradientCode code({static_cast<std::int64_t>(n), static_cast<std::int64_t>(s), "cyclic"}, 7);
      for (std::size_t i = 0; i < n; ++i) {
        const auto held = code.partitions_of(i);
        ASSERT_EQ(held.size(), s + 1);
        for (std::size_t t = 0; t <= s; ++t) EXPECT_EQ(held[t], (i + t) % n);
        EXPECT_EQ(code.coefficient(i, i), 1.0);  // Algorithm 1 fixes b_ii = 1
        std::size_t nonzeros = 0;
        for (std::size_t j = 0; j < n; ++j) {
          const bool stored = std::find(held.begin(), held.end(), j) != held.end();
          if (!stored) EXPECT_EQ(code.coefficient(i, j), 0.0);
          nonzeros += code.coefficient(i, j) != 0 ? 1 : 0;
        }
        // The s solved entries are nonzero with probability one (a Gaussian H).
        EXPECT_EQ(nonzeros, s + 1) << "n=" << n << " s=" << s << " row " << i;
      }
    }
  }
}

TEST(GradientCode, FractionalGroupsReplicateTheirPartitions) {
  // n = 6, s = 2: groups {0,1,2} and {3,4,5}; each member stores its group's partitions with
  // coefficient 1 (the paper's fractional repetition scheme).
  const GradientCode code({6, 2, "fractional"});
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t group = i / 3;
    for (std::size_t j = 0; j < 6; ++j) EXPECT_EQ(code.coefficient(i, j), j / 3 == group ? 1.0 : 0.0);
    const auto held = code.partitions_of(i);
    EXPECT_EQ(std::vector<std::size_t>(held.begin(), held.end()),
              (std::vector<std::size_t>{3 * group, 3 * group + 1, 3 * group + 2}));
  }
  // Workers 0 and 1 straggle: worker 2 carries group 0, the first of 3..5 to answer group 1.
  const std::vector<std::size_t> responders = {4, 2, 3, 5};
  const GradientDecoding d = code.decode(responders);
  EXPECT_EQ(d.coefficients, (std::vector<double>{1, 1, 0, 0}));
  EXPECT_EQ(d.residual, 0.0);
  EXPECT_EQ(d.amplification, 1.0);
}

// (b) For every set F of n - s responders (every subset, exhaustively, for n <= 8 and
// s = 1..3, in a scrambled arrival order), the decoded sum of random partition gradients
// equals their sum. Bound (gradient_code.hpp): with the messages and the master's sum
// formed in double,
//   || decoded - sum_j g_j || <= (residual + (n + 1) u amplification) sum_j ||g_j||
// to first order in u; the factor 1.01 covers the second-order terms ((n+1) u < 1e-14).
TEST(GradientCode, EveryResponderSetDecodesTheFullSum) {
  constexpr std::size_t kDim = 4;
  int decoded = 0;
  for (std::size_t n = 2; n <= 8; ++n) {
    for (std::size_t s = 1; s <= 3 && s < n; ++s) {
      std::vector<std::string> codes = {"cyclic"};
      if (n % (s + 1) == 0) codes.push_back("fractional");
      for (const std::string& kind : codes) {
        for (std::uint64_t seed : {0u, 1u}) {
          const GradientCode code({static_cast<std::int64_t>(n), static_cast<std::int64_t>(s), kind}, seed);
          Random random(seed + 100 * n + 10 * s, Stream::user);
          std::vector<double> g(n * kDim), full(kDim, 0.0);
          double norms = 0;
          for (std::size_t j = 0; j < n; ++j) {
            double sq = 0;
            for (std::size_t p = 0; p < kDim; ++p) {
              g[j * kDim + p] = random.normal();
              full[p] += g[j * kDim + p];
              sq += g[j * kDim + p] * g[j * kDim + p];
            }
            norms += std::sqrt(sq);
          }
          for_each_subset(n, n - s, [&](const std::vector<std::size_t>& subset) {
            std::vector<std::size_t> arrival = subset;
            std::rotate(arrival.begin(), arrival.begin() + static_cast<std::ptrdiff_t>(arrival.size() / 2),
                        arrival.end());
            SCOPED_TRACE(kind + " n=" + std::to_string(n) + " s=" + std::to_string(s));
            const GradientDecoding d = code.decode(arrival);
            ASSERT_EQ(d.workers, arrival);
            EXPECT_LE(d.residual, d.tolerance);
            EXPECT_GE(d.amplification, 1.0 - d.tolerance);
            std::vector<double> sum(kDim, 0.0);
            for (std::size_t r = 0; r < d.workers.size(); ++r) {
              for (std::size_t p = 0; p < kDim; ++p) {
                double message = 0;
                for (std::size_t j : code.partitions_of(d.workers[r]))
                  message += code.coefficient(d.workers[r], j) * g[j * kDim + p];
                sum[p] += d.coefficients[r] * message;
              }
            }
            double error = 0;
            for (std::size_t p = 0; p < kDim; ++p) error += (sum[p] - full[p]) * (sum[p] - full[p]);
            const double bound = 1.01 * (d.residual + static_cast<double>(n + 1) * kUnit * d.amplification) * norms;
            EXPECT_LE(std::sqrt(error), bound);
            ++decoded;
          });
        }
      }
    }
  }
  EXPECT_GT(decoded, 400);  // 2 seeds x (every subset of 18 cyclic (n, s) pairs + the fractional ones)
}

TEST(GradientCode, MoreRespondersThanNeededUsesTheFirstToArrive) {
  const GradientCode code({5, 2, "cyclic"}, 3);
  const std::vector<std::size_t> all = {4, 0, 3, 1, 2};
  const GradientDecoding d = code.decode(all);
  EXPECT_EQ(d.workers, (std::vector<std::size_t>{4, 0, 3}));
}

// A specific H can defeat the code for one responder set: with H = [1 1 -1 -1; 1 -1 -1 1]
// (n = 4, s = 2; H 1 = 0 and every 2 x 2 block of the construction has determinant -2),
// columns 0 and 2 of H are opposite, and Algorithm 1 gives workers 0 and 2 the same row
// (1, 0, 1, 0): B_F for F = {0, 2} has rank one and cannot reach (1, 1, 1, 1). decode()
// must refuse rather than return a wrong gradient; other sets still decode.
TEST(GradientCode, AnUndecodableResponderSetFailsClearly) {
  const std::vector<double> h = {1, 1, -1, -1, 1, -1, -1, 1};
  const GradientCode code = GradientCode::cyclic_from_null_space(4, 2, h);
  for (std::size_t j = 0; j < 4; ++j) EXPECT_EQ(code.coefficient(0, j), code.coefficient(2, j));
  const std::vector<std::size_t> bad = {0, 2};
  const std::string message = error_of([&] { code.decode(bad); });
  EXPECT_NE(message.find("cannot decode from workers {0, 2}"), std::string::npos) << message;
  EXPECT_NE(message.find("exceeds the tolerance"), std::string::npos) << message;
  const std::vector<std::size_t> good = {0, 1};
  EXPECT_LE(code.decode(good).residual, code.decode(good).tolerance);
}

// (e) Bad input.
TEST(GradientCode, InvalidOptionsNameTheirField) {
  EXPECT_EQ(error_of([] {
              GradientCode({0, 0, "cyclic"});
            }),
            "GradientCodeOptions::workers = 0 violates 1 <= workers <= 1024");
  EXPECT_EQ(error_of([] {
              GradientCode({3, 3, "cyclic"});
            }),
            "GradientCodeOptions::stragglers = 3 violates stragglers < workers = 3");
  EXPECT_EQ(error_of([] {
              GradientCode({3, -1, "cyclic"});
            }),
            "GradientCodeOptions::stragglers = -1 violates stragglers >= 0");
  EXPECT_EQ(error_of([] {
              GradientCode({6, 3, "fractional"});
            }),
            "GradientCodeOptions::workers = 6 violates workers divisible by stragglers + 1 = 4 (code=fractional)");
  EXPECT_EQ(error_of([] {
              GradientCode({6, 1, "mds"});
            }),
            "GradientCodeOptions::code = 'mds' is not one of cyclic, fractional");
  EXPECT_THROW(GradientCode({3, 3, "cyclic"}), ConfigError);
}

TEST(GradientCode, BadNullSpacesAndResponderSetsAreRefused) {
  const std::vector<double> short_h = {1, -1};
  EXPECT_THROW(GradientCode::cyclic_from_null_space(3, 1, short_h), MismatchError);
  const std::vector<double> not_null = {1, 1, 1};
  EXPECT_NE(error_of([&] { GradientCode::cyclic_from_null_space(3, 1, not_null); }).find("sums to 3, not 0"),
            std::string::npos);
  // Column 2 of H is zero: worker 1's 1 x 1 system H[:, 2] x = -H[:, 1] is singular.
  const std::vector<double> singular = {1, -1, 0};
  EXPECT_NE(error_of([&] { GradientCode::cyclic_from_null_space(3, 1, singular); }).find("singular"),
            std::string::npos);

  const GradientCode code({4, 1, "cyclic"}, 0);
  const std::vector<std::size_t> too_few = {0, 1};
  EXPECT_EQ(error_of([&] { code.decode(too_few); }),
            "GradientCode::decode: 2 responders, the cyclic(workers=4, stragglers=1) code needs at least 3");
  const std::vector<std::size_t> repeated = {0, 1, 1};
  EXPECT_THROW(code.decode(repeated), MismatchError);
  const std::vector<std::size_t> outside = {0, 1, 4};
  EXPECT_THROW(code.decode(outside), MismatchError);
  EXPECT_THROW(code.partitions_of(4), MismatchError);
}

// Without stragglers the cyclic code is the identity (each worker its own partition): the
// uncoded baseline.
TEST(GradientCode, NoStragglersIsTheIdentity) {
  const GradientCode code({4, 0, "cyclic"}, 5);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) EXPECT_EQ(code.coefficient(i, j), i == j ? 1.0 : 0.0);
  const std::vector<std::size_t> all = {2, 0, 3, 1};
  const GradientDecoding d = code.decode(all);
  for (double a : d.coefficients) EXPECT_NEAR(a, 1.0, d.tolerance);
}

}  // namespace
}  // namespace descent
