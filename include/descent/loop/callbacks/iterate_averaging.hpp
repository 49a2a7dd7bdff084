// Iterate averaging: the loop returns an average of the iterates instead of the last one.
// With a constant step, SGD's iterates do not converge; they settle into a cloud around
// the minimizer whose width scales with the step and the gradient noise. Their average
// has the noise averaged out: on a quadratic its error shrinks like 1/sqrt(number
// averaged) while the last iterate's stays at the cloud's width.
//
// x_t are the parameters after t updates (x_0 the starting point). The three kinds:
//   polyak       x̄ = mean of x_t for start_step < t <= T (Polyak & Juditsky 1992,
//                Ruppert 1988): every iterate after start_step, equal weights;
//   tail         x̄ = mean of x_t for s < t <= T with s = ceil((1 - tail_fraction) * max_steps):
//                the last tail_fraction of the run's step budget (suffix averaging,
//                Rakhlin, Shamir & Sridharan 2012), so the transient from x_0 is left out;
//   exponential  x̄ = sum_k decay^(n-k) x_{s+k} / sum_k decay^(n-k), k = 1..n (an EMA with
//                the bias of a zero start corrected, as Adam corrects its moments), for
//                t > start_step: about (1 + decay) / (1 - decay) iterates' worth of weight.
// T is the number of updates applied when the run ends (max_steps, or earlier if a
// callback stopped it). When the run ends before the average starts, average() is empty
// and nothing is written back: the parameters are the last iterate.
//
// Accuracy: uniform sums are kept in double; for double parameters with a Kahan
// compensation term, so the sum is exact to a few units in the last place whatever the
// number of steps (error <= 2 eps sum |x_t| instead of T eps sum |x_t|); float iterates
// summed in double lose at most T * 2^-53 relative, below float's 2^-24 for T < 2^28.
// The exponential average is kept as a running weighted mean m += (x - m) / W_n in
// double, whose rounding errors are damped by decay each step (bounded by about
// eps / (1 - decay)).
//
// Cost: one pass over the parameters per averaged step (threaded over tiles like the
// transforms); memory: one double per parameter (two for double polyak/tail), plus one T
// per parameter for average(). Nothing is allocated after on_start.
//
// write_back: when the loop stops (Callback::finalize) the average is copied into the
// parameters, so minimize() leaves the averaged iterate in `params`, its Summary's
// final_value and final_gradient_norm are evaluated there, and the final checkpoint holds
// it. The average is not part of checkpoints: a resumed run starts a new average.
//
//   auto averaging = std::make_shared<descent::IterateAveraging<double>>(
//       descent::IterateAveragingOptions{.kind = descent::AveragingKind::tail, .tail_fraction = 0.5});
//   options.callbacks.push_back(averaging);
//   descent::minimize(objective, x, *sgd, options);  // x is now the average of the last half
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/loop/callback.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

enum class AveragingKind { polyak, tail, exponential };

std::string to_string(AveragingKind kind);

struct IterateAveragingOptions {
  static constexpr const char* kName = "IterateAveragingOptions";
  AveragingKind kind = AveragingKind::polyak;
  std::int64_t start_step = 0;  // polyak, exponential: average x_t for t > start_step; >= 0
  double tail_fraction = 0.2;   // tail: average the last tail_fraction of max_steps; 0 < tail_fraction <= 1
  double decay = 0.999;         // exponential: x̄ weights x_{t-j} by decay^j; 0 < decay < 1
  bool write_back = true;       // copy the average into the parameters when the loop stops
  // The numeric fields (kind is checked by validate()).
  static const std::vector<Field<IterateAveragingOptions>>& fields();
  // Throws ConfigError "IterateAveragingOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

// A running average of vectors, uniform or exponentially weighted, accumulated in double.
// The building block of IterateAveraging and StationarityStop; usable on its own.
template <class T>
class RunningAverage {
 public:
  // Sizes the buffers for vectors of `size` and empties the average. decay = 1: uniform
  // weights; 0 < decay < 1: weights decay^(n-k).
  void reset(std::size_t size, double decay = 1.0);
  void add(std::span<const T> x);
  // Writes the average into `out` (out.size() == size()); all zeros while count() == 0.
  void write(std::span<T> out) const;
  // The average of coordinate i, in double.
  double at(std::size_t i) const;
  std::int64_t count() const noexcept { return count_; }
  std::size_t size() const noexcept { return sum_.size(); }
  // The accumulated sums, for checkpoints; load requires the same size and decay as reset gave.
  void save(BinaryWriter& out) const;
  void load(BinaryReader& in);

 private:
  double decay_ = 1.0;
  std::int64_t count_ = 0;
  double weight_ = 0;            // sum of the weights (count_ when decay is 1)
  AlignedBuffer<double> sum_;    // uniform: sum of x; exponential: the weighted mean itself
  AlignedBuffer<double> carry_;  // uniform double: Kahan compensation (empty otherwise)
};

template <class T>
class IterateAveraging final : public Callback<T> {
 public:
  explicit IterateAveraging(IterateAveragingOptions options = {});

  void on_start(const LoopView<T>& loop) override;
  std::optional<Stop> after_update(const StepReport<T>& report, const LoopView<T>& loop) override;
  bool finalize(const LoopView<T>& loop) override;
  // The running average, so that a resumed run averages the same iterates.
  std::string state_name() const override;
  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

  // The mean of the averaged iterates; empty while none has been averaged. The span
  // stays valid until the next on_start.
  std::span<const T> average() const;
  // Iterates in the average.
  std::int64_t count() const noexcept { return accumulator_.count(); }
  // The first step whose iterate is averaged: x_t is averaged for t >= first_step().
  std::int64_t first_step() const noexcept { return first_step_; }
  const IterateAveragingOptions& options() const noexcept { return options_; }

 private:
  IterateAveragingOptions options_;
  std::int64_t first_step_ = 0;
  RunningAverage<T> accumulator_;
  mutable AlignedBuffer<T> average_;  // filled from the accumulator on demand
  mutable bool average_stale_ = true;
};

}  // namespace descent
