// Elementwise and per-sample work of the models on OpenMP threads, deterministically.
//
// Work over n items is cut into tiles of a fixed number of items, whatever the thread count,
// and each tile runs the same sequential code. Elementwise work then gives the same bits with
// any number of threads even where the compiler vectorizes (a tile always starts at the same
// item, so the same items land in vector lanes and in scalar remainders). Callers start
// threads only when the work pays for an OpenMP region (work_costs.hpp); the tiles are the
// same either way.
#pragma once

#include <algorithm>
#include <cstddef>

namespace descent::detail {

// Calls body(begin, end) for the tiles [t * tile, min(n, (t + 1) * tile)) of [0, n), on OpenMP
// threads when `threaded`. body must not throw (an exception cannot leave a parallel region).
template <class Body>
void for_each_tile(std::size_t n, std::size_t tile, bool threaded, const Body& body) {
  const std::size_t tiles = (n + tile - 1) / tile;
  if (!threaded || tiles < 2) {
    for (std::size_t t = 0; t < tiles; ++t) body(t * tile, std::min(n, (t + 1) * tile));
    return;
  }
#pragma omp parallel for schedule(static)
  for (std::size_t t = 0; t < tiles; ++t) body(t * tile, std::min(n, (t + 1) * tile));
}

}  // namespace descent::detail
