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
  // G = (1, 2, 0.5, 1, 4): G^2 = (1, 4, 0.25, 1, 16), suffix sums after t = (21.25, 17.25,
  // 17, 16, 0), w = (21.25, 4.3125, 68, 16, 0), normalized by 68. The code divides by the
  // largest norm first (a power of two here), squares, sums and divides twice: every step
  // exact but the last two divisions, so 2 eps relative.
  const std::vector<double> w = refine_schedule(std::vector<double>{1, 2, 0.5, 1, 4});
  const std::vector<double> expected = {21.25 / 68, 4.3125 / 68, 1, 16.0 / 68, 0};
  for (std::size_t t = 0; t < w.size(); ++t) EXPECT_NEAR(w[t], expected[t], 2 * kEps * expected[t]) << t;
  // p = 1: suffix sums (7.5, 5.5, 5, 4, 0) / G = (7.5, 2.75, 10, 4, 0), normalized by 10.
  const std::vector<double> w1 = refine_schedule(std::vector<double>{1, 2, 0.5, 1, 4}, {.norm_power = 1});
  const std::vector<double> expected1 = {0.75, 0.275, 1, 0.4, 0};
  for (std::size_t t = 0; t < w1.size(); ++t) EXPECT_NEAR(w1[t], expected1[t], 4 * kEps * expected1[t]) << t;
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
  // w_{t+1} / w_t = (1 - G_{t+1}^2 / S_{t+1}) G_t^2 / G_{t+1}^2 with S_{t+1} = sum_{s>t} G_s^2.
  // Where G rises strictly, G_{t+1}^2 >= S_{t+1} / m (m = T - 1 - t terms, none above the
  // last) and G_t^2 / G_{t+1}^2 < 1, so the ratio is below linear decay's (m - 1) / m: the
  // schedule loses a larger fraction per step, the paper's rapid annealing at the end.
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
  // G falls from 10 to 1 over the first 20 steps, then stays 1 (T = 100). w_t = S_{t+1} / G_t^2
  // peaks where G stops falling: w_19 = 80 (80 later ones), while w_0 = S_1 / 100 with
  // S_1 < 19 * 100 + 80, so w_0 < 0.25 w_19 at most; the schedule starts low and rises: warm-up.
  const std::size_t T = 100;
  std::vector<double> norms(T, 1.0);
  for (std::size_t t = 0; t < 20; ++t) norms[t] = 10 - 9 * static_cast<double>(t) / 19;
  const std::vector<double> w = refine_schedule(norms);
  EXPECT_EQ(std::max_element(w.begin(), w.end()) - w.begin(), 19);
  EXPECT_LT(w[0], 0.25);
  for (std::size_t t = 10; t < 19; ++t) EXPECT_LT(w[t], w[t + 1]) << t;
}

TEST(ScheduleRefinement, RejectsBadInput) {
  EXPECT_THROW((void)refine_schedule(std::vector<double>{1}), MismatchError);
  EXPECT_THROW((void)refine_schedule(std::vector<double>{1, NAN, 1}), MismatchError);
  EXPECT_THROW((void)refine_schedule(std::vector<double>{1, -1, 1}), MismatchError);
  EXPECT_THROW((void)refine_schedule(std::vector<double>{1, 0, 1}), MismatchError);
  EXPECT_THROW((void)refine_schedule(std::vector<double>{0, 0}), MismatchError);
  try {
    (void)refine_schedule(std::vector<double>{1, 1}, {.median_window = 0});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("RefineOptions::median_window = 0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace descent::testing
