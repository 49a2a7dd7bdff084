// Checkpoints: everything needed to continue a run bit for bit — parameters, every
// transform state, the estimator's state (RNG position, snapshots), the loop counters —
// in one versioned binary file with a CRC-32 over its content, written atomically.
//
// Layout (little-endian): "DSCNTCKP", u32 version, u8 sizeof(T), objective name,
// dimension, parameter layout, transform spec, estimator spec, counters, parameters,
// transform state, estimator blob, the callbacks' states (version 2: a count, then a name
// and a blob each), u32 CRC-32 of everything before it. Version 1 files (no callback
// states) still load.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "descent/loop/callback.hpp"

namespace descent {

inline constexpr std::uint32_t kCheckpointVersion = 2;

// The saved state of one callback (Callback::state_name, and what save_state wrote).
struct SavedCallbackState {
  std::string name;
  std::string bytes;
};

template <class T>
void save_checkpoint(const std::filesystem::path& path, const LoopView<T>& loop);

// Loads into `loop` (whose parameters, state and estimator must already be set up for
// the same objective, layout, transform and estimator). Throws FormatError for a
// truncated or corrupted file and MismatchError for a checkpoint of another run;
// `loop` is left untouched when anything is wrong. Returns the callbacks' saved states,
// for restore_callback_states once the callbacks have started.
template <class T>
std::vector<SavedCallbackState> load_checkpoint(const std::filesystem::path& path, LoopView<T>& loop);

// Gives each callback of `loop` that has a state its saved one; MismatchError naming both
// lists when the checkpoint was written with other stateful callbacks.
template <class T>
void restore_callback_states(const std::filesystem::path& path, const std::vector<SavedCallbackState>& saved,
                             const LoopView<T>& loop);

}  // namespace descent
