#include "descent/core/random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace descent {
namespace {

// Known-answer vectors of Philox4x32-10 published with Random123 (Salmon et al. 2011).
TEST(Philox, MatchesPublishedKnownAnswers) {
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}), (Philox4x32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (Philox4x32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (Philox4x32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Random, SameSeedAndStreamGiveTheSameSequenceOthersDiffer) {
  Random a(7, Stream::sampling), b(7, Stream::sampling), c(7, Stream::noise), d(8, Stream::sampling);
  int equal_c = 0, equal_d = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto va = a.next_u32();
    EXPECT_EQ(va, b.next_u32());
    equal_c += va == c.next_u32();
    equal_d += va == d.next_u32();
  }
  // Independent 32-bit draws coincide with probability 2^-32 each.
  EXPECT_LE(equal_c, 1);
  EXPECT_LE(equal_d, 1);
}

TEST(Random, PositionIsTheWholeStateAndAtIsRandomAccess) {
  Random a(3, Stream::init);
  for (int i = 0; i < 13; ++i) a.next_u32();
  const auto position = a.position();
  std::vector<std::uint32_t> next;
  for (int i = 0; i < 9; ++i) next.push_back(a.next_u32());
  Random b(3, Stream::init);
  b.seek(position);
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(b.at(position + i), next[i]);
    EXPECT_EQ(b.next_u32(), next[i]);
  }
}

TEST(Random, UniformAndNormalMomentsWithinFiveSigma) {
  Random rng(11, Stream::noise);
  constexpr int n = 200'000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    su += u;
    su2 += u * u;
    const double z = rng.normal();
    sn += z;
    sn2 += z * z;
  }
  // Mean of n uniforms: sd sqrt(1/12 / n); mean of u^2: var(u^2) = 1/5 - 1/9.
  EXPECT_NEAR(su / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(su2 / n, 1.0 / 3, 5 * std::sqrt((0.2 - 1.0 / 9) / n));
  // Normal: mean sd 1/sqrt(n); mean of z^2 has variance 2/n.
  EXPECT_NEAR(sn / n, 0.0, 5 / std::sqrt(double(n)));
  EXPECT_NEAR(sn2 / n, 1.0, 5 * std::sqrt(2.0 / n));
}

TEST(Random, BelowIsInRangeAndUniform) {
  Random rng(5, Stream::sampling);
  constexpr int k = 7, n = 70'000;
  std::vector<int> counts(k);
  for (int i = 0; i < n; ++i) {
    const auto v = rng.below(k);
    ASSERT_LT(v, static_cast<std::uint64_t>(k));
    ++counts[v];
  }
  // Pearson chi-square with 6 degrees of freedom: P(chi2 > 22.46) = 0.001.
  double chi2 = 0;
  for (int c : counts) chi2 += (c - n / double(k)) * (c - n / double(k)) / (n / double(k));
  EXPECT_LT(chi2, 22.46);
  EXPECT_EQ(rng.below(1), 0u);
  EXPECT_EQ(rng.below(0), 0u);
}

}  // namespace
}  // namespace descent
