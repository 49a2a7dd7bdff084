// The mutable half of a transform: everything that changes from step to step lives
// here, in named slots, so that a transform object is immutable configuration, a state
// can be saved and loaded generically, and one transform can drive many states.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/aligned_buffer.hpp"

namespace descent {

template <class T>
struct TransformState {
  // Spec of the transform that made this state; load() refuses a state made by another.
  std::string owner;
  // Per-parameter buffers (moments, accumulators), each as long as the parameters.
  std::vector<std::string> slot_names;
  std::vector<AlignedBuffer<T>> slots;
  // Persistent scalars (accumulated norms, running maxima), saved with the state.
  std::vector<std::string> scalar_names;
  std::vector<double> scalars;
  // Number of updates applied so far (drives bias correction and schedules).
  std::int64_t count = 0;
  // Values computed once per step in begin_step (bias corrections, the current learning
  // rate, a clipping factor) and read by every tile. Not saved: recomputed each step.
  std::array<double, 6> step{};
  // States of the members of a chain, in order (of a partition: one per group used).
  std::vector<TransformState> children;
  // What a transform derives from the layout once, in init(), and reads every step without
  // rebuilding it (partition's assignment of blocks to groups). Not saved: load_state
  // fills a state made by init(), which has it.
  std::shared_ptr<const void> plan;

  // Adds a zero-filled slot of n elements and returns its index.
  std::size_t add_slot(std::string name, std::size_t n, T fill = T{}) {
    slot_names.push_back(std::move(name));
    slots.emplace_back(n, fill);
    return slots.size() - 1;
  }
  std::size_t add_scalar(std::string name, double value = 0) {
    scalar_names.push_back(std::move(name));
    scalars.push_back(value);
    return scalars.size() - 1;
  }
};

}  // namespace descent
