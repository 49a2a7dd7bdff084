#include "descent/loop/train.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "descent/core/error.hpp"
#include "descent/estimator/minibatch.hpp"
#include "descent/loop/callbacks/iterate_averaging.hpp"
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

// Stops the run after `step` updates, as Ctrl-C would (the checkpoint is written on_end).
template <class T>
class StopAt final : public Callback<T> {
 public:
  explicit StopAt(std::int64_t step) : step_(step) {}
  std::optional<Stop> after_update(const StepReport<T>& r, const LoopView<T>&) override {
    if (r.step == step_) return Stop{Termination::user_stop, "stopped for the test"};
    return std::nullopt;
  }

 private:
  std::int64_t step_;
};

TEST(Train, AResumeMidEpochReportsTheWholeEpochsLossAndKeepsTheAverage) {
  // Stopped in the middle of epoch 2 (step 6 of 4 per epoch) and resumed: epoch 2's loss
  // counts the batches before the stop too, and the Polyak average over steps > 2 and the
  // final parameters are those of a run that never stopped, bit for bit.
  const auto ckpt =
      std::filesystem::temp_directory_path() / ("descent_train_mid_" + std::to_string(::getpid()) + ".ckpt");
  CentresSum<double> f(30, 5);
  auto opt = sgd({.lr = constant(0.1)});
  TrainOptions<double> base{.epochs = 3, .batch_size = 8, .seed = 4, .quiet = true};
  base.callbacks.push_back(std::make_shared<IterateAveraging<double>>(
      IterateAveragingOptions{.kind = AveragingKind::polyak, .start_step = 2}));

  Parameters<double> straight(ParameterLayout::flat(5), 2.0);
  const auto whole = train(f, straight, *opt, base);

  auto first = base;
  first.callbacks = {std::make_shared<IterateAveraging<double>>(
                         IterateAveragingOptions{.kind = AveragingKind::polyak, .start_step = 2}),
                     std::make_shared<StopAt<double>>(6)};
  first.checkpoint = ckpt.string();
  Parameters<double> split(ParameterLayout::flat(5), 2.0);
  const auto before = train(f, split, *opt, first);
  ASSERT_EQ(before.summary.termination, Termination::user_stop);
  ASSERT_EQ(before.history.size(), 1u);

  auto rest = base;
  rest.callbacks = {std::make_shared<IterateAveraging<double>>(
      IterateAveragingOptions{.kind = AveragingKind::polyak, .start_step = 2})};
  rest.resume_from = ckpt.string();
  const auto after = train(f, split, *opt, rest);
  ASSERT_EQ(after.history.size(), 2u);  // epochs 2 and 3
  EXPECT_EQ(after.history[0].epoch, 2);
  EXPECT_EQ(after.history[0].train_loss, whole.history[1].train_loss);
  EXPECT_EQ(after.history[1].train_loss, whole.history[2].train_loss);
  EXPECT_EQ(std::memcmp(split.data(), straight.data(), 5 * sizeof(double)), 0);  // the average, written back

  // A checkpoint written with an averaging callback does not resume a run without one.
  auto bare = base;
  bare.callbacks.clear();
  bare.resume_from = ckpt.string();
  Parameters<double> other(ParameterLayout::flat(5), 2.0);
  try {
    train(f, other, *opt, bare);
    FAIL() << "resumed";
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("holds the state of the callbacks epoch_loss, iterate_averaging, this run "
                                         "has epoch_loss"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove(ckpt);
}

TEST(Train, EvaluationsInsideAnEpochLeaveTheRunAndItsEpochRecordsUnchanged) {
  CentresSum<double> f(64, 3);  // 8 steps of 8 per epoch
  auto opt = sgd({.lr = constant(0.1)});
  TrainOptions<double> plain{.epochs = 2, .batch_size = 8, .seed = 2, .full_objective = true, .quiet = true};
  Parameters<double> a(ParameterLayout::flat(3), 2.0), b(ParameterLayout::flat(3), 2.0);
  const auto once = train(f, a, *opt, plain);
  auto often = plain;
  often.evaluations_per_epoch = 4;
  const auto four = train(f, b, *opt, often);
  ASSERT_EQ(four.history.size(), 8u);  // 3 inside each epoch, then its end
  const double expected[] = {0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2};
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(four.history[i].progress, expected[i]);
    EXPECT_EQ(four.history[i].step, static_cast<std::int64_t>(2 * (i + 1)));
    EXPECT_EQ(four.history[i].epoch, i < 4 ? 1 : 2);
  }
  // The epoch ends are those of the plain run, bit for bit; the parameters too.
  EXPECT_EQ(four.history[3].train_loss, once.history[0].train_loss);
  EXPECT_EQ(four.history[7].objective, once.history[1].objective);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), 3 * sizeof(double)), 0);
  // An intermediate objective is f at that point: it lies between the epoch's ends here
  // (plain SGD from far away decreases f steadily).
  EXPECT_LT(four.history[5].objective, four.history[3].objective);
  EXPECT_GT(four.history[5].objective, four.history[7].objective);
  often.evaluations_per_epoch = 0;
  EXPECT_THROW(train(f, b, *opt, often), ConfigError);
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

// A minibatch estimator that says how many samples a step uses: train() takes the epoch's
// length from it, not from TrainOptions::batch_size.
class FixedBatchEstimator final : public Estimator<double> {
 public:
  explicit FixedBatchEstimator(std::size_t batch)
      : inner_(MinibatchOptions{.batch_size = batch, .seed = 3}), batch_(batch) {}
  std::string spec() const override { return "fixed_batch"; }
  void bind(const Differentiable<double>& f) override { inner_.bind(f); }
  Estimate<double> estimate(const Differentiable<double>& f, std::span<const double> x, std::span<double> d) override {
    return inner_.estimate(f, x, d);
  }
  std::optional<double> samples_per_step(std::size_t) const override { return static_cast<double>(batch_); }
  void save(BinaryWriter& out) const override { inner_.save(out); }
  void load(BinaryReader& in) override { inner_.load(in); }

 private:
  Minibatch<double> inner_;
  std::size_t batch_;
};

TEST(Train, AnEstimatorThatFixesItsBatchSetsTheEpochsLength) {
  CentresSum<double> f(100, 2);
  Parameters<double> x(ParameterLayout::flat(2));
  auto opt = sgd({.lr = constant(0.1)});
  // batch_size 10 would make 10 steps an epoch; the estimator's 25 samples a step make 4.
  TrainOptions<double> options{.epochs = 3, .batch_size = 10, .seed = 2, .quiet = true};
  options.estimator = std::make_shared<FixedBatchEstimator>(25);
  const auto result = train(f, x, *opt, options);
  EXPECT_EQ(result.summary.steps, 3 * 4);
  ASSERT_EQ(result.history.size(), 3u);
  EXPECT_EQ(result.history[0].step, 4);
  EXPECT_EQ(result.summary.sample_gradients, 3 * 100);
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
