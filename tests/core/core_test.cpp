#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/binary_io.hpp"
#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/core/parameters.hpp"
#include "descent/core/random.hpp"

namespace descent {
namespace {

TEST(Error, RequireNamesOptionValueAndConstraint) {
  try {
    require(false, "AdamOptions", "beta1", 1.2, "0 <= beta1 < 1");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "AdamOptions::beta1 = 1.2 violates 0 <= beta1 < 1");
  }
  EXPECT_NO_THROW(require(true, "A", "b", 0, "c"));
}

TEST(Error, FormatNumberIsShortestRoundTrip) {
  EXPECT_EQ(format_number(0.001), "0.001");
  EXPECT_EQ(format_number(1e-8), "1e-08");
  EXPECT_EQ(format_number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(AlignedBuffer, IsAlignedCopiesDeepAndMoves) {
  for (std::size_t n : {1u, 3u, 17u, 1000u}) {
    AlignedBuffer<float> a(n, 2.5f);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % kAlignment, 0u);
    AlignedBuffer<float> b = a;
    b[0] = 1;
    EXPECT_EQ(a[0], 2.5f);
    AlignedBuffer<float> c = std::move(b);
    EXPECT_EQ(c.size(), n);
    EXPECT_EQ(b.size(), 0u);
  }
}

TEST(Parameters, BlocksAreNamedShapedViewsOfOneBuffer) {
  ParameterLayout layout;
  layout.add("w", {3, 4});
  layout.add("b", {4});
  Parameters<double> p(layout);
  EXPECT_EQ(p.size(), 16u);
  auto w = p.block("w");
  EXPECT_EQ(w.rows(), 3u);
  EXPECT_EQ(w.cols(), 4u);
  w(2, 3) = 7;
  EXPECT_EQ(p[11], 7);
  p.block("b").values[0] = 5;
  EXPECT_EQ(p[12], 5);
  EXPECT_EQ(p.layout().block("b").offset, 12u);
  EXPECT_THROW(layout.add("w", {1}), ConfigError);
  EXPECT_THROW(layout.add("", {1}), ConfigError);
  EXPECT_THROW(p.block("missing"), MismatchError);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p.data()) % kAlignment, 0u);
}

TEST(Parallel, SumOfSquaresIsBitwiseIndependentOfThreadCount) {
  const std::size_t n = 300'001;  // many tiles, last one partial
  std::vector<float> x(n);
  Random rng(1, Stream::data);
  for (auto& v : x) v = static_cast<float>(rng.normal());
  std::vector<double> results;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    results.push_back(sum_of_squares(std::span<const float>(x)));
  }
  set_num_threads(2);
  EXPECT_EQ(std::memcmp(&results[0], &results[1], sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(&results[0], &results[2], sizeof(double)), 0);
  // Against a long double sum: each of n additions in double errs by <= 2^-53 relative,
  // so |error| <= n * 2^-53 * sum.
  long double exact = 0;
  for (float v : x) exact += static_cast<long double>(v) * v;
  EXPECT_NEAR(results[0], static_cast<double>(exact), n * 0x1.0p-53 * static_cast<double>(exact));
}

TEST(Parallel, AllFiniteFindsNanAndInfAnywhere) {
  std::vector<double> x(50'000, 1.0);
  EXPECT_TRUE(all_finite(std::span<const double>(x)));
  for (std::size_t where : {0u, 1023u, 1024u, 49'999u}) {
    for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
      x[where] = bad;
      EXPECT_FALSE(all_finite(std::span<const double>(x))) << where;
      x[where] = 1.0;
    }
  }
}

TEST(BinaryIo, RoundTripsAndReportsTruncationWithOffset) {
  BinaryWriter out;
  out.u32(42);
  out.string("adam");
  const std::vector<double> v{1.5, -2.5};
  out.array(std::span<const double>(v));
  BinaryReader in(out.bytes(), "file.bin");
  EXPECT_EQ(in.u32("a"), 42u);
  EXPECT_EQ(in.string("b"), "adam");
  EXPECT_EQ(in.array<double>("c"), v);

  const std::string cut = out.bytes().substr(0, out.bytes().size() - 3);
  BinaryReader short_in(cut, "file.bin");
  short_in.u32("a");
  short_in.string("b");
  try {
    short_in.array<double>("values");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), "file.bin: byte 24: values claims 2 elements but only 13 bytes are left");
  }
  // A length prefix of 2^60 must not allocate.
  BinaryWriter huge;
  huge.u64(std::uint64_t{1} << 60);
  BinaryReader huge_in(huge.bytes(), "huge.bin");
  EXPECT_THROW(huge_in.string("name"), FormatError);
}

}  // namespace
}  // namespace descent
