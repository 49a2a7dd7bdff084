#include "descent/transform/table_schedule.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "descent/core/error.hpp"

namespace descent {
namespace {

// A spec's quoted string has no escapes: single quotes, or double quotes around a path that
// holds a single quote.
std::string quoted(const std::filesystem::path& file) {
  const std::string text = file.string();
  const char quote = text.find('\'') == std::string::npos ? '\'' : '"';
  return quote + text + quote;
}

class TableSchedule final : public Schedule {
 public:
  TableSchedule(std::vector<double> values, double peak, std::filesystem::path file)
      : values_(std::move(values)), peak_(peak), file_(std::move(file)) {
    if (values_.empty()) throw ConfigError("TableScheduleOptions::values is empty (needs at least one multiplier)");
    for (std::size_t k = 0; k < values_.size(); ++k)
      if (!std::isfinite(values_[k]) || values_[k] < 0)
        throw ConfigError("TableScheduleOptions::values[" + std::to_string(k) + "] = " + format_number(values_[k]) +
                          " violates values[k] >= 0");
    require(std::isfinite(peak_) && peak_ > 0, "TableScheduleOptions", "peak", peak_, "peak > 0");
  }
  double value(std::int64_t t) const override {
    const auto last = static_cast<std::int64_t>(values_.size()) - 1;
    return peak_ * values_[static_cast<std::size_t>(std::clamp<std::int64_t>(t, 0, last))];
  }
  std::string spec() const override {
    if (file_.empty())
      return "table(<" + std::to_string(values_.size()) + " values>, peak=" + format_number(peak_) + ")";
    return "table(" + quoted(file_) + ", peak=" + format_number(peak_) + ")";
  }

 private:
  std::vector<double> values_;
  double peak_;
  std::filesystem::path file_;
};

}  // namespace

SchedulePtr table_schedule(std::vector<double> values, double peak, std::filesystem::path file) {
  return std::make_shared<TableSchedule>(std::move(values), peak, std::move(file));
}

SchedulePtr table_schedule(const std::filesystem::path& file, double peak) {
  return table_schedule(read_schedule_file(file), peak, file);
}

std::vector<double> read_schedule_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw IoError("cannot read schedule file '" + file.string() + "': " + std::strerror(errno));
  std::vector<double> values;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    const std::string text = line.substr(first, last - first + 1);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) || v < 0)
      throw FormatError("schedule file '" + file.string() + "', line " + std::to_string(number) + ": '" + text +
                        "' is not a finite number >= 0 (one multiplier per line, '#' starts a comment line)");
    values.push_back(v);
  }
  if (in.bad()) throw IoError("cannot read schedule file '" + file.string() + "'");
  if (values.empty()) throw FormatError("schedule file '" + file.string() + "' holds no values");
  return values;
}

void write_schedule_file(const std::filesystem::path& file, std::span<const double> values,
                         const std::vector<std::string>& comment) {
  std::ofstream out(file);
  if (!out) throw IoError("cannot write schedule file '" + file.string() + "': " + std::strerror(errno));
  for (const auto& line : comment) out << "# " << line << '\n';
  for (double v : values) out << format_number(v) << '\n';
  out.flush();
  if (!out) throw IoError("cannot write schedule file '" + file.string() + "'");
}

}  // namespace descent
