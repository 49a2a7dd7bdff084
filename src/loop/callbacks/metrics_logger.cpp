#include "descent/loop/callbacks/metrics_logger.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>

#include "descent/core/error.hpp"

namespace descent {

template <class T>
MetricsLogger<T>::MetricsLogger(std::filesystem::path path, MetricsLoggerOptions options)
    : path_(std::move(path)), options_(options) {
  require(options_.every >= 1, "MetricsLoggerOptions", "every", static_cast<double>(options_.every), "every >= 1");
  require(options_.flush_every >= 1, "MetricsLoggerOptions", "flush_every", static_cast<double>(options_.flush_every),
          "flush_every >= 1");
}

template <class T>
void MetricsLogger<T>::on_start(const LoopView<T>&) {
  log_.open(path_, options_.format, options_.append, options_.flush_every);
}

namespace {
// JSON has no NaN or Inf: write null, which every reader accepts.
std::string json_number(double v) { return std::isfinite(v) ? format_number(v) : "null"; }
}  // namespace

void MetricsLog::open(const std::filesystem::path& path, LogFormat format, bool append, std::int64_t flush_every) {
  path_ = path;
  format_ = format;
  flush_every_ = flush_every;
  const bool continuing = append && std::filesystem::exists(path_) && std::filesystem::file_size(path_) > 0;
  file_.reset(std::fopen(path_.c_str(), append ? "a" : "w"));
  if (!file_) throw IoError("cannot open log '" + path_.string() + "': " + std::strerror(errno));
  if (format_ == LogFormat::csv && !continuing)
    std::fputs("step,value,gradient_norm,elapsed_s,objective_calls,sample_gradients\n", file_.get());
}

void MetricsLog::write(std::int64_t step, double value, double gradient_norm, double elapsed_s,
                       std::int64_t objective_calls, std::int64_t sample_gradients) {
  if (format_ == LogFormat::csv) {
    std::fprintf(file_.get(), "%lld,%s,%s,%.6f,%lld,%lld\n", static_cast<long long>(step), format_number(value).c_str(),
                 format_number(gradient_norm).c_str(), elapsed_s, static_cast<long long>(objective_calls),
                 static_cast<long long>(sample_gradients));
  } else {
    std::fprintf(file_.get(),
                 "{\"step\":%lld,\"value\":%s,\"gradient_norm\":%s,\"elapsed_s\":%.6f,\"objective_calls\":%lld,"
                 "\"sample_gradients\":%lld}\n",
                 static_cast<long long>(step), json_number(value).c_str(), json_number(gradient_norm).c_str(),
                 elapsed_s, static_cast<long long>(objective_calls), static_cast<long long>(sample_gradients));
  }
  if (++records_ % flush_every_ == 0) std::fflush(file_.get());
}

void MetricsLog::close() {
  if (file_ && std::fflush(file_.get()) != 0)
    throw IoError("cannot write log '" + path_.string() + "': " + std::strerror(errno));
  file_.reset();
}

template <class T>
std::optional<Stop> MetricsLogger<T>::after_update(const StepReport<T>& r, const LoopView<T>&) {
  if (r.step % options_.every != 0) return std::nullopt;
  log_.write(r.step, r.value, r.gradient_norm, r.elapsed_s, r.objective_calls, r.sample_gradients);
  return std::nullopt;
}

template <class T>
void MetricsLogger<T>::on_end(const Summary<T>&, const LoopView<T>&) {
  log_.close();
}

template class MetricsLogger<float>;
template class MetricsLogger<double>;

}  // namespace descent
