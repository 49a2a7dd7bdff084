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
  const bool continuing = options_.append && std::filesystem::exists(path_) && std::filesystem::file_size(path_) > 0;
  file_.reset(std::fopen(path_.c_str(), options_.append ? "a" : "w"));
  if (!file_) throw IoError("cannot open log '" + path_.string() + "': " + std::strerror(errno));
  if (options_.format == LogFormat::csv && !continuing)
    std::fputs("step,value,gradient_norm,elapsed_s,objective_calls,sample_gradients\n", file_.get());
}

namespace {
// JSON has no NaN or Inf: write null, which every reader accepts.
std::string json_number(double v) { return std::isfinite(v) ? format_number(v) : "null"; }
}  // namespace

template <class T>
std::optional<Stop> MetricsLogger<T>::after_update(const StepReport<T>& r, const LoopView<T>&) {
  if (r.step % options_.every != 0) return std::nullopt;
  if (options_.format == LogFormat::csv) {
    std::fprintf(file_.get(), "%lld,%s,%s,%.6f,%lld,%lld\n", static_cast<long long>(r.step),
                 format_number(r.value).c_str(), format_number(r.gradient_norm).c_str(), r.elapsed_s,
                 static_cast<long long>(r.objective_calls), static_cast<long long>(r.sample_gradients));
  } else {
    std::fprintf(file_.get(),
                 "{\"step\":%lld,\"value\":%s,\"gradient_norm\":%s,\"elapsed_s\":%.6f,\"objective_calls\":%lld,"
                 "\"sample_gradients\":%lld}\n",
                 static_cast<long long>(r.step), json_number(r.value).c_str(), json_number(r.gradient_norm).c_str(),
                 r.elapsed_s, static_cast<long long>(r.objective_calls), static_cast<long long>(r.sample_gradients));
  }
  if (++records_ % options_.flush_every == 0) std::fflush(file_.get());
  return std::nullopt;
}

template <class T>
void MetricsLogger<T>::on_end(const Summary<T>&, const LoopView<T>&) {
  if (file_ && std::fflush(file_.get()) != 0)
    throw IoError("cannot write log '" + path_.string() + "': " + std::strerror(errno));
  file_.reset();
}

template class MetricsLogger<float>;
template class MetricsLogger<double>;

}  // namespace descent
