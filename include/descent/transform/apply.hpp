// The executor: runs a transform (usually a chain) over a whole direction vector.
//
// A flat list of members is cut into passes. An elementwise run of members is one
// pass over memory, tile by tile: every member works on the tile while it sits in L1, the
// ones between the first and the last through a stack buffer. A reducing member (global-norm
// clipping) needs totals over its whole input first: if it leads the list, one
// read-only pass computes them; otherwise the previous pass computes them on the fly
// from its output tiles. So chain(clip_by_global_norm, adam, weight_decay) costs two
// passes (read g; then read g, m, v, p and write m, v, p), not three or four, and one
// when the caller already knows ||g||^2 (see direction_squared_norm below).
//
// Within a pass, the first member reads the direction where it lies and the last one
// adds its update straight into the parameters (through the TileIo of tile_io.hpp), so a
// pass of one member, like plain Adam, is one loop over all its arrays with no staging copies.
//
// Reductions produce one partial per tile and add them in tile order: the results do
// not depend on the thread count. Steady-state steps allocate nothing.
#pragma once

#include <optional>
#include <span>

#include "descent/transform/transform.hpp"

namespace descent {

// direction <- update(direction); parameters are only read.
//
// direction_squared_norm: optionally, the sum of squares of `direction` exactly as
// descent::sum_of_squares computes it (core/parallel.hpp; same tiles, same order, so the
// same bits). A loop that computes the gradient norm anyway passes it, and a leading
// member whose reduction is that sum (clip_by_global_norm) then needs no pass of its own:
// the clip becomes free. Anything else gives different results; pass nothing if unsure.
template <class T>
void update(const Transform& transform, TransformState<T>& state, std::span<T> direction, std::span<const T> params,
            const ParameterLayout& layout, std::optional<double> direction_squared_norm = std::nullopt);

// params <- params + update(direction). `direction` is used as scratch: its content
// afterwards is unspecified (the last pass does not write it back).
template <class T>
void apply(const Transform& transform, TransformState<T>& state, std::span<T> direction, std::span<T> params,
           const ParameterLayout& layout, std::optional<double> direction_squared_norm = std::nullopt);

// Checks that `state` was made by `transform` for `n` parameters; throws MismatchError.
template <class T>
void check_state(const Transform& transform, const TransformState<T>& state, std::size_t n);

}  // namespace descent
