#include "descent/loop/train.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "descent/core/error.hpp"
#include "descent/estimator/minibatch.hpp"
#include "descent/loop/callbacks/checkpointer.hpp"

namespace descent {

std::int64_t steps_per_epoch(Sampling sampling, std::size_t n, std::size_t batch_size) {
  if (n == 0) return 1;
  if (sampling == Sampling::shuffle) return static_cast<std::int64_t>((n + batch_size - 1) / batch_size);
  // With replacement or Poisson sampling an "epoch" is n samples in expectation.
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(double(n) / double(batch_size))));
}

namespace {

using Clock = std::chrono::steady_clock;

// Turns steps into epochs: accumulates the training loss, evaluates at each epoch's end,
// and shows progress.
template <class T>
class EpochTracker final : public Callback<T> {
 public:
  EpochTracker(const TrainOptions<T>& options, std::int64_t steps_per_epoch, std::size_t num_samples,
               std::vector<EpochRecord>& history)
      : options_(options), steps_per_epoch_(steps_per_epoch), num_samples_(num_samples), history_(history) {
    tty_ = options.progress && !options.quiet && ::isatty(STDERR_FILENO) == 1;
    // The steps into an epoch after which an intermediate record is made.
    const std::int64_t k = std::min(options.evaluations_per_epoch, steps_per_epoch);
    for (std::int64_t j = 1; j < k; ++j) {
      const auto at = static_cast<std::int64_t>(std::llround(double(j) * double(steps_per_epoch) / double(k)));
      if (at > 0 && at < steps_per_epoch && (inner_.empty() || inner_.back() != at)) inner_.push_back(at);
    }
  }

  // The running sums of the epoch in progress: a run resumed from a checkpoint written
  // mid-epoch (Ctrl-C) reports the whole epoch's loss, not only the batches after it.
  std::string state_name() const override { return "epoch_loss"; }
  void save_state(BinaryWriter& out) const override {
    out.f64(loss_sum_);
    out.i64(loss_samples_);
    out.f64(interval_sum_);
    out.i64(interval_samples_);
  }
  void load_state(BinaryReader& in) override {
    loss_sum_ = in.f64("the epoch's loss sum");
    loss_samples_ = in.i64("the epoch's loss samples");
    interval_sum_ = in.f64("the interval's loss sum");
    interval_samples_ = in.i64("the interval's loss samples");
    if (loss_samples_ < 0 || interval_samples_ < 0) in.fail("negative sample count in the epoch's loss");
  }

  void on_start(const LoopView<T>& loop) override {
    loss_sum_ = 0;
    loss_samples_ = 0;
    interval_sum_ = 0;
    interval_samples_ = 0;
    epoch_start_ = Clock::now();
    // A resumed run starts from the checkpoint's counters (loaded before on_start).
    epoch_samples_start_ = last_samples_ = loop.counters.sample_gradients;
    last_draw_ = Clock::now();
    if (options_.record_start && loop.counters.step == 0) {
      EpochRecord record;
      record.train_loss = record.objective = double(loop.objective.value(loop.params.flat()));
      record.test_loss = record.test_accuracy = NAN;
      if (options_.evaluate) {
        const HeldOutEvaluation e = options_.evaluate(std::span<const T>(loop.params.flat()));
        record.test_loss = e.loss;
        record.test_accuracy = e.accuracy;
      }
      if (!options_.full_objective) record.objective = NAN;  // the column stays what the epochs fill
      history_.push_back(record);
      if (options_.on_epoch) options_.on_epoch(record);
    }
  }

  // The epoch clock starts at the first estimate of the epoch, so that the evaluation and
  // checkpoint written at the end of the previous epoch are not counted as training time.
  std::optional<Stop> before_update(const StepReport<T>&, const LoopView<T>&) override {
    if (restart_clock_) {
      epoch_start_ = Clock::now();
      restart_clock_ = false;
    }
    return std::nullopt;
  }

  std::optional<Stop> after_update(const StepReport<T>& r, const LoopView<T>& loop) override {
    // Minibatch losses are weighted by their batch sizes (a Poisson batch varies). Other
    // estimators' sample counts include snapshot passes, so each step counts once.
    const std::int64_t batch = options_.estimator ? 1 : r.sample_gradients - last_samples_;
    last_samples_ = r.sample_gradients;
    loss_sum_ += static_cast<double>(r.value) * static_cast<double>(batch);
    loss_samples_ += batch;
    interval_sum_ += static_cast<double>(r.value) * static_cast<double>(batch);
    interval_samples_ += batch;
    const std::int64_t into_epoch = r.step % steps_per_epoch_;
    if (into_epoch != 0 && std::binary_search(inner_.begin(), inner_.end(), into_epoch)) {
      EpochRecord record;
      record.epoch = r.step / steps_per_epoch_ + 1;  // the epoch in progress
      record.step = r.step;
      record.progress = double(r.step) / double(steps_per_epoch_);
      record.train_loss = interval_samples_ > 0 ? interval_sum_ / double(interval_samples_) : NAN;
      record.epoch_seconds = std::chrono::duration<double>(Clock::now() - epoch_start_).count();
      record.data_passes = double(r.sample_gradients) / double(num_samples_);
      record.objective = options_.full_objective ? double(loop.objective.value(loop.params.flat())) : NAN;
      record.test_loss = record.test_accuracy = NAN;
      if (options_.evaluate) {
        const HeldOutEvaluation e = options_.evaluate(std::span<const T>(loop.params.flat()));
        record.test_loss = e.loss;
        record.test_accuracy = e.accuracy;
      }
      record.elapsed_seconds = r.elapsed_s;
      history_.push_back(record);
      if (options_.on_epoch) options_.on_epoch(record);
      interval_sum_ = 0;
      interval_samples_ = 0;
    }
    if (into_epoch != 0) {
      if (tty_ && Clock::now() - last_draw_ > std::chrono::milliseconds(100)) draw(r, into_epoch);
      return std::nullopt;
    }
    EpochRecord record;
    record.epoch = r.step / steps_per_epoch_;
    record.step = r.step;
    record.progress = double(record.epoch);
    record.train_loss = loss_samples_ > 0 ? loss_sum_ / double(loss_samples_) : NAN;
    record.epoch_seconds = std::chrono::duration<double>(Clock::now() - epoch_start_).count();
    record.samples_per_second =
        double(r.sample_gradients - epoch_samples_start_) / std::max(record.epoch_seconds, 1e-9);
    record.data_passes = double(r.sample_gradients) / double(num_samples_);
    record.objective = options_.full_objective ? double(loop.objective.value(loop.params.flat())) : NAN;
    record.test_loss = record.test_accuracy = NAN;
    if (options_.evaluate) {
      const HeldOutEvaluation e = options_.evaluate(std::span<const T>(loop.params.flat()));
      record.test_loss = e.loss;
      record.test_accuracy = e.accuracy;
    }
    record.elapsed_seconds = r.elapsed_s;
    history_.push_back(record);
    if (!options_.quiet) print(record);
    if (options_.on_epoch) options_.on_epoch(record);
    loss_sum_ = 0;
    loss_samples_ = 0;
    interval_sum_ = 0;
    interval_samples_ = 0;
    restart_clock_ = true;
    epoch_samples_start_ = r.sample_gradients;
    return std::nullopt;
  }

 private:
  void draw(const StepReport<T>& r, std::int64_t into_epoch) {
    last_draw_ = Clock::now();
    const double seconds = std::chrono::duration<double>(last_draw_ - epoch_start_).count();
    const double rate = double(r.sample_gradients - epoch_samples_start_) / std::max(seconds, 1e-9);
    const double frac = double(into_epoch) / double(steps_per_epoch_);
    const double eta = seconds / std::max(frac, 1e-9) * (1 - frac);
    constexpr int kWidth = 24;
    std::string bar(static_cast<std::size_t>(frac * kWidth), '=');
    bar.resize(kWidth, ' ');
    std::fprintf(stderr, "\repoch %lld/%lld [%s] loss %.4f  %.0f samples/s  ETA %02d:%02d ",
                 static_cast<long long>(r.step / steps_per_epoch_ + 1), static_cast<long long>(options_.epochs),
                 bar.c_str(), loss_samples_ ? loss_sum_ / double(loss_samples_) : 0.0, rate, int(eta) / 60,
                 int(eta) % 60);
    std::fflush(stderr);
  }

  void print(const EpochRecord& e) const {
    if (tty_) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "epoch %lld/%lld  train loss %.4f", static_cast<long long>(e.epoch),
                 static_cast<long long>(options_.epochs), e.train_loss);
    if (std::isfinite(e.test_loss)) std::fprintf(stderr, "  test loss %.4f", e.test_loss);
    if (std::isfinite(e.test_accuracy)) std::fprintf(stderr, "  test accuracy %.4f", e.test_accuracy);
    if (std::isfinite(e.objective)) std::fprintf(stderr, "  objective %.10g", e.objective);
    std::fprintf(stderr, "  %.2f s  %.0f samples/s\n", e.epoch_seconds, e.samples_per_second);
  }

  const TrainOptions<T>& options_;
  std::int64_t steps_per_epoch_;
  std::size_t num_samples_;
  std::vector<EpochRecord>& history_;
  bool tty_ = false;
  bool restart_clock_ = false;
  double loss_sum_ = 0;
  std::int64_t loss_samples_ = 0, last_samples_ = 0, epoch_samples_start_ = 0;
  double interval_sum_ = 0;  // since the last record (evaluations_per_epoch > 1)
  std::int64_t interval_samples_ = 0;
  std::vector<std::int64_t> inner_;  // steps into an epoch with an intermediate record, increasing
  Clock::time_point epoch_start_, last_draw_;
};

}  // namespace

template <class T>
TrainResult<T> train(const FiniteSum<T>& objective, Parameters<T>& params, const Transform& transform,
                     const TrainOptions<T>& options) {
  require(options.epochs >= 1, "TrainOptions", "epochs", static_cast<double>(options.epochs), "epochs >= 1");
  require(options.batch_size >= 1, "TrainOptions", "batch_size", static_cast<double>(options.batch_size),
          "batch_size >= 1");
  require(options.evaluations_per_epoch >= 1, "TrainOptions", "evaluations_per_epoch",
          static_cast<double>(options.evaluations_per_epoch), "evaluations_per_epoch >= 1");
  const std::size_t n = objective.num_samples();
  if (n == 0) throw MismatchError("train: objective '" + objective.name() + "' has no samples");
  SamplerPtr sampler;
  switch (options.sampling) {
    case Sampling::shuffle:
      sampler = shuffle_sampler(options.batch_size, options.seed);
      break;
    case Sampling::replacement:
      sampler = replacement_sampler(options.batch_size, options.seed);
      break;
    case Sampling::poisson:
      sampler = poisson_sampler(std::min(1.0, double(options.batch_size) / double(n)), options.seed);
      break;
  }
  std::int64_t per_epoch = steps_per_epoch(options.sampling, n, options.batch_size);
  // An estimator that fixes its own batch (DP-SGD) defines the epoch: n samples in expectation.
  if (options.estimator) {
    if (const std::optional<double> per_step = options.estimator->samples_per_step(n); per_step && *per_step > 0)
      per_epoch = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(double(n) / *per_step)));
  }

  TrainResult<T> result;
  MinimizeOptions<T> minimize_options;
  minimize_options.max_steps = options.epochs * per_epoch;
  minimize_options.estimator = options.estimator ? options.estimator : std::make_shared<Minibatch<T>>(sampler);
  minimize_options.resume_from = options.resume_from;
  minimize_options.interrupt = options.interrupt;
  minimize_options.final_evaluation = false;  // a full pass over the data; the epoch records say more
  auto tracker = std::make_shared<EpochTracker<T>>(options, per_epoch, n, result.history);
  minimize_options.callbacks.push_back(tracker);
  minimize_options.callbacks.insert(minimize_options.callbacks.end(), options.callbacks.begin(),
                                    options.callbacks.end());
  // Last: the checkpoint of a step holds every other callback's state after that step.
  if (!options.checkpoint.empty())
    minimize_options.callbacks.push_back(
        std::make_shared<Checkpointer<T>>(options.checkpoint, CheckpointerOptions{.every = per_epoch}));
  result.summary = minimize(objective, params, transform, minimize_options);
  return result;
}

template TrainResult<float> train<float>(const FiniteSum<float>&, Parameters<float>&, const Transform&,
                                         const TrainOptions<float>&);
template TrainResult<double> train<double>(const FiniteSum<double>&, Parameters<double>&, const Transform&,
                                           const TrainOptions<double>&);

}  // namespace descent
