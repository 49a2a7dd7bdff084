// Threads without nondeterminism. Work on a flat array is cut into fixed tiles of
// kTileSize elements whatever the thread count; reductions produce one partial per
// tile and add the partials in tile order, so the result is bitwise the same with
// 1, 2 or 64 threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

namespace descent {

// Elements per tile: 8 KiB of doubles, small enough to stay in L1 while a chain of
// transforms runs over it, large enough to amortize a virtual call per transform.
inline constexpr std::size_t kTileSize = 1024;

inline std::size_t tile_count(std::size_t n) { return (n + kTileSize - 1) / kTileSize; }

// Below this many tiles a parallel region costs more than it saves.
inline constexpr std::size_t kMinTilesForThreads = 16;

// body(begin, end) over the tiles of [0, n), on OpenMP threads when there are at least
// kMinTilesForThreads of them. For elementwise work whose arithmetic per element does not
// depend on the split: the result is bitwise the same for every thread count. body must
// not throw (an exception cannot leave a parallel region).
template <class Body>
void for_each_tile(std::size_t n, Body body) {
  const std::size_t tiles = tile_count(n);
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
  for (std::size_t t = 0; t < tiles; ++t) {
    const std::size_t begin = t * kTileSize;
    body(begin, std::min(begin + kTileSize, n));
  }
}

// Sets / reads the number of OpenMP threads descent uses (1 when built without OpenMP).
void set_num_threads(int threads);
int num_threads();

// Sum of squares of x in double, deterministic (tile partials added in order).
// `partials` must hold tile_count(x.size()) doubles: callers on a hot path keep it.
template <class T>
double sum_of_squares(std::span<const T> x, std::span<double> partials);
template <class T>
double sum_of_squares(std::span<const T> x);  // allocates its own partials

// True when every element is finite. Parallel, no allocation.
template <class T>
bool all_finite(std::span<const T> x);

}  // namespace descent
