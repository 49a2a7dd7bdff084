// Loop callbacks named in the spec grammar, for the CLI, job files and Python:
//   polyak(start_step=1000)   tail(tail_fraction=0.5)   exponential(decay=0.99)
//       iterate averaging (IterateAveraging; the call's name is the kind), EntryKind::averaging
//   stationarity(rhat_threshold=1.1, mcse_relative=0.01)
//       the stationarity stopping rule (StationarityStop), EntryKind::stopping
// Arguments bind to the options' field tables like every other spec (positional in table
// order, then named); errors are ParseErrors with the column, or ConfigErrors naming the field.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "descent/loop/callback.hpp"
#include "descent/spec/registry.hpp"

namespace descent {

// A parsed and validated callback spec, buildable in either precision. Each make() is a
// fresh callback with its own state.
class CallbackSpec {
 public:
  CallbackSpec(std::string canonical, EntryKind kind, std::function<std::shared_ptr<Callback<float>>()> make_float,
               std::function<std::shared_ptr<Callback<double>>()> make_double)
      : canonical_(std::move(canonical)),
        kind_(kind),
        make_float_(std::move(make_float)),
        make_double_(std::move(make_double)) {}

  // e.g. "tail(start_step=0, tail_fraction=0.5, decay=0.999, write_back=true)".
  const std::string& canonical() const noexcept { return canonical_; }
  EntryKind kind() const noexcept { return kind_; }

  template <class T>
  std::shared_ptr<Callback<T>> make() const {
    if constexpr (std::is_same_v<T, float>) {
      return make_float_();
    } else {
      return make_double_();
    }
  }

 private:
  std::string canonical_;
  EntryKind kind_;
  std::function<std::shared_ptr<Callback<float>>()> make_float_;
  std::function<std::shared_ptr<Callback<double>>()> make_double_;
};

// Any callback entry (averaging or stopping rule).
CallbackSpec parse_callback(std::string_view spec);
// Only entries of `kind` (EntryKind::averaging for --average, EntryKind::stopping for
// --stationarity-stop), so that the message names what the place expects.
CallbackSpec parse_callback(std::string_view spec, EntryKind kind);

}  // namespace descent
