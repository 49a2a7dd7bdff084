// A schedule that follows a list of multipliers, scaled by a peak value: the way a run uses a
// refined schedule (schedule_refinement.hpp), written to a text file by `descent
// refine-schedule` and named in a spec as table('schedule.txt', peak=0.1).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "descent/transform/schedule.hpp"

namespace descent {

// value(k) = peak * values[min(k, n - 1)]: the last multiplier holds after the list ends.
// ConfigError for an empty list, a non-finite or negative multiplier, or a peak <= 0 or not finite.
// `file` (may be empty) is what spec() names, so that the spec reads the same file back.
SchedulePtr table_schedule(std::vector<double> values, double peak, std::filesystem::path file = {});
// table_schedule over the multipliers of a schedule file.
SchedulePtr table_schedule(const std::filesystem::path& file, double peak);

// A schedule file: one multiplier per line; blank lines and lines starting with '#' are
// skipped. IoError naming the file when it cannot be read; FormatError naming the file and
// the 1-based line for text that is not one finite number >= 0, and for a file without values.
std::vector<double> read_schedule_file(const std::filesystem::path& file);
// Writes `values` in that format, after `comment` lines (each prefixed with "# "); IoError on failure.
void write_schedule_file(const std::filesystem::path& file, std::span<const double> values,
                         const std::vector<std::string>& comment = {});

}  // namespace descent
