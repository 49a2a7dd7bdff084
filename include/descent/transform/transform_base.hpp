// Writes the float and double overrides of Transform once. A concrete transform derives
// from TransformBase<Self, Kind> and defines member templates:
//   template <class T> void make(TransformState<T>&, const ParameterLayout&) const;   // add slots
//   template <class T> void prepare(TransformState<T>&, const double* reduction) const; // optional
//   template <class T, class Io>
//   void tile(TransformState<T>&, const Tile<T>&, Io io) const;  // elementwise part: read the
//                                  // direction with io.load(i), write the update with io.store(i, u)
//   template <class T> void reduce(const TransformState<T>&, const Tile<T>&, double*) const; // reducing only
//   template <class T> void global(TransformState<T>&, std::span<T>, std::span<const T>,
//                                  const ParameterLayout&) const;                      // global only
// begin_step increments state.count before prepare, so prepare sees the 1-based step t.
#pragma once

#include "descent/transform/tile_io.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

template <class Self, TransformKind Kind = TransformKind::elementwise>
class TransformBase : public Transform {
 public:
  TransformKind kind() const override { return Kind; }

  TransformState<float> init(const ParameterLayout& layout, float) const override { return build<float>(layout); }
  TransformState<double> init(const ParameterLayout& layout, double) const override { return build<double>(layout); }

  void begin_step(TransformState<float>& s, const double* r) const override { start(s, r); }
  void begin_step(TransformState<double>& s, const double* r) const override { start(s, r); }

  void update_tile(TransformState<float>& s, const Tile<float>& t) const override { dispatch(s, t); }
  void update_tile(TransformState<double>& s, const Tile<double>& t) const override { dispatch(s, t); }

  void reduce_tile(const TransformState<float>& s, const Tile<float>& t, double* acc) const override {
    if constexpr (Kind == TransformKind::reducing) self().reduce(s, t, acc);
  }
  void reduce_tile(const TransformState<double>& s, const Tile<double>& t, double* acc) const override {
    if constexpr (Kind == TransformKind::reducing) self().reduce(s, t, acc);
  }

  void update_global(TransformState<float>& s, std::span<float> d, std::span<const float> p,
                     const ParameterLayout& layout) const override {
    if constexpr (Kind == TransformKind::global) self().global(s, d, p, layout);
  }
  void update_global(TransformState<double>& s, std::span<double> d, std::span<const double> p,
                     const ParameterLayout& layout) const override {
    if constexpr (Kind == TransformKind::global) self().global(s, d, p, layout);
  }

 private:
  const Self& self() const { return static_cast<const Self&>(*this); }

  template <class T>
  void dispatch(TransformState<T>& s, const Tile<T>& t) const {
    if (t.in != nullptr) {
      if (t.add_to != nullptr)
        self().tile(s, t, TileIo<T, true, true>{t.in, t.d, t.add_to});
      else
        self().tile(s, t, TileIo<T, true, false>{t.in, t.d, nullptr});
    } else {
      if (t.add_to != nullptr)
        self().tile(s, t, TileIo<T, false, true>{nullptr, t.d, t.add_to});
      else
        self().tile(s, t, TileIo<T, false, false>{nullptr, t.d, nullptr});
    }
  }

  template <class T>
  TransformState<T> build(const ParameterLayout& layout) const {
    TransformState<T> state;
    state.owner = spec();
    self().make(state, layout);
    return state;
  }

  template <class T>
  void start(TransformState<T>& state, const double* reduction) const {
    ++state.count;
    if constexpr (requires { self().prepare(state, reduction); }) self().prepare(state, reduction);
  }
};

}  // namespace descent
