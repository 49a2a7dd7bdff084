// Stop a constant-step stochastic run once its iterates are stationary and their average
// is known precisely enough: the convergence diagnostic and stopping rule of Dhaka,
// Catalina, Andersen, Magnusson, Huggins & Vehtari, "Robust, Accurate Stochastic
// Optimization for Variational Inference" (NeurIPS 2020).
//
// The idea: with a constant step, SGD is a Markov chain whose iterates converge in
// distribution to a cloud around the optimum. MCMC's tools then apply to the trace of
// iterates: split-R-hat tells when the chain has forgotten its start (the transient is
// over), and the Monte Carlo standard error of the average of the later iterates tells
// when that average is precise enough to stop.
//
// Phase 1 (stationarity). Every check_every steps, for five windows W of the latest
// iterates, evenly spaced from min_window to min(0.95 * steps seen, max_window) (rounded
// down to even), compute split-R-hat of each monitored coordinate over the window; take
// the window with the smallest maximum over coordinates. When that maximum is below
// rhat_threshold, the iterates are declared stationary at this step.
//   Split-R-hat of one window (Gelman et al., BDA3 11.4): cut it into halves a, b of n
//   values; W = (s_a^2 + s_b^2) / 2 with unbiased variances, B = n (mean_a - mean_b)^2 / 2,
//   R-hat = sqrt(((n - 1) / n W + B / n) / W). A window with drift has halves with
//   different means: R-hat > 1. A constant window (W = 0, B = 0) has R-hat 1.
// Phase 2 (precision). From the stationarity step on, every iterate x_t (all
// coordinates) enters a uniform average x̄ over n iterates. Every check_every steps, for
// each monitored coordinate j, from its trace since the stationarity step (the last
// min(n, max_window) values): the variance s_j^2 and the integrated autocorrelation time
// tau_j by Geyer's initial monotone sequence estimator (below); then
//   ESS_j = n / tau_j,  MCSE_j = sqrt(s_j^2 tau_j / n).
// Stop (Termination::converged) when min_j ESS_j >= min_ess and
//   max_j MCSE_j <= mcse_absolute + mcse_relative * rms(x̄),
// rms(x̄) = sqrt(mean_i x̄_i^2) over all coordinates: the average's scale.
//   Geyer (1992), "Practical Markov chain Monte Carlo", as in Stan: autocovariances
//   g_k = (1/N) sum_t (x_t - mean)(x_{t+k} - mean), rho_k = g_k / g_0; pair sums
//   P_m = rho_{2m} + rho_{2m+1} are summed while positive (initial positive sequence),
//   each capped at the one before (initial monotone sequence);
//   tau = -1 + 2 sum_m P_m, at least 1 / log10(N) (ESS <= N log10 N, as Stan caps it for
//   antithetic chains). Geyer's sequence, not batch means, because it is what Dhaka et al.
//   use (through Stan's ESS) and it needs no batch size.
//
// Differences from Dhaka et al. (each to bound memory and time for large models):
//  - Monitored coordinates: all of them when the dimension is at most max_monitored,
//    otherwise a fixed random subset of max_monitored coordinates (drawn once from seed).
//    A subset costs max_monitored values per step; random projections <u_j, x> would cost
//    max_monitored passes over all parameters per step and would dilute a drifting
//    coordinate by 1/sqrt(dimension) against the others' noise. The average itself always
//    covers every coordinate. A drift confined to unmonitored coordinates goes unseen:
//    raise max_monitored when that matters.
//  - The trace kept is a ring buffer of the last max_window iterates of the monitored
//    coordinates (Dhaka et al. keep the whole history), so windows are capped there.
//  - The average starts at the stationarity step, not at the start of the window that
//    passed: without the whole history the window's iterates are gone. It also keeps a
//    window whose first half still held the transient (split-R-hat accepts a window whose
//    decay fits in its first few percent, see below) out of the average and out of the
//    MCSE.
//  - MCSE is rechecked every check_every steps (Dhaka et al. grow the interval with the
//    cost of the check; here the check's cost is bounded by max_window).
//
// Cost: per step, max_monitored values copied into the ring buffer and, once stationary,
// one pass over the parameters for the average. Per check: before stationarity five
// windows x max_monitored R-hats, O(max_monitored * max_window); after it, Geyer's
// sequence costs O(N) per lag and ends after a few tau lags, O(N tau) per coordinate
// (N <= max_window), and a check ends at the first coordinate that fails. Memory:
// max_monitored * max_window doubles plus one or two doubles per parameter (the average).
//
// When does it declare stationarity? On SGD with step lr on a quadratic, the slowest mode
// (curvature lambda) contracts by r = 1 - lr lambda per step (kappa = -ln r); from an
// initial error e0 its expected error reaches the stationary noise level s (the
// iterates' standard deviation) at t* = ln(e0^2 / s^2) / (2 kappa): the step where the
// error stops improving. A pure exponential decay spread over the first half of a window
// of 2n steps gives split-R-hat^2 ~ 1 + 2 / (n kappa - 2), below rhat_threshold once
// n kappa >= 2 + 2 / (rhat_threshold^2 - 1); the largest window (0.95 k) reaches that at
//   K = 2 (2 + 2 / (rhat_threshold^2 - 1)) / (0.95 kappa)   (about 24 / kappa at 1.1).
// So stationarity is declared near max(t*, K), rounded up to check_every, never before
// about t* / 2 (the drift still dominates the noise there). With the default threshold
// that is within a factor 24 / ln(e0 / s) of t* when e0 / s is below e^24. Then the stop
// comes after about tau max(min_ess, (s / tolerance)^2) more steps, tau = (2 - lr lambda)
// / (lr lambda); Geyer's estimate of tau from N iterates has a relative spread of about
// sqrt(2 (2M + 1) / N) with M ~ 2 tau lags (Sokal 1997), ~0.6 at ESS 25, which is how
// far the stop can move around that prediction. tests/loop/stationarity_stop_test.cpp
// checks both on a noisy quadratic.
//
// write_back: when the loop stops and any iterate has been averaged, the average is copied
// into the parameters (the run stopped by this rule, or by max_steps after stationarity),
// and the Summary's final value and gradient norm are evaluated there.
// Neither the trace nor the average is part of checkpoints: a resumed run starts over.
//
//   descent::StationarityStopOptions stop{.rhat_threshold = 1.1, .mcse_relative = 1e-3};
//   options.callbacks.push_back(std::make_shared<descent::StationarityStop<double>>(stop));
//   auto summary = descent::minimize(objective, x, *descent::sgd({.lr = descent::constant(0.01)}), options);
//   // summary.termination == converged: x is the average of the stationary iterates.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/loop/callback.hpp"
#include "descent/loop/callbacks/iterate_averaging.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

// Split-R-hat of one trace (formula above). An odd-length trace drops its first value.
// Throws ConfigError for fewer than 4 values (halves of at least 2).
double split_rhat(std::span<const double> trace);

// Integrated autocorrelation time tau by Geyer's initial monotone sequence (formula
// above): ESS = trace.size() / tau. A constant trace gives 1. Throws ConfigError for
// fewer than 2 values.
double autocorrelation_time(std::span<const double> trace);

struct StationarityStopOptions {
  static constexpr const char* kName = "StationarityStopOptions";
  double rhat_threshold = 1.1;      // stationary when max_j split-R-hat_j < rhat_threshold; > 1
  std::int64_t min_window = 200;    // smallest window W of iterates for R-hat (Dhaka's W_min); >= 8
  std::int64_t max_window = 2048;   // iterates kept per monitored coordinate; >= min_window
  std::int64_t check_every = 200;   // steps between checks (Dhaka's k_check = W_min); >= 1
  double mcse_relative = 0.01;      // stop when max_j MCSE_j <= mcse_absolute + mcse_relative * rms(x̄); >= 0
  double mcse_absolute = 0;         // >= 0; mcse_relative + mcse_absolute > 0
  double min_ess = 25;              // and min_j ESS_j >= min_ess (Dhaka's W_min / 8); >= 1
  std::int64_t max_monitored = 64;  // coordinates whose trace is kept; >= 1
  std::int64_t seed = 0;            // draws the monitored subset when dimension > max_monitored; >= 0
  bool write_back = true;           // copy the average into the parameters when the loop stops
  static const std::vector<Field<StationarityStopOptions>>& fields();
  // Throws ConfigError "StationarityStopOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
class StationarityStop final : public Callback<T> {
 public:
  explicit StationarityStop(StationarityStopOptions options = {});

  void on_start(const LoopView<T>& loop) override;
  std::optional<Stop> after_update(const StepReport<T>& report, const LoopView<T>& loop) override;
  // The trace of the monitored coordinates, the stationary phase found so far and its
  // average, so that a resumed run tests the same iterates.
  std::string state_name() const override { return "stationarity_stop"; }
  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;
  bool finalize(const LoopView<T>& loop) override;

  bool stationary() const noexcept { return stationary_since_ >= 0; }
  // The step at which stationarity was declared (its iterate is the first averaged); -1 before.
  std::int64_t stationary_since() const noexcept { return stationary_since_; }
  // The window that passed the R-hat test.
  std::int64_t stationary_window() const noexcept { return stationary_window_; }
  // From the latest check: the smallest over windows of the largest R-hat over coordinates;
  // after stationarity, the tolerance MCSE was held to, and the largest MCSE and smallest
  // ESS over the coordinates examined (a check ends at the first coordinate that fails,
  // so these describe that coordinate and those that passed before it; all of them when
  // the rule stops).
  double last_rhat() const noexcept { return last_rhat_; }
  double last_mcse() const noexcept { return last_mcse_; }
  double last_ess() const noexcept { return last_ess_; }
  double last_tolerance() const noexcept { return last_tolerance_; }
  // The monitored coordinates, ascending.
  std::span<const std::size_t> monitored() const noexcept { return monitored_; }
  // The average of the iterates since stationarity; empty before.
  std::span<const T> average() const;
  std::int64_t count() const noexcept { return average_.count(); }
  const StationarityStopOptions& options() const noexcept { return options_; }

 private:
  void choose_monitored(std::size_t dimension);
  void record(std::span<const T> x);
  // Copies the last `length` values of monitored coordinate j into scratch_, oldest first.
  std::span<const double> latest(std::size_t j, std::size_t length);
  bool check_stationarity();
  std::optional<Stop> check_precision();

  StationarityStopOptions options_;
  std::vector<std::size_t> monitored_;
  AlignedBuffer<double> trace_;    // monitored_.size() rows of max_window values (ring buffers)
  AlignedBuffer<double> scratch_;  // one window, contiguous
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;   // ring position the next iterate goes to
  std::int64_t seen_ = 0;  // iterates recorded since on_start
  std::int64_t stationary_since_ = -1;
  std::int64_t stationary_window_ = 0;
  double last_rhat_ = 0;
  double last_mcse_ = 0;
  double last_ess_ = 0;
  double last_tolerance_ = 0;
  std::size_t first_to_check_ = 0;  // the coordinate that failed the last precision check
  RunningAverage<T> average_;
  mutable AlignedBuffer<T> average_out_;
  mutable bool average_stale_ = true;
};

}  // namespace descent
