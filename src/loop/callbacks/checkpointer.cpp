#include "descent/loop/callbacks/checkpointer.hpp"

#include "descent/core/error.hpp"
#include "descent/loop/checkpoint.hpp"

namespace descent {

template <class T>
Checkpointer<T>::Checkpointer(std::filesystem::path path, CheckpointerOptions options)
    : path_(std::move(path)), options_(options) {
  require(options_.every >= 1, "CheckpointerOptions", "every", static_cast<double>(options_.every), "every >= 1");
  if (path_.empty()) throw ConfigError("Checkpointer: the checkpoint path is empty");
}

template <class T>
std::optional<Stop> Checkpointer<T>::after_update(const StepReport<T>& report, const LoopView<T>& loop) {
  if (report.step % options_.every == 0) {
    save_checkpoint(path_, loop);
    last_written_step_ = report.step;
    ++writes_;
  }
  return std::nullopt;
}

template <class T>
void Checkpointer<T>::on_stop(const LoopView<T>& loop) {
  if (!options_.on_end || loop.counters.step == last_written_step_) return;
  save_checkpoint(path_, loop);
  last_written_step_ = loop.counters.step;
  ++writes_;
}

template class Checkpointer<float>;
template class Checkpointer<double>;

}  // namespace descent
