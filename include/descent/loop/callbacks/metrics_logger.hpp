// Writes one record per `every` steps to CSV (header step,value,gradient_norm,...) or
// JSON Lines (one object per line; non-finite numbers as null, since JSON has no NaN).
// Records are buffered and flushed at the end and every `flush_every` records, so a
// crashed run keeps most of its log.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>

#include "descent/loop/callback.hpp"

namespace descent {

enum class LogFormat { csv, jsonl };

struct MetricsLoggerOptions {
  LogFormat format = LogFormat::csv;
  std::int64_t every = 1;  // >= 1
  bool append = false;     // continue an existing log (a resumed run); no second CSV header
  std::int64_t flush_every = 100;
};

// The log file itself, for the loop's MetricsLogger and for solvers with a loop of their own
// (whose iterates the CLI logs through SolverRun's observer): one format for both.
class MetricsLog {
 public:
  // Opens `path` (IoError naming it when it cannot); writes the CSV header unless appending
  // to a log that has rows.
  void open(const std::filesystem::path& path, LogFormat format, bool append, std::int64_t flush_every);
  void write(std::int64_t step, double value, double gradient_norm, double elapsed_s, std::int64_t objective_calls,
             std::int64_t sample_gradients);
  // Flushes and closes; IoError when the data could not be written.
  void close();

 private:
  std::filesystem::path path_;
  LogFormat format_ = LogFormat::csv;
  std::int64_t flush_every_ = 100, records_ = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_{nullptr, &std::fclose};
};

template <class T>
class MetricsLogger final : public Callback<T> {
 public:
  MetricsLogger(std::filesystem::path path, MetricsLoggerOptions options = {});
  void on_start(const LoopView<T>&) override;
  std::optional<Stop> after_update(const StepReport<T>& report, const LoopView<T>&) override;
  void on_end(const Summary<T>&, const LoopView<T>&) override;

 private:
  std::filesystem::path path_;
  MetricsLoggerOptions options_;
  MetricsLog log_;
};

}  // namespace descent
