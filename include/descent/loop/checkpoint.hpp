// Checkpoints: everything needed to continue a run bit for bit — parameters, every
// transform state, the estimator's state (RNG position, snapshots), the loop counters —
// in one versioned binary file with a CRC-32 over its content, written atomically.
//
// Layout (little-endian): "DSCNTCKP", u32 version, u8 sizeof(T), objective name,
// dimension, parameter layout, transform spec, estimator spec, counters, parameters,
// transform state, estimator blob, u32 CRC-32 of everything before it.
#pragma once

#include <filesystem>

#include "descent/loop/callback.hpp"

namespace descent {

inline constexpr std::uint32_t kCheckpointVersion = 1;

template <class T>
void save_checkpoint(const std::filesystem::path& path, const LoopView<T>& loop);

// Loads into `loop` (whose parameters, state and estimator must already be set up for
// the same objective, layout, transform and estimator). Throws FormatError for a
// truncated or corrupted file and MismatchError for a checkpoint of another run;
// `loop` is left untouched when anything is wrong.
template <class T>
void load_checkpoint(const std::filesystem::path& path, LoopView<T>& loop);

}  // namespace descent
