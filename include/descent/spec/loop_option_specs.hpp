// Loop options written in the spec grammar, for the CLI, job files and Python:
//   polyak(start_step=1000)   tail(tail_fraction=0.5)   exponential(decay=0.99)
//       -> IterateAveragingOptions (the call's name is the kind)
//   stationarity(rhat_threshold=1.1, mcse_relative=0.01)
//       -> StationarityStopOptions
// Arguments bind to the options' field tables like every other spec (positional in table
// order, then named); errors are ParseErrors with the column, or ConfigErrors naming the field.
#pragma once

#include <string_view>

#include "descent/loop/callbacks/iterate_averaging.hpp"
#include "descent/loop/callbacks/stationarity_stop.hpp"

namespace descent {

IterateAveragingOptions parse_averaging(std::string_view spec);
StationarityStopOptions parse_stationarity_stop(std::string_view spec);

// Canonical specs, e.g. "tail(start_step=0, tail_fraction=0.5, decay=0.999, write_back=true)".
std::string to_spec(const IterateAveragingOptions& options);
std::string to_spec(const StationarityStopOptions& options);

}  // namespace descent
