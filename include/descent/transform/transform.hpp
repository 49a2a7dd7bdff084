// A transform turns a direction (a gradient, or what earlier transforms made of it)
// into an update, in place, with its state kept apart in a TransformState.
//
// Transforms are runtime objects so that they compose from spec strings at run time.
// To stay as fast as a fused kernel, the hot loop never makes a virtual call per
// element: the executor (transform/apply.hpp) cuts the parameters into tiles of
// kTileSize elements and calls each transform once per tile, while the tile sits in
// L1. A transform declares which of three shapes it has:
//   elementwise: only update_tile;
//   reducing:    needs a global sum over its input first (global-norm clipping):
//                reduce_tile over every tile, then begin_step sees the totals;
//   global:      needs the whole vector and the block layout at once (Muon, trust
//                ratios): update_global.
// Each virtual exists for float and for double; the CRTP base TransformBase
// (transform_base.hpp) forwards both to one member template of the concrete transform.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "descent/core/parameter_layout.hpp"
#include "descent/transform/transform_state.hpp"

namespace descent {

enum class TransformKind { elementwise, reducing, global, chain };

// One tile of the current step: `d` is the direction, rewritten in place into the
// update; `p` are the parameters at the same positions (read-only); `offset` is the
// index of d[0] in the flat vector, for transforms that index their state slots.
// An elementwise transform must use `offset` for nothing else (not to key random draws, not
// to tell blocks apart): partition runs it on a group's scattered blocks one block at a time,
// each with a state of its own, and that equals one pass only when every coordinate is
// treated alike. A transform whose result depends on positions is global (perturb's noise).
//
// Two optional redirections let the executor run a pass without staging copies, so
// that one loop streams through every array at once (a copy of the direction into an
// L1 buffer, then the work, then an add into the parameters, fetches one array at a
// time and ran SGD at 2/3 of the speed of a single loop on arrays beyond the caches):
//   in:     when set, the incoming direction is read from here and d is only written;
//   add_to: when set, the update is added here (the parameters) instead of written to d.
// Transforms never look at these two directly: TransformBase hands their loop a TileIo
// (tile_io.hpp) whose load(i) and store(i, u) do the right thing.
template <class T>
struct Tile {
  T* d;
  const T* p;
  std::size_t offset;
  std::size_t n;
  const T* in = nullptr;
  T* add_to = nullptr;
};

class Transform {
 public:
  virtual ~Transform() = default;

  // Canonical spec, e.g. "adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)". Parsing
  // it gives an equal transform; a state records it to refuse foreign states.
  virtual std::string spec() const = 0;
  virtual TransformKind kind() const { return TransformKind::elementwise; }

  virtual TransformState<float> init(const ParameterLayout& layout, float) const = 0;
  virtual TransformState<double> init(const ParameterLayout& layout, double) const = 0;

  // Called once per step before any tile; `reduction` holds reduction_size() totals
  // for reducing transforms (nullptr otherwise). Advances state.count.
  virtual void begin_step(TransformState<float>& state, const double* reduction) const = 0;
  virtual void begin_step(TransformState<double>& state, const double* reduction) const = 0;

  virtual void update_tile(TransformState<float>& state, const Tile<float>& tile) const = 0;
  virtual void update_tile(TransformState<double>& state, const Tile<double>& tile) const = 0;

  // Reducing transforms: number of totals and one tile's contribution, added to acc.
  virtual std::size_t reduction_size() const { return 0; }
  // True when the reduction is one total, the sum of squares of the incoming direction,
  // computed per tile with lane_sum_of_squares (core/lane_sum.hpp) and added in tile
  // order: then a caller that already has that sum may hand it to apply() instead.
  virtual bool reduces_to_squared_norm() const { return false; }
  virtual void reduce_tile(const TransformState<float>&, const Tile<float>&, double*) const {}
  virtual void reduce_tile(const TransformState<double>&, const Tile<double>&, double*) const {}

  // Global transforms: the whole direction at once, after begin_step.
  virtual void update_global(TransformState<float>&, std::span<float>, std::span<const float>,
                             const ParameterLayout&) const {}
  virtual void update_global(TransformState<double>&, std::span<double>, std::span<const double>,
                             const ParameterLayout&) const {}
  // A global transform that can add its update into the parameters itself, saving the
  // executor's separate add pass when it is the last member under apply() (partition: each
  // group's own pass adds it), returns true and implements apply_global: params += update,
  // `direction` being scratch afterwards.
  virtual bool applies_in_place() const { return false; }
  virtual void apply_global(TransformState<float>&, std::span<float>, std::span<float>, const ParameterLayout&) const {}
  virtual void apply_global(TransformState<double>&, std::span<double>, std::span<double>,
                            const ParameterLayout&) const {}
};

using TransformPtr = std::shared_ptr<const Transform>;

// State for `transform` over parameters of `layout`, in precision T.
template <class T>
TransformState<T> init_state(const Transform& transform, const ParameterLayout& layout) {
  return transform.init(layout, T{});
}

}  // namespace descent
