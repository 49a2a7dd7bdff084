// Writes a checkpoint every `every` steps and when the run stops (whatever the reason:
// a run stopped by Ctrl-C or by a NaN keeps a checkpoint of its last good state), before
// any callback replaces the parameters by an average, so that a resumed run continues
// from the last iterate.
// Each write is atomic: the previous checkpoint stays loadable until the new one is
// complete.
#pragma once

#include <filesystem>

#include "descent/loop/callback.hpp"

namespace descent {

struct CheckpointerOptions {
  std::int64_t every = 100;  // >= 1
  bool on_end = true;
};

template <class T>
class Checkpointer final : public Callback<T> {
 public:
  Checkpointer(std::filesystem::path path, CheckpointerOptions options = {});
  std::optional<Stop> after_update(const StepReport<T>& report, const LoopView<T>& loop) override;
  void on_stop(const LoopView<T>& loop) override;

  std::int64_t writes() const noexcept { return writes_; }

 private:
  std::filesystem::path path_;
  CheckpointerOptions options_;
  std::int64_t last_written_step_ = -1;
  std::int64_t writes_ = 0;
};

}  // namespace descent
