#include "descent/loop/train.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "descent/transform/adam.hpp"
#include "descent/transform/sgd.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::CentresSum;

TEST(Train, RecordsEveryEpochAndEvaluates) {
  CentresSum<double> f(50, 4);
  Parameters<double> x(ParameterLayout::flat(4), 3.0);
  auto opt = sgd({.lr = constant(0.2)});
  int evaluations = 0;
  TrainOptions<double> options{.epochs = 5, .batch_size = 16, .seed = 1, .quiet = true};
  options.evaluate = [&](std::span<const double> p) {
    ++evaluations;
    return HeldOutEvaluation{f.value(p), NAN};
  };
  const auto result = train(f, x, *opt, options);
  ASSERT_EQ(result.history.size(), 5u);
  EXPECT_EQ(evaluations, 5);
  EXPECT_EQ(result.summary.steps, 5 * 4);  // ceil(50 / 16) = 4 batches an epoch
  EXPECT_EQ(result.summary.sample_gradients, 5 * 50);
  for (std::size_t e = 0; e < 5; ++e) {
    EXPECT_EQ(result.history[e].epoch, static_cast<std::int64_t>(e + 1));
    EXPECT_EQ(result.history[e].step, static_cast<std::int64_t>(4 * (e + 1)));
    EXPECT_GT(result.history[e].samples_per_second, 0);
  }
  // The loss decreases from the start at 3.0 towards the centres (all within [-1, 1]).
  EXPECT_LT(result.history.back().test_loss, result.history.front().test_loss);
  // The epoch's training loss is the batch-size-weighted mean of its batch losses: for
  // epoch 1 it lies between the loss at the end of the epoch and the loss at x0.
  Parameters<double> x0(ParameterLayout::flat(4), 3.0);
  EXPECT_LT(result.history[0].train_loss, f.value(x0.flat()));
}

TEST(Train, ResumeFromAnEpochCheckpointMatchesAnUninterruptedRun) {
  const auto ckpt = std::filesystem::temp_directory_path() / ("descent_train_" + std::to_string(::getpid()) + ".ckpt");
  CentresSum<float> f(30, 6);
  auto opt = adam({.lr = constant(0.05)});
  TrainOptions<float> base{.epochs = 4, .batch_size = 7, .seed = 9, .quiet = true};

  Parameters<float> straight(ParameterLayout::flat(6), 1.0f);
  train(f, straight, *opt, base);

  Parameters<float> first(ParameterLayout::flat(6), 1.0f);
  auto half = base;
  half.epochs = 2;
  half.checkpoint = ckpt.string();
  train(f, first, *opt, half);

  Parameters<float> resumed(ParameterLayout::flat(6), -5.0f);  // overwritten by the checkpoint
  auto rest = base;
  rest.resume_from = ckpt.string();
  const auto result = train(f, resumed, *opt, rest);
  EXPECT_EQ(result.history.size(), 2u);  // epochs 3 and 4
  EXPECT_EQ(result.history.front().epoch, 3);
  EXPECT_EQ(std::memcmp(resumed.data(), straight.data(), 6 * sizeof(float)), 0);
  std::filesystem::remove(ckpt);
}

TEST(Train, PoissonSamplingEpochsAreNSamplesInExpectation) {
  CentresSum<double> f(100, 2);
  Parameters<double> x(ParameterLayout::flat(2));
  auto opt = sgd({.lr = constant(0.1)});
  TrainOptions<double> options{.epochs = 20, .batch_size = 10, .sampling = Sampling::poisson, .seed = 2, .quiet = true};
  const auto result = train(f, x, *opt, options);
  EXPECT_EQ(result.summary.steps, 20 * 10);
  // 200 batches of Binomial(100, 0.1) samples: mean 2000, sd sqrt(200 * 9) = 42.
  EXPECT_NEAR(double(result.summary.sample_gradients), 2000.0, 3 * 42.4);
}

TEST(Train, RejectsImpossibleOptions) {
  CentresSum<double> f(10, 2);
  Parameters<double> x(ParameterLayout::flat(2));
  auto opt = sgd();
  try {
    train(f, x, *opt, TrainOptions<double>{.epochs = 0});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "TrainOptions::epochs = 0 violates epochs >= 1");
  }
}

}  // namespace
}  // namespace descent
