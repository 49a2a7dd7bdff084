// Epoch-based training on a finite sum (a model over a dataset): minimize() with a
// minibatch estimator, plus what people expect of a training run — a record per epoch
// (mean training loss, held-out loss and accuracy, time, samples/s), a progress display,
// a checkpoint per epoch, and resume.
//
// train() knows nothing about models: held-out evaluation is a function passed in
// (model/evaluate.hpp provides it for the built-in classifiers).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "descent/estimator/sampler.hpp"
#include "descent/loop/minimize.hpp"

namespace descent {

struct HeldOutEvaluation {
  double loss = 0;
  double accuracy = 0;  // NaN for regression
};

struct EpochRecord {
  std::int64_t epoch = 0;         // 1-based
  std::int64_t step = 0;          // updates applied at the end of the epoch
  double train_loss = 0;          // mean of the minibatch losses seen during the epoch, weighted by batch size
  double test_loss = 0;           // NaN without an evaluation set
  double test_accuracy = 0;       // NaN without an evaluation set
  double epoch_seconds = 0;       // wall time of the epoch, evaluation excluded
  double elapsed_seconds = 0;     // wall time since the job started (resumed runs included)
  double samples_per_second = 0;  // per-sample gradients per second during the epoch
  double data_passes = 0;         // per-sample gradients so far / n, resumed runs included (snapshots count)
  double objective = 0;           // f(x) over all samples at the epoch's end (TrainOptions::full_objective), or NaN
  // Epochs done at this record: `epoch` at an epoch's end, 0 for the start
  // (TrainOptions::record_start), fractional for the evaluations inside an epoch
  // (TrainOptions::evaluations_per_epoch), whose `epoch` is the one in progress.
  double progress = 0;
};

enum class Sampling { shuffle, replacement, poisson };

template <class T>
struct TrainOptions {
  std::int64_t epochs = 10;      // >= 1
  std::size_t batch_size = 128;  // >= 1; for Poisson sampling the expected size (q = batch / n)
  Sampling sampling = Sampling::shuffle;
  std::uint64_t seed = 0;  // sampling stream
  // The gradient estimator (null: minibatches of batch_size drawn by `sampling`). An epoch
  // is still steps_per_epoch(sampling, n, batch_size) updates, so give it the estimator's
  // own batch size to make an epoch one pass of fresh samples; an estimator that reports
  // Estimator::samples_per_step (DP-SGD) sets the epoch's length itself.
  EstimatorPtr<T> estimator;
  // Evaluate f(x) over all samples at each epoch's end (EpochRecord::objective): a pass that
  // the data_passes do not count. Variance-reduced methods are judged by it, since their
  // minibatch losses are as noisy as SGD's even when f(x) has converged.
  bool full_objective = false;
  std::function<HeldOutEvaluation(std::span<const T>)> evaluate;  // held-out evaluation, called after each epoch
  // Begin the history with a record of the starting point (epoch 0, step 0): f(x0) over all
  // samples as its train_loss and objective, and the held-out evaluation at x0. Curves then
  // start where every run starts. Not for a resumed run (it has no step 0).
  bool record_start = false;
  // Records per epoch (>= 1): with k > 1 the history also holds k - 1 records inside each
  // epoch, after round(j * steps / k) of its steps (j = 1..k-1), with the held-out
  // evaluation and f(x) (full_objective) at that point and the mean minibatch loss since
  // the previous record as train_loss. The epoch's own record keeps the whole epoch's mean.
  std::int64_t evaluations_per_epoch = 1;
  std::vector<std::shared_ptr<Callback<T>>> callbacks;  // extra callbacks (loggers...)
  std::function<void(const EpochRecord&)> on_epoch;     // called with each record as it is made
  std::string checkpoint;   // checkpoint file written after every epoch and at the end ("" = none)
  std::string resume_from;  // checkpoint to continue from
  bool progress = true;     // progress bar on a TTY (stderr); plain epoch lines otherwise
  bool quiet = false;       // no output at all
  const std::atomic<bool>* interrupt = nullptr;
};

template <class T>
struct TrainResult {
  Summary<T> summary;
  std::vector<EpochRecord> history;  // epochs completed by this call
};

template <class T>
TrainResult<T> train(const FiniteSum<T>& objective, Parameters<T>& params, const Transform& transform,
                     const TrainOptions<T>& options);

// Updates per epoch for a sampling scheme over n samples.
std::int64_t steps_per_epoch(Sampling sampling, std::size_t n, std::size_t batch_size);

}  // namespace descent
