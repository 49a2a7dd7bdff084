// Threads without nondeterminism. Work on a flat array is cut into fixed tiles of
// kTileSize elements whatever the thread count; reductions produce one partial per
// tile and add the partials in tile order, so the result is bitwise the same with
// 1, 2 or 64 threads.
#pragma once

#include <cstddef>
#include <span>

namespace descent {

// Elements per tile: 8 KiB of doubles, small enough to stay in L1 while a chain of
// transforms runs over it, large enough to amortize a virtual call per transform.
inline constexpr std::size_t kTileSize = 1024;

inline std::size_t tile_count(std::size_t n) { return (n + kTileSize - 1) / kTileSize; }

// Below this many tiles a parallel region costs more than it saves.
inline constexpr std::size_t kMinTilesForThreads = 16;

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
