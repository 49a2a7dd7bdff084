#include "descent/loop/callbacks/stationarity_stop.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"

namespace descent {

namespace {

// The substream of Stream::sampling that draws the monitored coordinates, apart from the
// estimators' batches (substream 0) and loopless SVRG's coin (1).
constexpr std::uint32_t kMonitoredSubstream = 2;

// The five candidate windows of Dhaka et al.: evenly spaced from min_window to upper.
constexpr int kWindowCandidates = 5;

double mean_of(std::span<const double> x) {
  double sum = 0;
  for (double v : x) sum += v;
  return sum / static_cast<double>(x.size());
}

// Unbiased variance around `mean`.
double variance_of(std::span<const double> x, double mean) {
  double sum = 0;
  for (double v : x) sum += (v - mean) * (v - mean);
  return sum / static_cast<double>(x.size() - 1);
}

}  // namespace

double split_rhat(std::span<const double> trace) {
  if (trace.size() < 4)
    throw ConfigError("split_rhat: a trace of " + std::to_string(trace.size()) +
                      " values is too short (at least 4: two halves of 2)");
  const std::size_t n = trace.size() / 2;
  const std::span<const double> window = trace.last(2 * n);  // an odd trace drops its oldest value
  const std::span<const double> a = window.first(n), b = window.last(n);
  const double mean_a = mean_of(a), mean_b = mean_of(b);
  const double within = 0.5 * (variance_of(a, mean_a) + variance_of(b, mean_b));
  // B = n / (M - 1) sum_m (mean_m - mean)^2 with M = 2 halves: n (mean_a - mean_b)^2 / 2.
  const double between = static_cast<double>(n) * 0.5 * (mean_a - mean_b) * (mean_a - mean_b);
  // Each half constant: no spread to compare with; stationary exactly when they agree.
  if (within == 0) return between == 0 ? 1.0 : std::numeric_limits<double>::infinity();
  const double nd = static_cast<double>(n);
  const double pooled = (nd - 1) / nd * within + between / nd;
  return std::sqrt(pooled / within);
}

double autocorrelation_time(std::span<const double> trace) {
  const std::size_t n = trace.size();
  if (n < 2)
    throw ConfigError("autocorrelation_time: a trace of " + std::to_string(n) + " values is too short (at least 2)");
  const double mean = mean_of(trace);
  // g_k with the 1/N (biased) normalization, which keeps the estimated autocovariance
  // sequence positive semidefinite (|rho_k| <= 1).
  auto autocovariance = [&](std::size_t lag) {
    double sum = 0;
    for (std::size_t t = 0; t + lag < n; ++t) sum += (trace[t] - mean) * (trace[t + lag] - mean);
    return sum / static_cast<double>(n);
  };
  const double g0 = autocovariance(0);
  if (!(g0 > 0)) return 1.0;  // constant trace (or NaN, which the caller's comparisons reject)
  double sum = 0;
  double previous = std::numeric_limits<double>::infinity();
  // Lags are computed only as far as the sequence goes: O(N) each, and the positive
  // sequence of a chain with autocorrelation time tau ends after a few tau lags.
  for (std::size_t m = 0; 2 * m + 1 < n; ++m) {
    double pair = (autocovariance(2 * m) + autocovariance(2 * m + 1)) / g0;
    if (!(pair > 0)) break;           // initial positive sequence
    pair = std::min(pair, previous);  // initial monotone sequence
    sum += pair;
    previous = pair;
  }
  const double tau = -1.0 + 2.0 * sum;
  // ESS <= N log10 N (Stan's cap): an antithetic chain has tau < 1, but a tiny estimate
  // from a short trace must not claim a huge ESS. Below 10 values, no gain is claimed.
  const double floor = n >= 10 ? 1.0 / std::log10(static_cast<double>(n)) : 1.0;
  return std::max(tau, floor);
}

// --- options --------------------------------------------------------------------------

const std::vector<Field<StationarityStopOptions>>& StationarityStopOptions::fields() {
  using O = StationarityStopOptions;
  static const std::vector<Field<O>> f = {
      {"rhat_threshold", &O::rhat_threshold, Range{1, std::numeric_limits<double>::infinity(), true, true},
       "stationary when max_j split-R-hat_j < rhat_threshold"},
      {"min_window", &O::min_window, Range::at_least(8), "smallest window of iterates R-hat is computed over"},
      {"max_window", &O::max_window, Range::at_least(8), "iterates kept per monitored coordinate (largest window)"},
      {"check_every", &O::check_every, Range::at_least(1), "steps between R-hat / MCSE checks"},
      {"mcse_relative", &O::mcse_relative, Range::non_negative(),
       "stop when max_j MCSE_j <= mcse_absolute + mcse_relative * rms(average)"},
      {"mcse_absolute", &O::mcse_absolute, Range::non_negative(), "absolute part of the MCSE tolerance"},
      {"min_ess", &O::min_ess, Range::at_least(1), "and min_j ESS_j >= min_ess"},
      {"max_monitored", &O::max_monitored, Range::at_least(1), "coordinates whose trace is kept"},
      {"seed", &O::seed, Range::non_negative(), "draws the monitored coordinates"},
      {"write_back", &O::write_back, Range::any(), "copy the average into the parameters when the run ends"}};
  return f;
}

void StationarityStopOptions::validate() const {
  descent::validate(*this);
  require(max_window >= min_window, kName, "max_window", static_cast<double>(max_window),
          "max_window >= min_window = " + std::to_string(min_window));
  require(mcse_relative + mcse_absolute > 0, kName, "mcse_relative", mcse_relative,
          "mcse_relative + mcse_absolute > 0 (with both 0 the rule could never stop)");
}

// --- the callback ---------------------------------------------------------------------

template <class T>
StationarityStop<T>::StationarityStop(StationarityStopOptions options) : options_(options) {
  options_.validate();
}

template <class T>
void StationarityStop<T>::choose_monitored(std::size_t dimension) {
  const std::size_t m = std::min(dimension, static_cast<std::size_t>(options_.max_monitored));
  monitored_.clear();
  monitored_.reserve(m);
  if (m == dimension) {
    for (std::size_t i = 0; i < dimension; ++i) monitored_.push_back(i);
    return;
  }
  // Floyd's algorithm: m distinct indices, uniformly, in m draws and O(m) memory (a
  // shuffle of all indices would need the dimension's worth).
  Random rng(static_cast<std::uint64_t>(options_.seed), Stream::sampling, kMonitoredSubstream);
  for (std::size_t j = dimension - m; j < dimension; ++j) {
    const auto t = static_cast<std::size_t>(rng.below(j + 1));
    const bool taken = std::find(monitored_.begin(), monitored_.end(), t) != monitored_.end();
    monitored_.push_back(taken ? j : t);
  }
  std::sort(monitored_.begin(), monitored_.end());
}

template <class T>
void StationarityStop<T>::on_start(const LoopView<T>& loop) {
  choose_monitored(loop.params.size());
  capacity_ = static_cast<std::size_t>(options_.max_window);
  const std::size_t trace_size = monitored_.size() * capacity_;
  if (trace_.size() != trace_size) trace_ = AlignedBuffer<double>(trace_size);
  if (scratch_.size() != capacity_) scratch_ = AlignedBuffer<double>(capacity_);
  head_ = 0;
  seen_ = 0;
  stationary_since_ = -1;
  stationary_window_ = 0;
  last_rhat_ = last_mcse_ = last_ess_ = last_tolerance_ = 0;
  first_to_check_ = 0;
  average_.reset(loop.params.size());
  if (average_out_.size() != loop.params.size()) average_out_ = AlignedBuffer<T>(loop.params.size());
  average_stale_ = true;
}

template <class T>
void StationarityStop<T>::save_state(BinaryWriter& out) const {
  out.array(std::span<const std::size_t>(monitored_));
  out.array(std::span<const double>(trace_.data(), trace_.size()));
  out.u64(head_);
  out.i64(seen_);
  out.i64(stationary_since_);
  out.i64(stationary_window_);
  out.f64(last_rhat_);
  out.f64(last_mcse_);
  out.f64(last_ess_);
  out.f64(last_tolerance_);
  out.u64(first_to_check_);
  average_.save(out);
}

template <class T>
void StationarityStop<T>::load_state(BinaryReader& in) {
  // on_start has chosen the monitored coordinates of this run: the saved ones must match.
  std::vector<std::size_t> monitored(monitored_.size());
  in.array_into(std::span<std::size_t>(monitored), "the monitored coordinates");
  if (monitored != monitored_) in.fail("the monitored coordinates differ from this run's");
  in.array_into(trace_.span(), "the trace");
  const std::uint64_t head = in.u64("the trace position");
  if (head >= std::max<std::size_t>(capacity_, 1)) in.fail("trace position " + std::to_string(head) + " out of range");
  head_ = static_cast<std::size_t>(head);
  seen_ = in.i64("the iterates seen");
  stationary_since_ = in.i64("the stationary phase's start");
  stationary_window_ = in.i64("the stationary window");
  last_rhat_ = in.f64("the last R-hat");
  last_mcse_ = in.f64("the last MCSE");
  last_ess_ = in.f64("the last ESS");
  last_tolerance_ = in.f64("the last tolerance");
  const std::uint64_t first = in.u64("the coordinate checked first");
  if (first >= std::max<std::size_t>(monitored_.size(), 1)) in.fail("coordinate index out of range");
  first_to_check_ = static_cast<std::size_t>(first);
  average_.load(in);
  average_stale_ = true;
}

template <class T>
void StationarityStop<T>::record(std::span<const T> x) {
  for (std::size_t j = 0; j < monitored_.size(); ++j)
    trace_[j * capacity_ + head_] = static_cast<double>(x[monitored_[j]]);
  head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
  ++seen_;
}

template <class T>
std::span<const double> StationarityStop<T>::latest(std::size_t j, std::size_t length) {
  const double* row = trace_.data() + j * capacity_;
  // The newest value sits just before head_; the oldest of the last `length` at
  // head_ - length (mod capacity).
  const std::size_t start = (head_ + capacity_ - length) % capacity_;
  const std::size_t first_part = std::min(length, capacity_ - start);
  std::copy_n(row + start, first_part, scratch_.data());
  std::copy_n(row, length - first_part, scratch_.data() + first_part);
  return {scratch_.data(), length};
}

template <class T>
bool StationarityStop<T>::check_stationarity() {
  const auto min_window = static_cast<std::size_t>(options_.min_window);
  // 0.95 of the steps seen: the very first iterates (the starting point) stay out of
  // every window, as in Dhaka et al.
  const std::size_t upper = std::min(static_cast<std::size_t>(0.95 * static_cast<double>(seen_)), capacity_);
  if (upper < min_window) return false;
  double best = std::numeric_limits<double>::infinity();
  std::size_t best_window = 0;
  std::size_t previous = 0;
  for (int c = 0; c < kWindowCandidates; ++c) {
    std::size_t window = min_window + (upper - min_window) * static_cast<std::size_t>(c) / (kWindowCandidates - 1);
    window -= window % 2;
    if (window == previous) continue;  // equal candidates when upper is close to min_window
    previous = window;
    double worst = 0;
    for (std::size_t j = 0; j < monitored_.size() && worst < best; ++j) {
      const double rhat = split_rhat(latest(j, window));
      worst = std::isnan(rhat) ? std::numeric_limits<double>::infinity() : std::max(worst, rhat);
    }
    if (worst < best) {
      best = worst;
      best_window = window;
    }
  }
  last_rhat_ = best;
  if (!(best < options_.rhat_threshold)) return false;
  stationary_window_ = static_cast<std::int64_t>(best_window);
  return true;
}

template <class T>
std::optional<Stop> StationarityStop<T>::check_precision() {
  const std::int64_t n = average_.count();
  const std::size_t length = std::min(static_cast<std::size_t>(n), capacity_);
  if (length < 4) return std::nullopt;  // too few values for a variance and an autocorrelation
  double squares = 0;
  for (std::size_t i = 0; i < average_.size(); ++i) squares += average_.at(i) * average_.at(i);
  const double scale = average_.size() == 0 ? 0.0 : std::sqrt(squares / static_cast<double>(average_.size()));
  last_tolerance_ = options_.mcse_absolute + options_.mcse_relative * scale;
  // Every coordinate must pass, so the check ends at the first that fails, and starts
  // with the one that failed last time (the slowest-mixing coordinate usually fails
  // again): most checks then cost one autocorrelation estimate instead of m.
  double worst_mcse = 0;
  double least_ess = std::numeric_limits<double>::infinity();
  const std::size_t m = monitored_.size();
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t j = (first_to_check_ + k) % m;
    const std::span<const double> trace = latest(j, length);
    const double mean = mean_of(trace);
    const double variance = variance_of(trace, mean);
    const double tau = autocorrelation_time(trace);
    const double mcse = std::sqrt(variance * tau / static_cast<double>(n));
    const double ess = static_cast<double>(n) / tau;
    worst_mcse = std::isnan(mcse) ? std::numeric_limits<double>::infinity() : std::max(worst_mcse, mcse);
    least_ess = std::isnan(ess) ? 0.0 : std::min(least_ess, ess);
    if (!(least_ess >= options_.min_ess && worst_mcse <= last_tolerance_)) {
      first_to_check_ = j;
      break;
    }
  }
  last_mcse_ = worst_mcse;
  last_ess_ = least_ess;
  if (!(least_ess >= options_.min_ess && worst_mcse <= last_tolerance_)) return std::nullopt;
  return Stop{Termination::converged, "stationary since step " + std::to_string(stationary_since_) +
                                          " (split-R-hat < " + format_number(options_.rhat_threshold) +
                                          "); MCSE of the average over " + std::to_string(n) + " iterates " +
                                          format_number(worst_mcse) + " <= " + format_number(last_tolerance_) +
                                          ", ESS >= " + format_number(least_ess)};
}

template <class T>
std::optional<Stop> StationarityStop<T>::after_update(const StepReport<T>& report, const LoopView<T>& loop) {
  const std::span<const T> x = loop.params.flat();
  record(x);
  if (!stationary()) {
    if (seen_ % options_.check_every != 0 || !check_stationarity()) return std::nullopt;
    stationary_since_ = report.step;
  }
  average_.add(x);
  average_stale_ = true;
  if (average_.count() % options_.check_every != 0) return std::nullopt;
  return check_precision();
}

template <class T>
bool StationarityStop<T>::finalize(const LoopView<T>& loop) {
  if (!options_.write_back || average_.count() == 0) return false;
  average_.write(loop.params.flat());
  return true;
}

template <class T>
std::span<const T> StationarityStop<T>::average() const {
  if (average_.count() == 0) return {};
  if (average_stale_) {
    average_.write(average_out_.span());
    average_stale_ = false;
  }
  return average_out_.span();
}

template class StationarityStop<float>;
template class StationarityStop<double>;

}  // namespace descent
