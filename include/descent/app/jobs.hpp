// The jobs behind `descent train` and `descent compare`: load the data a JobConfig names,
// build its model, train it with train(), and write what a person wants to look at.
//
// A training job writes into [output].dir:
//   metrics.csv, metrics.jsonl   one record per epoch (loss, held-out loss and accuracy,
//                                time, samples/s), appended to when resuming;
//   checkpoint.bin               after every epoch and when the run stops (Ctrl-C too);
//   summary.json                 the final numbers.
// A comparison writes into [output].dir:
//   report.md                    a table: final train loss, test accuracy, wall time,
//                                time and epochs to reach [compare].target_loss;
//   loss_vs_epoch.svg, loss_vs_seconds.svg, accuracy_vs_epoch.svg;
//   results.json                 every run's epoch records.
#pragma once

#include <atomic>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "descent/app/job_config.hpp"
#include "descent/data/dataset.hpp"
#include "descent/data/preprocess.hpp"
#include "descent/loop/train.hpp"
#include "descent/privacy/accountant.hpp"

namespace descent {

template <class T>
struct JobData {
  Dataset<T> train, test;
  FittedPreprocessing preprocessing;  // fitted on `train` before it was transformed
  std::string description;  // one line: what was loaded, e.g. "Fashion-MNIST: 60000 train, 10000 test, 784 features"
};

// Loads and preprocesses (statistics from the training split only). Throws IoError with
// the missing path and what to do for an absent Fashion-MNIST.
template <class T>
JobData<T> load_job_data(const DataConfig& config);

struct JobControls {
  bool resume = false;  // continue from [output].dir/checkpoint.bin
  bool quiet = false;
  const std::atomic<bool>* interrupt = nullptr;  // Ctrl-C
  // false on the ranks of a distributed run other than rank 0: they train alongside it but
  // write no file (metrics, checkpoint, model, summary) and print nothing.
  bool primary = true;
  // The checkpoint's file name in the output folder, and whether this rank writes it even
  // when it is not the primary: decentralized ranks each keep their own model
  // ("checkpoint.rank<r>.bin"), data-parallel ranks share rank 0's.
  std::string checkpoint_name = "checkpoint.bin";
  bool own_checkpoint = false;
};

// The loss a run is judged by: f(x) over all samples when the job evaluates it
// ([training].full_objective), else the epoch's mean minibatch loss.
inline double judged_loss(const EpochRecord& e) { return std::isfinite(e.objective) ? e.objective : e.train_loss; }

struct RunRecord {
  std::string label;
  std::string optimizer;  // canonical spec
  std::string estimator;  // canonical spec, or how minibatches were drawn
  Termination termination = Termination::max_steps;
  std::string message;
  std::vector<EpochRecord> history;
  double wall_seconds = 0;
  std::size_t repetition = 0;            // compare --seeds: which repetition (0-based)
  std::optional<GaussianSteps> privacy;  // a private estimator's ledger (Estimator::privacy_ledger)
  // false on the ranks of a distributed run other than rank 0 (JobControls::primary): a
  // front end prints nothing for them.
  bool primary = true;
};

// Runs the training job; returns its record. Writes the files listed above.
RunRecord run_train_job(const JobConfig& config, const JobControls& controls = {});

// Runs every optimizer of [compare] from the same initial parameters and seeds, then writes
// the report folder. With [compare].seeds = K, each run K times (repetition s: seeds + s);
// the records come run by run, each run's K repetitions together.
std::vector<RunRecord> run_compare_job(const JobConfig& config, const JobControls& controls = {});

// Writes report.md, the SVG plots and results.json for `runs` into `dir`.
void write_compare_report(const std::string& dir, const JobConfig& config, const std::string& data_description,
                          const std::vector<RunRecord>& runs);

}  // namespace descent
