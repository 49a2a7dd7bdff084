#include "descent/distributed/straggler_simulator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "descent/core/error.hpp"

namespace descent {

const std::vector<std::string>& StragglerOptions::delay_choices() {
  static const std::vector<std::string> c = {"none", "exponential", "pareto"};
  return c;
}

const std::vector<Field<StragglerOptions>>& StragglerOptions::fields() {
  using O = StragglerOptions;
  static const std::vector<Field<O>> f = {
      {"unit_time", &O::unit_time, Range::non_negative(), "a worker's compute time per partition it stores"},
      {"delay", &O::delay, Range::any(),
       "each worker's extra delay per step: none, exponential (mean delay_mean) or pareto (mean delay_mean, shape "
       "pareto_shape)",
       &delay_choices()},
      {"delay_mean", &O::delay_mean, Range::non_negative(), "the delay's mean"},
      {"pareto_shape", &O::pareto_shape, Range{1, std::numeric_limits<double>::infinity(), true, true},
       "alpha of the pareto delay, P(D > t) = (x_m / t)^alpha; alpha <= 2: infinite variance"},
      {"drop_probability", &O::drop_probability, Range::unit_closed_open(),
       "probability that a worker never answers in a step"},
      {"timeout", &O::timeout, Range::non_negative(),
       "answers after it are lost and the step restarts when too few came (0: wait forever)"}};
  return f;
}

void StragglerOptions::validate() const {
  descent::validate(*this);
  if (drop_probability > 0)
    require(timeout > 0, kName, "timeout", timeout,
            "timeout > 0 when drop_probability > 0 (a dropped worker would be waited for forever)");
}

StragglerSimulator::StragglerSimulator(StragglerOptions options, std::size_t workers, std::uint64_t seed)
    : options_(std::move(options)), workers_(workers), random_(seed, Stream::user, kStragglerSubstream) {
  options_.validate();
  if (workers_ == 0) throw ConfigError("StragglerSimulator: workers = 0 violates workers >= 1");
}

StragglerRound StragglerSimulator::collect(std::span<const double> finish, std::size_t needed, double timeout) {
  if (needed == 0 || needed > finish.size())
    throw MismatchError("StragglerSimulator: needs " + std::to_string(needed) + " answers of " +
                        std::to_string(finish.size()) + " workers (1 <= needed <= workers)");
  StragglerRound round;
  round.finish.assign(finish.begin(), finish.end());
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < finish.size(); ++i)
    if (std::isfinite(finish[i]) && (timeout <= 0 || finish[i] <= timeout)) order.push_back(i);
  // Arrival order; equal times in index order, so that a deterministic pattern has one answer.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return finish[a] < finish[b]; });
  round.complete = order.size() >= needed;
  if (round.complete) {
    order.resize(needed);
    round.time = finish[order.back()];
  } else {
    round.time = timeout > 0 ? timeout : std::numeric_limits<double>::infinity();
  }
  round.responders = std::move(order);
  return round;
}

StragglerRound StragglerSimulator::round(std::span<const double> loads, std::size_t needed) {
  if (loads.size() != workers_)
    throw MismatchError("StragglerSimulator: " + std::to_string(loads.size()) + " loads for " +
                        std::to_string(workers_) + " workers");
  std::vector<double> finish(workers_);
  const double alpha = options_.pareto_shape;
  const double scale = options_.delay_mean * (alpha - 1) / alpha;  // x_m: E[D] = x_m alpha / (alpha - 1)
  for (std::size_t i = 0; i < workers_; ++i) {
    if (!(loads[i] >= 0)) throw MismatchError("StragglerSimulator: load " + format_number(loads[i]) + " is negative");
    const bool dropped = random_.uniform() < options_.drop_probability;
    const double u = random_.uniform_open_zero();  // (0, 1]: safe for log and the negative power
    double delay = 0;
    if (options_.delay == "exponential") {
      delay = -options_.delay_mean * std::log(u);
    } else if (options_.delay == "pareto") {
      delay = scale * std::pow(u, -1 / alpha);
    }
    finish[i] = dropped ? std::numeric_limits<double>::infinity() : options_.unit_time * loads[i] + delay;
  }
  return collect(finish, needed, options_.timeout);
}

StragglerStep StragglerSimulator::step(std::span<const double> loads, std::size_t needed) {
  StragglerStep step;
  while (step.attempts < kMaxStragglerAttempts) {
    StragglerRound r = round(loads, needed);
    ++step.attempts;
    step.time += r.time;
    if (r.complete) {
      step.responders = std::move(r.responders);
      return step;
    }
    if (!(options_.timeout > 0))
      throw Error("StragglerSimulator: fewer than " + std::to_string(needed) +
                  " workers answered and there is no timeout to restart the step");
  }
  throw Error("StragglerSimulator: " + std::to_string(kMaxStragglerAttempts) + " attempts without " +
              std::to_string(needed) + " answers by the timeout " + format_number(options_.timeout) +
              " (drop_probability " + format_number(options_.drop_probability) + " is too high for " +
              std::to_string(workers_) + " workers)");
}

}  // namespace descent
