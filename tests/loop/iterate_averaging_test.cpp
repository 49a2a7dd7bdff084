#include "descent/loop/callbacks/iterate_averaging.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/transform/sgd.hpp"
#include "support/noisy_gradient.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::DiagonalQuadratic;

using testing::GaussianNoiseGradient;

// Keeps a copy of every iterate: x_t after update t.
template <class T>
class Recorder final : public Callback<T> {
 public:
  std::optional<Stop> after_update(const StepReport<T>& report, const LoopView<T>& loop) override {
    steps.push_back(report.step);
    iterates.emplace_back(loop.params.flat().begin(), loop.params.flat().end());
    return std::nullopt;
  }
  std::vector<std::int64_t> steps;
  std::vector<std::vector<T>> iterates;
};

using testing::LastIterate;

// SGD with step lr on f = 1/2 sum_i lambda_i (x_i - 1)^2, lambda_i spread over [1, kappa],
// from x_0 = 0, with gradient noise sigma; `callbacks` run after a Recorder.
template <class T>
Parameters<T> run_sgd(std::size_t dimension, double kappa, double lr, double sigma, std::int64_t steps,
                      std::vector<std::shared_ptr<Callback<T>>> callbacks, std::uint64_t seed = 7) {
  DiagonalQuadratic<T> f(dimension, kappa);
  Parameters<T> x(ParameterLayout::flat(dimension));
  auto opt = sgd({.lr = constant(lr)});
  MinimizeOptions<T> options{.max_steps = steps};
  options.estimator = std::make_shared<GaussianNoiseGradient<T>>(sigma, seed);
  options.callbacks = std::move(callbacks);
  minimize(f, x, *opt, options);
  return x;
}

// Mean of the recorded iterates with step in [first, last], in long double: on x86-64 a
// 64-bit significand, so its own error (<= n 2^-64 sum |x|) is far below double's.
template <class T>
std::vector<long double> reference_mean(const Recorder<T>& recorder, std::int64_t first) {
  std::vector<long double> mean(recorder.iterates.front().size(), 0.0L);
  long double count = 0;
  for (std::size_t k = 0; k < recorder.steps.size(); ++k) {
    if (recorder.steps[k] < first) continue;
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += recorder.iterates[k][i];
    count += 1;
  }
  for (auto& m : mean) m /= count;
  return mean;
}

double max_abs(const std::vector<long double>& v) {
  long double m = 0;
  for (auto x : v) m = std::max(m, std::abs(x));
  return static_cast<double>(m);
}

TEST(IterateAveraging, PolyakIsTheMeanOfTheIteratesAfterTheStartStep) {
  auto recorder = std::make_shared<Recorder<double>>();
  auto averaging = std::make_shared<IterateAveraging<double>>(IterateAveragingOptions{.start_step = 5});
  const Parameters<double> x = run_sgd<double>(6, 3.0, 0.2, 0.5, 37, {recorder, averaging});
  ASSERT_EQ(averaging->first_step(), 6);
  ASSERT_EQ(averaging->count(), 32);  // x_6 ... x_37
  const auto expected = reference_mean(*recorder, 6);
  // The compensated sum is within 2 eps sum|x| of the exact sum, so the mean within
  // 2 eps max|x|; dividing and rounding to double adds half an ulp: 4 eps max|x| covers both.
  const double tolerance = 4 * std::numeric_limits<double>::epsilon() * max_abs(expected);
  const auto average = averaging->average();
  ASSERT_EQ(average.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(average[i], static_cast<double>(expected[i]), tolerance) << "coordinate " << i;
    EXPECT_EQ(x[i], average[i]) << "write_back leaves the average in the parameters";
  }
}

TEST(IterateAveraging, TailIsTheMeanOfTheLastFractionOfTheStepBudget) {
  // max_steps 40, fraction 0.25: s = ceil(0.75 * 40) = 30, average x_31 ... x_40.
  auto recorder = std::make_shared<Recorder<float>>();
  auto averaging = std::make_shared<IterateAveraging<float>>(
      IterateAveragingOptions{.kind = AveragingKind::tail, .tail_fraction = 0.25});
  const Parameters<float> x = run_sgd<float>(5, 2.0, 0.3, 0.5, 40, {recorder, averaging});
  EXPECT_EQ(averaging->first_step(), 31);
  EXPECT_EQ(averaging->count(), 10);
  const auto expected = reference_mean(*recorder, 31);
  // Float iterates summed in double: the sum is exact to 10 * 2^-53 relative, far below
  // float's rounding, so the result is the exact mean rounded to float: half an ulp,
  // at most 2^-24 |mean| <= 2^-24 max|x|.
  const double tolerance = std::ldexp(1.0, -24) * max_abs(expected);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(averaging->average()[i], static_cast<double>(expected[i]), tolerance) << "coordinate " << i;
    EXPECT_EQ(x[i], averaging->average()[i]);
  }
}

TEST(IterateAveraging, TailCountsTheIntendedNumberOfIteratesForDecimalFractions) {
  // 0.29 * 100 is 28.999999999999996 in binary floating point; the user meant 29 iterates.
  auto averaging = std::make_shared<IterateAveraging<double>>(
      IterateAveragingOptions{.kind = AveragingKind::tail, .tail_fraction = 0.29});
  run_sgd<double>(2, 1.0, 0.1, 0.1, 100, {averaging});
  EXPECT_EQ(averaging->first_step(), 72);
  EXPECT_EQ(averaging->count(), 29);
}

TEST(IterateAveraging, ExponentialIsTheNormalizedGeometricWeighting) {
  constexpr double decay = 0.9;
  auto recorder = std::make_shared<Recorder<double>>();
  auto averaging = std::make_shared<IterateAveraging<double>>(
      IterateAveragingOptions{.kind = AveragingKind::exponential, .start_step = 3, .decay = decay});
  run_sgd<double>(4, 2.0, 0.2, 0.5, 30, {recorder, averaging});
  ASSERT_EQ(averaging->count(), 27);  // x_4 ... x_30
  // sum_k decay^(n-k) x_k / sum_k decay^(n-k) over the averaged iterates, in long double.
  std::vector<long double> sum(4, 0.0L);
  long double weights = 0;
  for (std::size_t k = 0; k < recorder->steps.size(); ++k) {
    if (recorder->steps[k] < 4) continue;
    const long double w = std::pow(static_cast<long double>(decay), 30 - recorder->steps[k]);
    for (std::size_t i = 0; i < 4; ++i) sum[i] += w * recorder->iterates[k][i];
    weights += w;
  }
  for (auto& s : sum) s /= weights;
  // Each update m += (x - m) / W rounds three times (~3 eps |x|) and earlier errors are
  // multiplied by 1 - 1/W_n <= decay: the total stays below 3 eps max|x| / (1 - decay).
  const double tolerance = 3 * std::numeric_limits<double>::epsilon() * max_abs(sum) / (1 - decay);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_NEAR(averaging->average()[i], static_cast<double>(sum[i]), tolerance) << "coordinate " << i;
}

TEST(IterateAveraging, WithoutWriteBackTheParametersAreTheLastIterate) {
  auto recorder = std::make_shared<Recorder<double>>();
  auto averaging = std::make_shared<IterateAveraging<double>>(IterateAveragingOptions{.write_back = false});
  const Parameters<double> x = run_sgd<double>(3, 2.0, 0.2, 0.5, 20, {recorder, averaging});
  EXPECT_EQ(averaging->count(), 20);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(x[i], recorder->iterates.back()[i]);
}

TEST(IterateAveraging, ARunThatEndsBeforeTheAverageStartsKeepsItsLastIterate) {
  auto recorder = std::make_shared<Recorder<double>>();
  auto averaging = std::make_shared<IterateAveraging<double>>(IterateAveragingOptions{.start_step = 50});
  const Parameters<double> x = run_sgd<double>(3, 2.0, 0.2, 0.5, 10, {recorder, averaging});
  EXPECT_EQ(averaging->count(), 0);
  EXPECT_TRUE(averaging->average().empty());
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(x[i], recorder->iterates.back()[i]);
}

// The test: on a noisy quadratic the averaged iterate is closer to the minimizer
// than the last iterate. Coordinate i of constant-step SGD is the AR(1) process
//   e_{t+1} = r_i e_t - lr xi_t,  r_i = 1 - lr lambda_i,  xi ~ N(0, sigma^2),
// whose stationary variance is s_i^2 = lr sigma^2 / (lambda_i (2 - lr lambda_i)): the last
// iterate's expected squared error is sum_i s_i^2. A uniform average of n stationary
// iterates has variance s_i^2 (1 + r_i) / (1 - r_i) / n = sigma^2 / (lambda_i^2 n). With
// lr = 0.1, lambda in [1, 4], sigma = 1, 20 coordinates, 1000 steps: sum s_i^2 ~ 0.56;
// the tail average over n = 500 has sum sigma^2 / (lambda_i^2 n) ~ 0.01, the EMA with
// decay 0.99 (variance factor (1 - decay) / (1 + decay) instead of 1 / n) ~ 0.025, and the
// Polyak average over all 1000 ~ 0.005 plus the transient from x_0 = 0 (a bias of about
// 1 / (lr lambda_i n) <= 0.01 per coordinate): factors of 20 to 100 in expectation. Every
// sum is over 20 independent coordinates (chi-square-like, relative spread ~ sqrt(2/20) =
// 0.3), so the ordering cannot flip by chance; the checks against the predictions allow
// 3x (P(chi^2_20 > 3 * 20) < 1e-5).
TEST(IterateAveraging, OnANoisyQuadraticTheAverageBeatsTheLastIterate) {
  constexpr std::size_t d = 20;
  constexpr double kappa = 4, lr = 0.1, sigma = 1;
  constexpr std::int64_t steps = 1000;
  DiagonalQuadratic<double> f(d, kappa);
  double last_error2_expected = 0, tail_error2_expected = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double lambda = 1.0 + (kappa - 1.0) * double(i) / double(d - 1);
    last_error2_expected += lr * sigma * sigma / (lambda * (2 - lr * lambda));
    tail_error2_expected += sigma * sigma / (lambda * lambda * (steps / 2));
  }
  const struct {
    IterateAveragingOptions options;
    const char* name;
  } cases[] = {
      {{.kind = AveragingKind::polyak}, "polyak"},
      {{.kind = AveragingKind::tail, .tail_fraction = 0.5}, "tail"},
      {{.kind = AveragingKind::exponential, .decay = 0.99}, "exponential"},
  };
  for (const auto& c : cases) {
    auto last = std::make_shared<LastIterate<double>>();
    auto averaging = std::make_shared<IterateAveraging<double>>(c.options);
    const Parameters<double> x = run_sgd<double>(d, kappa, lr, sigma, steps, {last, averaging});
    double average_error2 = 0, last_error2 = 0;
    for (std::size_t i = 0; i < d; ++i) {
      average_error2 += (x[i] - 1) * (x[i] - 1);
      last_error2 += (last->value[i] - 1) * (last->value[i] - 1);
    }
    EXPECT_LT(average_error2, last_error2) << c.name;
    EXPECT_LT(last_error2, 3 * last_error2_expected) << c.name;
    EXPECT_LT(f.value(x.flat()), f.value(last->value)) << c.name;
    if (c.options.kind == AveragingKind::tail) EXPECT_LT(average_error2, 3 * tail_error2_expected);
  }
}

TEST(IterateAveraging, RejectsBadOptionsNamingTheField) {
  auto message = [](IterateAveragingOptions o) -> std::string {
    try {
      IterateAveraging<double> averaging(o);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message({.start_step = -1}), "IterateAveragingOptions::start_step = -1 violates start_step >= 0");
  EXPECT_EQ(message({.tail_fraction = 0}),
            "IterateAveragingOptions::tail_fraction = 0 violates 0 < tail_fraction <= 1");
  EXPECT_EQ(message({.tail_fraction = 1.5}),
            "IterateAveragingOptions::tail_fraction = 1.5 violates 0 < tail_fraction <= 1");
  EXPECT_EQ(message({.decay = 1}), "IterateAveragingOptions::decay = 1 violates 0 < decay < 1");
  EXPECT_EQ(message({.decay = std::nan("")}).find("IterateAveragingOptions::decay"), 0u);
  EXPECT_EQ(message({.kind = static_cast<AveragingKind>(7)}),
            "IterateAveragingOptions::kind = 7 is not one of polyak, tail, exponential");
  EXPECT_EQ(message({.kind = AveragingKind::tail, .tail_fraction = 1}), "accepted");
}

TEST(RunningAverage, CompensatedSumKeepsSmallTermsNextToALargeOne) {
  // 1e16 then a thousand 1.0: the ulp of 1e16 is 2, so a plain double sum rounds every
  // 1e16 + 1 back to 1e16 (a tie, to even) and loses all of them; Neumaier's compensation
  // keeps the sum exact (1e16 + 1000 is representable). The mean (1e16 + 1000) / 1001
  // is then off by the division's rounding only: half an ulp of ~1e13 (ulp 2^-9), where
  // the plain sum would be off by 1000 / 1001.
  RunningAverage<double> average;
  average.reset(1);
  const double big = 1e16, one = 1.0;
  average.add(std::span<const double>(&big, 1));
  for (int k = 0; k < 1000; ++k) average.add(std::span<const double>(&one, 1));
  const long double exact = (1e16L + 1000.0L) / 1001.0L;
  EXPECT_NEAR(average.at(0), static_cast<double>(exact), std::ldexp(1.0, -9));
  EXPECT_EQ(average.count(), 1001);
}

}  // namespace
}  // namespace descent

namespace descent {
namespace {

// The average is written back before the Summary is made (Callback::finalize), so the
// Summary's final value and gradient norm are those of the point the run returns.
TEST(IterateAveraging, TheSummaryDescribesTheReturnedAverage) {
  testing::DiagonalQuadratic<double> f(4, 5.0);
  Parameters<double> x(ParameterLayout::flat(4));
  auto opt = sgd({.lr = constant(0.1)});
  MinimizeOptions<double> options{.max_steps = 200};
  options.estimator = std::make_shared<GaussianNoiseGradient<double>>(0.3, 5);
  auto averaging = std::make_shared<IterateAveraging<double>>(IterateAveragingOptions{.start_step = 100});
  options.callbacks.push_back(averaging);
  const auto summary = minimize(f, x, *opt, options);
  std::vector<double> g(4);
  const double value = f.value_and_gradient(x.flat(), g);
  EXPECT_EQ(summary.final_value, value);  // the same call on the same point: the same bits
  double norm = 0;
  for (double v : g) norm += v * v;
  EXPECT_NEAR(summary.final_gradient_norm, std::sqrt(norm), 1e-15 * (1 + std::sqrt(norm)));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(x[i], averaging->average()[i]);
}

}  // namespace
}  // namespace descent
