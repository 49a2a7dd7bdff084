// Schedule refinement (Defazio et al., arXiv:2310.07831): the weights against a hand
// computation, the paper's worst-case equivalence with linear decay, and the warm-up and
// fast annealing it derives from rising or falling gradient norms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/transform/schedule.hpp"
#include "descent/transform/schedule_refinement.hpp"

namespace descent::testing {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

TEST(ScheduleRefinement, ConstantNormsGiveExactlyLinearDecay) {
  // G constant: w_t = (T - 1 - t) G^2 / G^2, and the norms divided by their maximum are
  // exactly 1, so the suffix sums are exact integers and w_t / w_0 = (T - 1 - t) / (T - 1)
  // with the one rounding of that quotient: bit-equal to the exact-quotient form.
  for (const double g : {1.0, 0.37, 3e150, 1e-200}) {
    for (const std::size_t T : {2u, 7u, 1000u}) {
      const std::vector<double> norms(T, g);
      const std::vector<double> w = refine_schedule(norms);
      ASSERT_EQ(w.size(), T);
      const SchedulePtr linear = linear_decay(1, static_cast<std::int64_t>(T) - 1);
      for (std::size_t t = 0; t < T; ++t) {
        EXPECT_EQ(w[t], static_cast<double>(T - 1 - t) / static_cast<double>(T - 1)) << "g " << g << " t " << t;
        // linear_decay computes 1 - t / (T-1): two roundings of values <= 1, so 2 eps apart at most.
        EXPECT_NEAR(w[t], linear->value(static_cast<std::int64_t>(t)), 2 * kEps);
      }
    }
  }
  // The l1 (Adam) form gives the same linear decay.
  const std::vector<double> w1 = refine_schedule(std::vector<double>(5, 2.5), {.norm_power = 1});
  EXPECT_EQ(w1, (std::vector<double>{1, 0.75, 0.5, 0.25, 0}));
}

TEST(ScheduleRefinement, MatchesTheFormulaByHand) {
  // G = (1, 2, 0.5, 1, 4): u = G^-2 = (1, 0.25, 4, 1, 0.0625), sums of the later u =
  // (5.3125, 5.0625, 1.0625, 0.0625, 0), w = u * sums = (5.3125, 1.265625, 4.25, 0.0625, 0),
  // normalized by 5.3125. The code divides by the smallest norm (0.5, a power of two), so
  // every u and sum is exact in binary; the products and the final division add 2 roundings.
  const std::vector<double> w = refine_schedule(std::vector<double>{1, 2, 0.5, 1, 4});
  const std::vector<double> expected = {1, 1.265625 / 5.3125, 4.25 / 5.3125, 0.0625 / 5.3125, 0};
  for (std::size_t t = 0; t < w.size(); ++t) EXPECT_NEAR(w[t], expected[t], 2 * kEps * expected[t]) << t;
  // p = 1: u = (1, 0.5, 2, 1, 0.25), later sums (3.75, 3.25, 1.25, 0.25, 0), w = (3.75, 1.625,
  // 2.5, 0.25, 0) / 3.75.
  const std::vector<double> w1 = refine_schedule(std::vector<double>{1, 2, 0.5, 1, 4}, {.norm_power = 1});
  const std::vector<double> expected1 = {1, 1.625 / 3.75, 2.5 / 3.75, 0.25 / 3.75, 0};
  for (std::size_t t = 0; t < w1.size(); ++t) EXPECT_NEAR(w1[t], expected1[t], 2 * kEps * expected1[t]) << t;
}

TEST(ScheduleRefinement, MedianFilterSmoothsOutliers) {
  // Window 3 centred, shrunk at the ends (an even count takes the mean of its middle two).
  EXPECT_EQ(median_filter(std::vector<double>{1, 100, 1, 1, 5}, 3), (std::vector<double>{50.5, 1, 1, 1, 3}));
  EXPECT_EQ(median_filter(std::vector<double>{3, 1, 2}, 1), (std::vector<double>{3, 1, 2}));
  // A single spike in constant norms is removed, so the refined schedule is linear decay again.
  std::vector<double> norms(50, 2.0);
  norms[20] = 40;
  const std::vector<double> w = refine_schedule(norms, {.median_window = 5});
  for (std::size_t t = 0; t < w.size(); ++t) EXPECT_EQ(w[t], static_cast<double>(49 - t) / 49) << t;
}

TEST(ScheduleRefinement, RisingFinalNormsAnnealFasterThanLinearDecay) {
  // With u = G^-p and S_{t+1} = sum_{s>t} u_s: w_{t+1} / w_t = (u_{t+1} / u_t)(1 - u_{t+1} / S_{t+1}).
  // Where G rises strictly, u falls, so u_{t+1} / u_t < 1 and u_{t+1} >= S_{t+1} / m (the
  // largest of the m = T - 1 - t later terms): the ratio is below linear decay's (m - 1) / m,
  // so the schedule loses a larger fraction per step, the paper's rapid annealing at the end.
  const std::size_t T = 100;
  std::vector<double> norms(T, 1.0);
  for (std::size_t t = 80; t < T; ++t) norms[t] = 1 + 2 * static_cast<double>(t - 80) / 19;
  const std::vector<double> w = refine_schedule(norms);
  for (std::size_t t = 80; t + 2 < T; ++t) {
    const double m = static_cast<double>(T - 1 - t);
    EXPECT_LT(w[t + 1] / w[t], (m - 1) / m) << t;
  }
}

TEST(ScheduleRefinement, FallingEarlyNormsGiveAWarmup) {
  // G falls from 10 to 1 over steps 0..19, then stays 1 (T = 100); u = G^-2, w_t = u_t S_{t+1}.
  // w_19 = 80. For t <= 18, G_t >= 1.47 so u_t <= 0.46 and w_t <= 0.46 * 99 < 80; from 19 on
  // w_t = 99 - t falls: the maximum is at 19. w_0 = 0.01 * S_1 <= 0.99, below 0.0125 w_19.
  // Up to 19 the ratio (G_t / G_{t+1})^2 (1 - u_{t+1} / S_{t+1}) >= 1.0497^2 * 79 / 80 > 1:
  // the schedule rises from near 0 to its peak, a warm-up.
  const std::size_t T = 100;
  std::vector<double> norms(T, 1.0);
  for (std::size_t t = 0; t < 20; ++t) norms[t] = 10 - 9 * static_cast<double>(t) / 19;
  const std::vector<double> w = refine_schedule(norms);
  EXPECT_EQ(std::max_element(w.begin(), w.end()) - w.begin(), 19);
  EXPECT_LT(w[0], 0.0125);
  for (std::size_t t = 0; t < 19; ++t) EXPECT_LT(w[t], w[t + 1]) << t;
}

TEST(ScheduleRefinement, RejectsBadInput) {
  EXPECT_THROW((void)refine_schedule(std::vector<double>{1}), MismatchError);
  EXPECT_THROW((void)refine_schedule(std::vector<double>{1, NAN, 1}), MismatchError);
  EXPECT_THROW((void)refine_schedule(std::vector<double>{1, -1, 1}), MismatchError);
  EXPECT_THROW((void)refine_schedule(std::vector<double>{1, 0, 1}), MismatchError);
  try {
    (void)refine_schedule(std::vector<double>{1, 1}, {.median_window = 0});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("RefineOptions::median_window = 0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace descent::testing
