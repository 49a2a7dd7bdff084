// A job's runs as RunSpecs: every spec string of a JobConfig parsed once, before any data
// is read, with errors that name where the string came from (JobConfig::origin: the flag,
// or the file and key).
#pragma once

#include <string>
#include <vector>

#include "descent/app/job_config.hpp"
#include "descent/run/run_spec.hpp"

namespace descent {

// The run of `descent train`: [model], [optimizer], [estimator] and [training].
RunSpec train_run_spec(const JobConfig& config);

struct ComparedRun {
  std::string label;  // the legend's name
  RunSpec run;
};

// The runs of `descent compare`, in order: each [compare] optimizer and estimator pair,
// with everything else from the job. ConfigError when there is nothing to compare.
std::vector<ComparedRun> compare_run_specs(const JobConfig& config);

}  // namespace descent
