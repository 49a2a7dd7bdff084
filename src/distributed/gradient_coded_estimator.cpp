#include "descent/distributed/gradient_coded_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "../estimator/finite_sum_binding.hpp"
#include "descent/core/error.hpp"
#include "descent/core/size_check.hpp"

namespace descent {

const std::vector<std::string>& GradientCodedOptions::wait_choices() {
  static const std::vector<std::string> c = {"first", "all"};
  return c;
}

const std::vector<Field<GradientCodedOptions>>& GradientCodedOptions::fields() {
  using O = GradientCodedOptions;
  static const std::vector<Field<O>> f = {
      {"workers", &O::workers, Range{1, static_cast<double>(kMaxGradientCodeWorkers), false, false},
       "n: simulated workers, and data partitions per step (k = n)"},
      {"stragglers", &O::stragglers, Range::at_least(0),
       "s < n: workers the master never waits for; each worker computes s + 1 partitions"},
      {"code", &O::code, Range::any(),
       "cyclic (worker i: partitions i..i+s mod n, random null-space code) or fractional (groups of s + 1 "
       "replicate s + 1 partitions; (s + 1) | n)",
       &GradientCodeOptions::code_choices()},
      {"batch_size", &O::batch_size, Range::at_least(0),
       "0: every step codes the full gradient; else shuffled batches of this size"},
      {"wait", &O::wait, Range::any(), "first: decode from the first n - s answers; all: wait for every worker",
       &wait_choices()},
      {"unit_time", &O::unit_time, Range::non_negative(), "simulated compute time per partition"},
      {"delay", &O::delay, Range::any(), "each worker's extra delay per step: none, exponential or pareto",
       &StragglerOptions::delay_choices()},
      {"delay_mean", &O::delay_mean, Range::non_negative(), "the delay's mean"},
      {"pareto_shape", &O::pareto_shape, Range{1, std::numeric_limits<double>::infinity(), true, true},
       "alpha of the pareto delay (<= 2: infinite variance)"},
      {"drop_probability", &O::drop_probability, Range::unit_closed_open(),
       "probability that a worker never answers in a step"},
      {"timeout", &O::timeout, Range::non_negative(),
       "answers after it are lost; a step with too few restarts (0: wait forever)"}};
  return f;
}

void validate(const GradientCodedOptions& options) {
  using O = GradientCodedOptions;
  validate<O>(options);  // the field table (the template)
  validate_gradient_code_shape(O::kName, options.workers, options.stragglers, options.code);
  if (options.drop_probability > 0)
    require(options.timeout > 0, O::kName, "timeout", options.timeout,
            "timeout > 0 when drop_probability > 0 (a dropped worker would be waited for forever)");
}

void GradientCodedOptions::validate() const { descent::validate(*this); }

namespace {

const GradientCodedOptions& validated(const GradientCodedOptions& options) {
  options.validate();
  return options;
}

}  // namespace

template <class T>
GradientCoded<T>::GradientCoded(GradientCodedOptions options, std::uint64_t seed)
    : options_(validated(options)),
      code_(options_.code_options(), seed),
      simulator_(options_.straggler_options(), static_cast<std::size_t>(options_.workers), seed) {
  if (options_.batch_size > 0) sampler_ = shuffle_sampler(static_cast<std::size_t>(options_.batch_size), seed);
}

template <class T>
std::string GradientCoded<T>::spec() const {
  return to_spec("gradient_coded", options_);
}

template <class T>
void GradientCoded<T>::bind(const Differentiable<T>& objective) {
  const FiniteSum<T>& sum = detail::require_finite_sum(objective, "gradient_coded");
  if (sampler_) {
    sampler_->bind(sum.num_samples());
  } else {
    batch_.resize(sum.num_samples());
    std::iota(batch_.begin(), batch_.end(), std::size_t{0});
  }
  message_.assign(sum.dimension(), T(0));
  partition_gradient_.assign(sum.dimension(), T(0));
  loads_.assign(code_.workers(), 0.0);
  bounds_.assign(code_.partitions() + 1, 0);
  sum_ = &sum;
}

template <class T>
Estimate<T> GradientCoded<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "gradient_coded");
  detail::require_size(*sum_, "parameters", x.size(), sum_->dimension());
  detail::require_size(*sum_, "direction", direction.size(), sum_->dimension());
  if (sampler_) sampler_->next(batch_);
  const std::size_t k = code_.partitions(), size = batch_.size();
  // Balanced contiguous partitions: the first size % k get one sample more.
  for (std::size_t j = 0; j < k; ++j) bounds_[j + 1] = bounds_[j] + size / k + (j < size % k ? 1 : 0);
  // Loads in units of an average partition (|B| / k samples), so unit_time is the time of one.
  const double per_partition = size > 0 ? static_cast<double>(size) / static_cast<double>(k) : 1;
  for (std::size_t i = 0; i < code_.workers(); ++i) {
    double samples = 0;
    for (std::size_t j : code_.partitions_of(i)) samples += static_cast<double>(bounds_[j + 1] - bounds_[j]);
    loads_[i] = samples / per_partition;
  }
  const std::size_t needed = options_.wait == "all" ? code_.workers() : code_.workers() - code_.stragglers();
  const StragglerStep step = simulator_.step(loads_, needed);
  decoding_ = code_.decode(step.responders);

  // Each responder's message, in T as a worker would compute it, added into the direction
  // with its decoding coefficient; the value sums likewise, in double.
  std::fill(direction.begin(), direction.end(), T(0));
  double value = 0;
  std::int64_t sample_gradients = 0;
  for (std::size_t r = 0; r < decoding_.workers.size(); ++r) {
    const std::size_t worker = decoding_.workers[r];
    const double a = decoding_.coefficients[r];
    if (a == 0) continue;  // a fractional code's duplicate: its message is never read
    std::fill(message_.begin(), message_.end(), T(0));
    double message_value = 0;
    for (std::size_t j : code_.partitions_of(worker)) {
      const std::span<const std::size_t> part(batch_.data() + bounds_[j], bounds_[j + 1] - bounds_[j]);
      if (part.empty()) continue;
      // batch_value_and_gradient gives the partition's mean; |P_j| times it is the sum G_j.
      const T mean_value = sum_->batch_value_and_gradient(x, part, partition_gradient_);
      const T weight = static_cast<T>(code_.coefficient(worker, j) * static_cast<double>(part.size()));
      for (std::size_t p = 0; p < message_.size(); ++p) message_[p] += weight * partition_gradient_[p];
      message_value += code_.coefficient(worker, j) * static_cast<double>(part.size()) * mean_value;
      sample_gradients += static_cast<std::int64_t>(part.size());
    }
    const T coefficient = static_cast<T>(a);
    for (std::size_t p = 0; p < message_.size(); ++p) direction[p] += coefficient * message_[p];
    value += a * message_value;
  }
  if (size > 0) {
    const T count = static_cast<T>(size);
    for (T& v : direction) v /= count;
    value /= static_cast<double>(size);
  }
  ++steps_;
  attempts_ += step.attempts;
  last_step_time_ = step.time;
  simulated_time_ += step.time;
  const std::int64_t calls = sample_gradients > 0 ? 1 : 0;
  return {static_cast<T>(value), calls, sample_gradients};
}

template <class T>
void GradientCoded<T>::save(BinaryWriter& out) const {
  out.i64(options_.workers);
  out.i64(options_.stragglers);
  out.string(options_.code);
  out.i64(options_.batch_size);
  out.array(code_.encoding());
  out.i64(steps_);
  out.i64(attempts_);
  out.f64(simulated_time_);
  out.f64(last_step_time_);
  out.u64(simulator_.position());
  if (sampler_) sampler_->save(out);
}

template <class T>
void GradientCoded<T>::load(BinaryReader& in) {
  // The counters and streams only mean something for the code and batches they were saved with.
  const auto expect = [&](const char* what, std::int64_t saved, std::int64_t mine) {
    if (saved != mine)
      in.fail(std::string("gradient_coded state was saved with ") + what + " = " + std::to_string(saved) +
              ", this estimator has " + std::to_string(mine));
  };
  expect("workers", in.i64("gradient_coded workers"), options_.workers);
  expect("stragglers", in.i64("gradient_coded stragglers"), options_.stragglers);
  const std::string code = in.string("gradient_coded code");
  if (code != options_.code)
    in.fail("gradient_coded state was saved with code = " + code + ", this estimator has " + options_.code);
  expect("batch_size", in.i64("gradient_coded batch_size"), options_.batch_size);
  const std::vector<double> encoding = in.array<double>("gradient_coded encoding");
  if (!std::equal(encoding.begin(), encoding.end(), code_.encoding().begin(), code_.encoding().end()))
    in.fail("gradient_coded state was saved with another encoding matrix (a cyclic code drawn from another seed)");
  const std::int64_t steps = in.i64("gradient_coded steps");
  const std::int64_t attempts = in.i64("gradient_coded attempts");
  if (steps < 0 || attempts < steps) in.fail("gradient_coded: step or attempt counts are inconsistent");
  const double simulated = in.f64("gradient_coded simulated time");
  const double last = in.f64("gradient_coded last step time");
  if (!(simulated >= 0) || !(last >= 0)) in.fail("gradient_coded: negative or NaN simulated time");
  const std::uint64_t position = in.u64("gradient_coded delay position");
  if (sampler_) sampler_->load(in);  // checks everything before assigning; the last read that can fail
  steps_ = steps;
  attempts_ = attempts;
  simulated_time_ = simulated;
  last_step_time_ = last;
  simulator_.seek(position);
}

template class GradientCoded<float>;
template class GradientCoded<double>;

}  // namespace descent
