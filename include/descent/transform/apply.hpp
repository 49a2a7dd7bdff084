// The executor: runs a transform (usually a chain) over a whole direction vector.
//
// A flat list of members is cut into passes. An elementwise run of members is one
// pass over memory, tile by tile: each tile is copied into an L1-resident buffer, every
// member rewrites it, and the result goes back once. A reducing member (global-norm
// clipping) needs totals over its whole input first: if it leads the list, one
// read-only pass computes them; otherwise the previous pass computes them on the fly
// from its output tiles. So chain(clip_by_global_norm, adam, weight_decay) costs two
// passes (read g; then read g, m, v, p and write m, v, p), not three or four.
//
// Reductions produce one partial per tile and add them in tile order: the results do
// not depend on the thread count. Steady-state steps allocate nothing.
#pragma once

#include <span>

#include "descent/transform/transform.hpp"

namespace descent {

// direction <- update(direction); parameters are only read.
template <class T>
void update(const Transform& transform, TransformState<T>& state, std::span<T> direction, std::span<const T> params,
            const ParameterLayout& layout);

// params <- params + update(direction). `direction` is used as scratch: its content
// afterwards is unspecified (the last pass does not write it back).
template <class T>
void apply(const Transform& transform, TransformState<T>& state, std::span<T> direction, std::span<T> params,
           const ParameterLayout& layout);

// Checks that `state` was made by `transform` for `n` parameters; throws MismatchError.
template <class T>
void check_state(const Transform& transform, const TransformState<T>& state, std::size_t n);

}  // namespace descent
