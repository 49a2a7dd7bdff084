// How an elementwise transform's loop reads the incoming direction and writes its update
// (see Tile in transform.hpp). The four combinations are four types, so each one is a
// separate, branch-free instantiation of the loop:
//   TileIo<T, false, false>: in place on d (the plain case, and every middle member);
//   TileIo<T, true,  false>: read `in` (the direction in memory), write d (an L1 buffer);
//   TileIo<T, false, true>:  read d, add the update to the parameters;
//   TileIo<T, true,  true>:  read `in`, add to the parameters (a pass of one member).
// Loops using it keep `#pragma omp simd`: with `in`, d and the parameters possibly being
// one array, restrict would be a lie, and the pragma is what promises that iteration i
// touches only index i.
#pragma once

#include <cstddef>

namespace descent {

template <class T, bool kSeparateInput, bool kAddToParams>
struct TileIo {
  const T* in;
  T* d;
  T* add_to;

  // True when the loop may skip elements it would leave unchanged (an inactive clip).
  static constexpr bool kInPlace = !kSeparateInput && !kAddToParams;

  T load(std::size_t i) const {
    if constexpr (kSeparateInput)
      return in[i];
    else
      return d[i];
  }
  void store(std::size_t i, T update) const {
    if constexpr (kAddToParams)
      add_to[i] += update;
    else
      d[i] = update;
  }
};

}  // namespace descent
