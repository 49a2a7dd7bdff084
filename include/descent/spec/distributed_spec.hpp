// How a run is spread over ranks: `--distributed SPEC` in the CLI, [distributed].method in
// a job file. One method today:
//   data_parallel(shards=8)   every rank draws the run's global batch and computes its
//                             shards; the gradient is summed in a fixed order, so the run
//                             has the same bits on any number of ranks
//                             (distributed/data_parallel.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct DataParallelSpecOptions {
  static constexpr const char* kName = "DataParallelOptions";
  std::int64_t shards = 8;
  static const std::vector<Field<DataParallelSpecOptions>>& fields();
};

struct DistributedSpec {
  std::string method = "data_parallel";
  DataParallelSpecOptions data_parallel;
  double timeout_seconds = 60;  // a rank waits this long for a peer before every rank stops

  // The canonical spec: "data_parallel(shards=8)".
  std::string spec() const;
};

// ParseError (with a caret) for bad syntax or an unknown method, ConfigError for an option
// out of range (naming it).
DistributedSpec parse_distributed(std::string_view text);

// The methods parse_distributed knows, for messages and `descent list`.
std::vector<std::string> distributed_methods();

}  // namespace descent
