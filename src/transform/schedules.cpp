#include <algorithm>
#include <cmath>
#include <numbers>

#include "descent/transform/schedule.hpp"
#include "descent/transform/schedule_options.hpp"

namespace descent {

const std::vector<Field<ConstantScheduleOptions>>& ConstantScheduleOptions::fields() {
  static const std::vector<Field<ConstantScheduleOptions>> f = {
      {"value", &ConstantScheduleOptions::value, Range::any(), "the value at every step"}};
  return f;
}
const std::vector<Field<StepDecayOptions>>& StepDecayOptions::fields() {
  static const std::vector<Field<StepDecayOptions>> f = {
      {"init", &StepDecayOptions::init, Range::non_negative(), "value at step 0"},
      {"every", &StepDecayOptions::every, Range::at_least(1), "steps between decays"},
      {"gamma", &StepDecayOptions::gamma, Range::positive(), "factor applied every `every` steps"}};
  return f;
}
const std::vector<Field<ExponentialOptions>>& ExponentialOptions::fields() {
  static const std::vector<Field<ExponentialOptions>> f = {
      {"init", &ExponentialOptions::init, Range::non_negative(), "value at step 0"},
      {"gamma", &ExponentialOptions::gamma, Range::positive(), "factor applied every step"}};
  return f;
}
const std::vector<Field<LinearDecayOptions>>& LinearDecayOptions::fields() {
  static const std::vector<Field<LinearDecayOptions>> f = {
      {"init", &LinearDecayOptions::init, Range::non_negative(), "value at step 0"},
      {"steps", &LinearDecayOptions::steps, Range::at_least(1), "step T at which the value reaches `end`"},
      {"end", &LinearDecayOptions::end, Range::non_negative(), "value from step T on"}};
  return f;
}
const std::vector<Field<CosineOptions>>& CosineOptions::fields() {
  static const std::vector<Field<CosineOptions>> f = {
      {"init", &CosineOptions::init, Range::non_negative(), "value at step 0"},
      {"steps", &CosineOptions::steps, Range::at_least(1), "step T at which the value reaches `end`"},
      {"end", &CosineOptions::end, Range::non_negative(), "value from step T on"}};
  return f;
}
const std::vector<Field<WarmupOptions>>& WarmupOptions::fields() {
  static const std::vector<Field<WarmupOptions>> f = {
      {"after", &WarmupOptions::after, Range::any(), "schedule followed once warm-up ends (shifted by `steps`)"},
      {"steps", &WarmupOptions::steps, Range::at_least(1), "length W of the warm-up"},
      {"start", &WarmupOptions::start, Range::unit_closed(), "fraction of after(0) at step 0"}};
  return f;
}
namespace {
const std::vector<std::string> kWsdShapes = {"linear", "cosine", "sqrt"};
}  // namespace
const std::vector<Field<WsdOptions>>& WsdOptions::fields() {
  static const std::vector<Field<WsdOptions>> f = {
      {"init", &WsdOptions::init, Range::non_negative(), "the stable value, reached at step `warmup`"},
      {"steps", &WsdOptions::steps, Range::at_least(1), "step T at which the value reaches `end`"},
      {"warmup", &WsdOptions::warmup, Range::at_least(0), "steps W of linear warm-up from 0"},
      {"decay", &WsdOptions::decay, Range::at_least(0), "steps D of decay at the end, W + D <= T"},
      {"end", &WsdOptions::end, Range::non_negative(), "value from step T on"},
      {"shape", &WsdOptions::shape, Range::any(),
       "decay shape f(s), s = (k - T + D) / D: 1 - s, (1 + cos(pi s)) / 2, 1 - sqrt(s)", &kWsdShapes}};
  return f;
}

namespace {

template <class Options>
class ScheduleBase : public Schedule {
 public:
  explicit ScheduleBase(Options o, const char* name) : o_(std::move(o)), name_(name) { validate(o_); }
  std::string spec() const override { return to_spec(name_, o_); }

 protected:
  Options o_;
  const char* name_;
};

class ConstantSchedule final : public ScheduleBase<ConstantScheduleOptions> {
 public:
  using ScheduleBase::ScheduleBase;
  double value(std::int64_t) const override { return o_.value; }
  std::string spec() const override { return format_number(o_.value); }
  double constant_value() const { return o_.value; }
};

class StepDecaySchedule final : public ScheduleBase<StepDecayOptions> {
 public:
  using ScheduleBase::ScheduleBase;
  double value(std::int64_t t) const override {
    return o_.init * std::pow(o_.gamma, static_cast<double>(std::max<std::int64_t>(t, 0) / o_.every));
  }
};

class ExponentialSchedule final : public ScheduleBase<ExponentialOptions> {
 public:
  using ScheduleBase::ScheduleBase;
  double value(std::int64_t t) const override {
    return o_.init * std::pow(o_.gamma, static_cast<double>(std::max<std::int64_t>(t, 0)));
  }
};

class LinearDecaySchedule final : public ScheduleBase<LinearDecayOptions> {
 public:
  using ScheduleBase::ScheduleBase;
  double value(std::int64_t t) const override {
    const double frac = std::clamp(1.0 - static_cast<double>(t) / static_cast<double>(o_.steps), 0.0, 1.0);
    return o_.end + (o_.init - o_.end) * frac;
  }
};

class CosineSchedule final : public ScheduleBase<CosineOptions> {
 public:
  using ScheduleBase::ScheduleBase;
  double value(std::int64_t t) const override {
    const double frac = static_cast<double>(std::clamp<std::int64_t>(t, 0, o_.steps)) / static_cast<double>(o_.steps);
    return o_.end + (o_.init - o_.end) * 0.5 * (1.0 + std::cos(std::numbers::pi * frac));
  }
};

class WarmupSchedule final : public ScheduleBase<WarmupOptions> {
 public:
  using ScheduleBase::ScheduleBase;
  double value(std::int64_t t) const override {
    if (t >= o_.steps) return o_.after->value(t - o_.steps);
    const double peak = o_.after->value(0);
    const double frac = static_cast<double>(t) / static_cast<double>(o_.steps);
    return peak * (o_.start + (1.0 - o_.start) * frac);
  }
};

class WsdSchedule final : public ScheduleBase<WsdOptions> {
 public:
  WsdSchedule(WsdOptions o, const char* name) : ScheduleBase(std::move(o), name) {
    // The phases must fit in the run; a cross-field rule the field table cannot state.
    require(o_.warmup + o_.decay <= o_.steps, WsdOptions::kName, "decay", static_cast<double>(o_.decay),
            "warmup + decay <= steps (" + std::to_string(o_.warmup) + " + decay <= " + std::to_string(o_.steps) + ")");
  }
  double value(std::int64_t t) const override {
    if (t < o_.warmup) return o_.init * static_cast<double>(t) / static_cast<double>(o_.warmup);
    const std::int64_t decay_start = o_.steps - o_.decay;
    if (t < decay_start) return o_.init;
    if (t >= o_.steps) return o_.end;
    const double s = static_cast<double>(t - decay_start) / static_cast<double>(o_.decay);
    double remaining = 1.0 - s;  // linear
    if (o_.shape == "cosine") remaining = 0.5 * (1.0 + std::cos(std::numbers::pi * s));
    if (o_.shape == "sqrt") remaining = 1.0 - std::sqrt(s);
    return o_.end + (o_.init - o_.end) * remaining;
  }
};

}  // namespace

SchedulePtr make_schedule(const ConstantScheduleOptions& o) {
  return std::make_shared<ConstantSchedule>(o, "constant");
}
SchedulePtr make_schedule(const StepDecayOptions& o) { return std::make_shared<StepDecaySchedule>(o, "step_decay"); }
SchedulePtr make_schedule(const ExponentialOptions& o) {
  return std::make_shared<ExponentialSchedule>(o, "exponential");
}
SchedulePtr make_schedule(const LinearDecayOptions& o) {
  return std::make_shared<LinearDecaySchedule>(o, "linear_decay");
}
SchedulePtr make_schedule(const CosineOptions& o) { return std::make_shared<CosineSchedule>(o, "cosine"); }
SchedulePtr make_schedule(const WarmupOptions& o) { return std::make_shared<WarmupSchedule>(o, "warmup"); }
SchedulePtr make_schedule(const WsdOptions& o) { return std::make_shared<WsdSchedule>(o, "wsd"); }

SchedulePtr constant(double value) { return make_schedule(ConstantScheduleOptions{value}); }
SchedulePtr step_decay(double init, std::int64_t every, double gamma) {
  return make_schedule(StepDecayOptions{init, every, gamma});
}
SchedulePtr exponential(double init, double gamma) { return make_schedule(ExponentialOptions{init, gamma}); }
SchedulePtr linear_decay(double init, std::int64_t steps, double end) {
  return make_schedule(LinearDecayOptions{init, steps, end});
}
SchedulePtr cosine(double init, std::int64_t steps, double end) {
  return make_schedule(CosineOptions{init, steps, end});
}
SchedulePtr warmup(SchedulePtr after, std::int64_t steps, double start) {
  return make_schedule(WarmupOptions{std::move(after), steps, start});
}

SchedulePtr wsd(double init, std::int64_t steps, std::int64_t warmup, std::int64_t decay, double end,
                const std::string& shape) {
  return make_schedule(WsdOptions{init, steps, warmup, decay, end, shape});
}

bool is_constant(const Schedule& s, double* value) {
  const auto* c = dynamic_cast<const ConstantSchedule*>(&s);
  if (c && value) *value = c->constant_value();
  return c != nullptr;
}

}  // namespace descent
