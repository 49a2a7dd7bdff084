#include "descent/loop/minimize.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "descent/loop/callbacks/early_stopping.hpp"
#include "descent/loop/callbacks/metrics_logger.hpp"
#include "descent/loop/callbacks/progress_bar.hpp"
#include "descent/loop/callbacks/time_limit.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/sgd.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::DiagonalQuadratic;
using testing::PoisonedAfter;

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("descent_loop_" + std::to_string(::getpid()) + "_" + name);
}

TEST(Minimize, GradientDescentConvergesAndReportsConverged) {
  DiagonalQuadratic<double> f(20, 10.0);
  Parameters<double> x(ParameterLayout::flat(20));  // x0 = 0, x* = 1
  auto gd = sgd({.lr = constant(1.0 / 10.0)});      // step 1/L
  MinimizeOptions<double> options{.max_steps = 10000};
  options.callbacks.push_back(
      std::make_shared<EarlyStopping<double>>(EarlyStoppingOptions{.gradient_tolerance = 1e-9}));
  const auto summary = minimize(f, x, *gd, options);
  EXPECT_EQ(summary.termination, Termination::converged);
  EXPECT_LE(summary.final_gradient_norm, 1e-9);
  // GD with step 1/L contracts each coordinate by (1 - lambda_i / L) <= 1 - 1/kappa, and
  // ||g_0|| = ||lambda|| ~ 25, so ||g_t|| <= 25 (0.9)^t reaches 1e-9 by t ~ 230.
  EXPECT_LE(summary.steps, 240);
  EXPECT_EQ(summary.objective_calls, summary.steps + 1);
  for (double xi : x.flat()) EXPECT_NEAR(xi, 1.0, 1e-9);  // |x - 1| <= ||g|| / lambda_min
}

TEST(Minimize, MaxStepsIsTheDefaultEnd) {
  DiagonalQuadratic<float> f(4, 2.0);
  Parameters<float> x(ParameterLayout::flat(4));
  auto opt = adam();
  const auto summary = minimize(f, x, *opt, MinimizeOptions<float>{.max_steps = 7});
  EXPECT_EQ(summary.termination, Termination::max_steps);
  EXPECT_EQ(summary.steps, 7);
  // The final evaluation describes the final parameters exactly.
  EXPECT_FLOAT_EQ(summary.final_value, f.value(x.flat()));
}

TEST(Minimize, RelativeImprovementStopsAStalledRun) {
  // With lambda = 1, GD gives f_{t+1} = (1 - lr)^2 f_t: the relative improvement is
  // 1 - (1 - lr)^2 every step, ~2e-4 for lr = 1e-4 (below 1e-3: stop once patience = 2
  // quiet steps are seen, i.e. at the third estimate, after 2 updates) and 0.19 for
  // lr = 0.1 (never below 1e-3: runs to max_steps).
  DiagonalQuadratic<double> f(3, 1.0);
  for (double lr : {1e-4, 0.1}) {
    Parameters<double> x(ParameterLayout::flat(3));
    auto opt = sgd({.lr = constant(lr)});
    MinimizeOptions<double> options{.max_steps = 50};
    options.callbacks.push_back(
        std::make_shared<EarlyStopping<double>>(EarlyStoppingOptions{.relative_tolerance = 1e-3, .patience = 2}));
    const auto summary = minimize(f, x, *opt, options);
    if (lr < 1e-3) {
      EXPECT_EQ(summary.termination, Termination::converged);
      EXPECT_EQ(summary.steps, 2);
    } else {
      EXPECT_EQ(summary.termination, Termination::max_steps);
    }
  }
}

TEST(Minimize, NonFiniteGradientStopsWithTheLastFiniteParameters) {
  DiagonalQuadratic<double> f(8, 4.0);
  auto opt = adam({.lr = constant(0.1)});
  // Reference: exactly 5 updates.
  Parameters<double> reference(ParameterLayout::flat(8));
  minimize(f, reference, *opt, MinimizeOptions<double>{.max_steps = 5});
  for (double poison : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    PoisonedAfter<double> poisoned(f, /*bad_call=*/5, poison);  // the 6th gradient is bad
    Parameters<double> x(ParameterLayout::flat(8));
    const auto summary = minimize(poisoned, x, *opt, MinimizeOptions<double>{.max_steps = 100});
    EXPECT_EQ(summary.termination, Termination::non_finite);
    EXPECT_EQ(summary.steps, 5);
    EXPECT_FALSE(summary.ok());
    EXPECT_NE(summary.message.find("not finite at step 5"), std::string::npos) << summary.message;
    EXPECT_EQ(std::memcmp(x.data(), reference.data(), 8 * sizeof(double)), 0);
  }
}

TEST(Minimize, InterruptFlagStopsAsUserStop) {
  DiagonalQuadratic<double> f(2, 1.0);
  Parameters<double> x(ParameterLayout::flat(2));
  auto opt = sgd();
  std::atomic<bool> interrupt{true};
  const auto summary = minimize(f, x, *opt, MinimizeOptions<double>{.max_steps = 10, .interrupt = &interrupt});
  EXPECT_EQ(summary.termination, Termination::user_stop);
  EXPECT_EQ(summary.steps, 0);
}

// An objective slow enough that a time limit of 50 ms ends the run long before max_steps.
class SlowQuadratic : public DiagonalQuadratic<double> {
 public:
  SlowQuadratic() : DiagonalQuadratic<double>(2, 1.0) {}
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return DiagonalQuadratic<double>::value_and_gradient(x, g);
  }
};

TEST(Minimize, TimeLimitEndsTheRun) {
  SlowQuadratic f;
  Parameters<double> x(ParameterLayout::flat(2));
  auto opt = sgd({.lr = constant(1e-3)});
  MinimizeOptions<double> options{.max_steps = 1'000'000};
  options.callbacks.push_back(std::make_shared<TimeLimit<double>>(0.05));
  const auto summary = minimize(f, x, *opt, options);
  EXPECT_EQ(summary.termination, Termination::time_limit);
  EXPECT_GE(summary.timings.total_s, 0.05);
  EXPECT_LT(summary.steps, 1000);  // 2 ms per step: about 25 steps fit in 50 ms
}

TEST(Minimize, RejectsMismatchedSizesAndBadOptions) {
  DiagonalQuadratic<double> f(3, 1.0);
  Parameters<double> x(ParameterLayout::flat(4));
  auto opt = sgd();
  EXPECT_THROW(minimize(f, x, *opt), MismatchError);
  Parameters<double> y(ParameterLayout::flat(3));
  try {
    minimize(f, y, *opt, MinimizeOptions<double>{.max_steps = -1});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "MinimizeOptions::max_steps = -1 violates max_steps >= 0");
  }
  EXPECT_THROW(EarlyStopping<double>(EarlyStoppingOptions{.patience = 0}), ConfigError);
  EXPECT_THROW(TimeLimit<double>(0), ConfigError);
}

TEST(MetricsLogger, WritesCsvAndJsonLines) {
  DiagonalQuadratic<double> f(3, 2.0);
  const auto csv = temp_path("log.csv");
  const auto jsonl = temp_path("log.jsonl");
  Parameters<double> x(ParameterLayout::flat(3));
  auto opt = sgd({.lr = constant(0.1)});
  MinimizeOptions<double> options{.max_steps = 10};
  options.callbacks.push_back(std::make_shared<MetricsLogger<double>>(csv, MetricsLoggerOptions{.every = 2}));
  options.callbacks.push_back(
      std::make_shared<MetricsLogger<double>>(jsonl, MetricsLoggerOptions{.format = LogFormat::jsonl}));
  minimize(f, x, *opt, options);

  std::ifstream in_csv(csv);
  std::string line;
  std::getline(in_csv, line);
  EXPECT_EQ(line, "step,value,gradient_norm,elapsed_s,objective_calls,sample_gradients");
  int rows = 0;
  while (std::getline(in_csv, line)) ++rows;
  EXPECT_EQ(rows, 5);  // steps 2, 4, 6, 8, 10

  std::ifstream in_json(jsonl);
  int records = 0;
  double previous = INFINITY;
  while (std::getline(in_json, line)) {
    const auto record = nlohmann::json::parse(line);
    EXPECT_EQ(record["step"].get<int>(), ++records);
    // GD with step 0.1 < 2/L on a convex quadratic decreases f monotonically.
    EXPECT_LT(record["value"].get<double>(), previous);
    previous = record["value"].get<double>();
  }
  EXPECT_EQ(records, 10);
  std::filesystem::remove(csv);
  std::filesystem::remove(jsonl);
}

TEST(MetricsLogger, UnwritablePathIsAnIoErrorNamingIt) {
  DiagonalQuadratic<double> f(1, 1.0);
  Parameters<double> x(ParameterLayout::flat(1));
  auto opt = sgd();
  MinimizeOptions<double> options{.max_steps = 1};
  options.callbacks.push_back(std::make_shared<MetricsLogger<double>>("/nonexistent-dir/log.csv"));
  try {
    minimize(f, x, *opt, options);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/log.csv"), std::string::npos);
  }
}

TEST(ProgressBar, SilentWhenNotATerminalAndDrawsWhenForced) {
  DiagonalQuadratic<double> f(2, 1.0);
  auto opt = sgd();
  for (bool force : {false, true}) {
    std::FILE* sink = std::tmpfile();
    Parameters<double> x(ParameterLayout::flat(2));
    MinimizeOptions<double> options{.max_steps = 3};
    options.callbacks.push_back(std::make_shared<ProgressBar<double>>(sink, force));
    minimize(f, x, *opt, options);
    const long size = std::ftell(sink);
    if (force) {
      EXPECT_GT(size, 0);
      std::rewind(sink);
      char buffer[256] = {};
      ASSERT_GT(std::fread(buffer, 1, sizeof buffer - 1, sink), 0u);
      EXPECT_NE(std::string(buffer).find("3/3"), std::string::npos) << buffer;
    } else {
      EXPECT_EQ(size, 0);
    }
    std::fclose(sink);
  }
}

}  // namespace
}  // namespace descent
