// A simulated cluster's clock, for comparing gradient codes with waiting for everyone
// without a cluster. Per step, worker i finishes at
//   t_i = unit_time * load_i + D_i,
// load_i its work in partitions (s + 1 under a gradient code, 1 without), D_i a delay drawn
// afresh per worker per step:
//   none         D = 0;
//   exponential  D ~ Exp with mean delay_mean (the memoryless straggler of the coded-computing
//                literature: t is a shifted exponential);
//   pareto       D ~ Pareto(x_m, alpha = pareto_shape) with x_m = delay_mean (alpha - 1) / alpha,
//                so that its mean is delay_mean too; P(D > t) = (x_m / t)^alpha, a heavy tail
//                (infinite variance for alpha <= 2);
// and with probability drop_probability the worker never answers (t_i = +inf). The master
// needs `needed` answers (n - s for a code, n without one): the step ends at the needed-th
// smallest t_i. Answers later than `timeout` (when > 0) are lost; when fewer than `needed`
// arrive by then, the master gives up on the attempt at `timeout` and starts the step again
// with fresh draws (the time of failed attempts counts). Without a timeout such a step could
// never end, so the simulator throws instead.
// Expected step times (no drops, exponential delays of mean mu, equal loads L): the needed-th
// of n i.i.d. exponentials has mean mu (H_n - H_{n-needed}) (Renyi's representation, H_m the
// harmonic numbers), so
//   uncoded (load 1, needed n):         unit_time + mu H_n,
//   coded (load s + 1, needed n - s):   (s + 1) unit_time + mu (H_n - H_s).
// Coding wins when s unit_time < mu H_s: when the tail of the delays is worth more than the
// extra s partitions of work.
// Randomness: Random(seed, Stream::user, kStragglerSubstream); each worker uses four 32-bit
// draws per attempt (one uniform for the drop, one for the delay) whatever the options, so the
// stream's position after a step depends only on the number of attempts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

inline constexpr std::uint32_t kStragglerSubstream = 0x7374;  // "st"
// Attempts of one step before step() gives up (each fails with probability < 1).
inline constexpr std::int64_t kMaxStragglerAttempts = 10000;

struct StragglerOptions {
  static constexpr const char* kName = "StragglerOptions";
  double unit_time = 1;               // compute time per partition of load, >= 0
  std::string delay = "exponential";  // none, exponential or pareto
  double delay_mean = 1;              // mean of D, >= 0
  double pareto_shape = 1.5;          // alpha > 1 (a finite mean)
  double drop_probability = 0;        // in [0, 1): the worker never answers
  double timeout = 0;                 // > 0: answers after it are lost, the step restarts; 0: none
  static const std::vector<std::string>& delay_choices();
  static const std::vector<Field<StragglerOptions>>& fields();
  // Throws ConfigError naming the field; drop_probability > 0 needs a timeout > 0.
  void validate() const;
};

// One attempt: who answered, in order of arrival, and what it cost.
struct StragglerRound {
  std::vector<double> finish;           // t_i per worker (+inf: dropped)
  std::vector<std::size_t> responders;  // the first `needed` by finishing time (ties: lower index)
  double time = 0;                      // the needed-th finish, or the timeout when incomplete
  bool complete = false;                // `needed` answers arrived (by the timeout)
};

// A whole step: the attempts it took until one was complete.
struct StragglerStep {
  std::vector<std::size_t> responders;  // the complete attempt's, in order of arrival
  double time = 0;                      // all attempts' time together
  std::int64_t attempts = 0;            // >= 1
};

class StragglerSimulator {
 public:
  // Throws ConfigError for invalid options or workers = 0.
  StragglerSimulator(StragglerOptions options, std::size_t workers, std::uint64_t seed = 0);

  // The master's view of finish times it is given (no randomness): the first `needed`
  // answers by `timeout` (<= 0: none). MismatchError for needed = 0 or > finish.size().
  static StragglerRound collect(std::span<const double> finish, std::size_t needed, double timeout);

  // One attempt with fresh delays: loads has one entry per worker (partitions of work, >= 0).
  StragglerRound round(std::span<const double> loads, std::size_t needed);
  // Attempts until one is complete; Error after kMaxStragglerAttempts (and at once when a
  // step cannot complete: drops without a timeout are excluded by validate()).
  StragglerStep step(std::span<const double> loads, std::size_t needed);

  std::size_t workers() const noexcept { return workers_; }
  const StragglerOptions& options() const noexcept { return options_; }
  // The delay stream's position (the whole state).
  std::uint64_t position() const noexcept { return random_.position(); }
  void seek(std::uint64_t position) noexcept { random_.seek(position); }

 private:
  StragglerOptions options_;
  std::size_t workers_;
  Random random_;
};

}  // namespace descent
