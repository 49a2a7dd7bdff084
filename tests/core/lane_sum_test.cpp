// lane_sum_of_squares: every element counted once, whatever n is relative to the lanes,
// and a result as accurate as plain recursive summation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/lane_sum.hpp"
#include "descent/core/random.hpp"

namespace descent {
namespace {

// Small integers square and add exactly in double (all partial sums stay far below
// 2^53), so any element dropped or counted twice changes the result exactly.
TEST(LaneSum, CountsEveryElementOnceForEveryLength) {
  for (std::size_t n = 0; n <= 3 * kSumLanes + 5; ++n) {
    std::vector<float> x(n);
    double expected = 0;
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = static_cast<float>(static_cast<int>(i % 7) - 3) * (i % 2 ? 1.0f : 2.0f);
      expected += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    }
    EXPECT_EQ(lane_sum_of_squares(x.data(), n), expected) << "n = " << n;
  }
}

// Recursive summation of m non-negative terms has relative error at most (m - 1) u with
// u = 2^-53 (Higham, Accuracy and Stability, eq. 4.4); each lane sums n / 16 terms and the
// pairwise combination adds 4 levels, so n u bounds it comfortably. Each product v * v
// adds one more rounding of u. Reference: long double (64-bit mantissa) summation, whose
// own error is 2^11 times smaller.
TEST(LaneSum, RelativeErrorWithinRecursiveSummationBound) {
  const std::size_t n = 100'003;
  std::vector<double> x(n);
  Random random(7, Stream::user);
  for (auto& v : x) v = random.normal() * std::exp(4.0 * random.uniform());
  long double reference = 0;
  for (double v : x) reference += static_cast<long double>(v) * static_cast<long double>(v);
  const double got = lane_sum_of_squares(x.data(), n);
  const double u = std::ldexp(1.0, -53);
  EXPECT_LE(std::abs(static_cast<long double>(got) - reference) / reference, (n + 1) * u);
}

// Buffers above the huge-page threshold are advised (a hint): they must behave exactly like
// any other buffer, and the hint must tolerate pointers and sizes that are not page aligned.
TEST(HugePages, LargeBuffersWorkAndTheHintToleratesAnyRange) {
  const std::size_t n = kHugePageThreshold / sizeof(float) + 12345;
  AlignedBuffer<float> big(n, 1.5f);
  for (std::size_t i = 0; i < n; i += 4099) big[i] = static_cast<float>(i);
  for (std::size_t i = 0; i < n; i += 4099) EXPECT_EQ(big[i], static_cast<float>(i));
  EXPECT_EQ(big[1], 1.5f);
  char small[100];
  advise_huge_pages(small + 3, sizeof(small) - 3);  // no whole page inside: nothing to do
  advise_huge_pages(big.data() + 1, 10);
}

}  // namespace
}  // namespace descent
