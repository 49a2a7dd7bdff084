#include "descent/core/parallel.hpp"

#include <cmath>
#include <vector>

#include "descent/core/lane_sum.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace descent {

void set_num_threads(int threads) {
#ifdef _OPENMP
  omp_set_num_threads(threads < 1 ? 1 : threads);
#else
  (void)threads;
#endif
}

int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

template <class T>
double sum_of_squares(std::span<const T> x, std::span<double> partials) {
  const std::size_t n = x.size();
  const std::size_t tiles = tile_count(n);
  const T* data = x.data();
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
  for (std::size_t t = 0; t < tiles; ++t) {
    const std::size_t begin = t * kTileSize;
    const std::size_t end = begin + kTileSize < n ? begin + kTileSize : n;
    partials[t] = lane_sum_of_squares(data + begin, end - begin);
  }
  double total = 0;
  for (std::size_t t = 0; t < tiles; ++t) total += partials[t];
  return total;
}

template <class T>
double sum_of_squares(std::span<const T> x) {
  std::vector<double> partials(tile_count(x.size()));
  return sum_of_squares(x, std::span<double>(partials));
}

template <class T>
bool all_finite(std::span<const T> x) {
  const std::size_t n = x.size();
  const T* data = x.data();
  bool finite = true;
  // x - x is 0 for finite x and NaN otherwise; summing keeps the loop branch-free.
#pragma omp parallel for schedule(static) reduction(&& : finite) if (n >= kMinTilesForThreads * kTileSize)
  for (std::size_t t = 0; t < tile_count(n); ++t) {
    const std::size_t begin = t * kTileSize;
    const std::size_t end = begin + kTileSize < n ? begin + kTileSize : n;
    T acc = 0;
#pragma omp simd reduction(+ : acc)
    for (std::size_t i = begin; i < end; ++i) acc += data[i] - data[i];
    finite = finite && (acc == 0);
  }
  return finite;
}

template double sum_of_squares<float>(std::span<const float>, std::span<double>);
template double sum_of_squares<double>(std::span<const double>, std::span<double>);
template double sum_of_squares<float>(std::span<const float>);
template double sum_of_squares<double>(std::span<const double>);
template bool all_finite<float>(std::span<const float>);
template bool all_finite<double>(std::span<const double>);

}  // namespace descent
