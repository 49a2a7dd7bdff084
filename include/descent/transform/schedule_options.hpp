// Options of the built-in schedules, with their field tables (see hyperparameters.hpp).
#pragma once

#include <string>
#include <vector>

#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct ConstantScheduleOptions {
  static constexpr const char* kName = "ConstantScheduleOptions";
  double value = 1e-3;
  static const std::vector<Field<ConstantScheduleOptions>>& fields();
};

struct StepDecayOptions {
  static constexpr const char* kName = "StepDecayOptions";
  double init = 1e-3;
  std::int64_t every = 1000;
  double gamma = 0.1;
  static const std::vector<Field<StepDecayOptions>>& fields();
};

struct ExponentialOptions {
  static constexpr const char* kName = "ExponentialOptions";
  double init = 1e-3;
  double gamma = 0.999;
  static const std::vector<Field<ExponentialOptions>>& fields();
};

struct LinearDecayOptions {
  static constexpr const char* kName = "LinearDecayOptions";
  double init = 1e-3;
  std::int64_t steps = 1000;
  double end = 0;
  static const std::vector<Field<LinearDecayOptions>>& fields();
};

struct CosineOptions {
  static constexpr const char* kName = "CosineOptions";
  double init = 1e-3;
  std::int64_t steps = 1000;
  double end = 0;
  static const std::vector<Field<CosineOptions>>& fields();
};

struct WarmupOptions {
  static constexpr const char* kName = "WarmupOptions";
  SchedulePtr after = constant(1e-3);
  std::int64_t steps = 100;
  double start = 0;
  static const std::vector<Field<WarmupOptions>>& fields();
};

// Warmup-stable-decay; warmup and decay are step counts, warmup + decay <= steps.
struct WsdOptions {
  static constexpr const char* kName = "WsdOptions";
  double init = 1e-3;
  std::int64_t steps = 1000;
  std::int64_t warmup = 0;
  std::int64_t decay = 200;
  double end = 0;
  std::string shape = "sqrt";
  static const std::vector<Field<WsdOptions>>& fields();
};

SchedulePtr make_schedule(const ConstantScheduleOptions& o);
SchedulePtr make_schedule(const StepDecayOptions& o);
SchedulePtr make_schedule(const ExponentialOptions& o);
SchedulePtr make_schedule(const LinearDecayOptions& o);
SchedulePtr make_schedule(const CosineOptions& o);
SchedulePtr make_schedule(const WarmupOptions& o);
SchedulePtr make_schedule(const WsdOptions& o);

}  // namespace descent
