// `descent refine-schedule LOG --out FILE`: reads the per-step gradient norms of a finished
// run's log (the gradient_norm column of a `descent minimize --log` CSV or a MetricsLogger
// CSV / JSON Lines file) and writes the refined schedule of Defazio et al. (arXiv:2310.07831),
// one multiplier per step, for table('FILE', peak=LR) in the next run's spec.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace descent::cli {

struct RefineScheduleArgs {
  std::string log;
  std::string out;
  std::int64_t median_window = 1;
  double norm_power = 2;
};

CLI::App* add_refine_schedule_command(CLI::App& app, RefineScheduleArgs& args);
int run_refine_schedule(const RefineScheduleArgs& args);

}  // namespace descent::cli
