#include "descent/estimator/robust_aggregation.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {

namespace {

template <class T>
void check_rows(std::span<const T> rows, std::size_t k, std::size_t d, std::size_t scratch, std::size_t needed,
                const char* what) {
  if (k == 0) throw MismatchError(std::string(what) + ": no rows to aggregate (k = 0)");
  if (rows.size() != k * d)
    throw MismatchError(std::string(what) + ": " + std::to_string(rows.size()) + " numbers for " + std::to_string(k) +
                        " rows of dimension " + std::to_string(d));
  if (scratch < needed)
    throw MismatchError(std::string(what) + ": a scratch of " + std::to_string(scratch) + " numbers, " +
                        std::to_string(needed) + " needed");
}

// column j of the k x d rows, copied into scratch[0..k).
template <class T>
void gather(std::span<const T> rows, std::size_t k, std::size_t d, std::size_t j, T* column) {
  for (std::size_t i = 0; i < k; ++i) column[i] = rows[i * d + j];
}

}  // namespace

template <class T>
void coordinate_median(std::span<const T> rows, std::size_t k, std::span<T> out, std::span<T> scratch) {
  const std::size_t d = out.size();
  check_rows(rows, k, d, scratch.size(), k, "coordinate_median");
  T* column = scratch.data();
  const std::size_t upper = k / 2;  // the upper middle (the middle for odd k)
  for (std::size_t j = 0; j < d; ++j) {
    gather(rows, k, d, j, column);
    std::nth_element(column, column + upper, column + k);
    const T high = column[upper];
    if (k % 2 == 1) {
      out[j] = high;
    } else {
      // After nth_element everything before `upper` is <= high: the lower middle is its maximum.
      const T low = *std::max_element(column, column + upper);
      out[j] = static_cast<T>((static_cast<double>(low) + static_cast<double>(high)) / 2);
    }
  }
}

template <class T>
void winsorized_mean(std::span<const T> rows, std::size_t k, std::size_t c, std::span<T> out, std::span<T> scratch) {
  const std::size_t d = out.size();
  check_rows(rows, k, d, scratch.size(), k, "winsorized_mean");
  require(2 * c < k, "WinsorizedMeanOptions", "c", static_cast<double>(c),
          "2 c < k (k = " + std::to_string(k) + ": at least one value of each coordinate is kept as it is)");
  T* column = scratch.data();
  for (std::size_t j = 0; j < d; ++j) {
    gather(rows, k, d, j, column);
    std::sort(column, column + k);
    const double low = column[c], high = column[k - 1 - c];
    // In sorted order the c smallest become `low` and the c largest `high`. The mean is taken
    // as low + mean(v - low), so that equal values give exactly that value.
    double excess = static_cast<double>(c) * (high - low);
    for (std::size_t i = c + 1; i < k - c; ++i) excess += static_cast<double>(column[i]) - low;
    out[j] = static_cast<T>(low + excess / static_cast<double>(k));
  }
}

template <class T>
void project_conflicting(std::span<const T> rows, std::size_t k, std::span<const std::size_t> order, std::span<T> out,
                         std::span<T> work) {
  const std::size_t d = out.size();
  check_rows(rows, k, d, work.size(), d, "project_conflicting");
  if (order.size() != k * (k - 1))
    throw MismatchError("project_conflicting: an order of " + std::to_string(order.size()) +
                        " indices, k (k - 1) = " + std::to_string(k * (k - 1)) + " needed");
  std::vector<double> squared_norms(k, 0.0);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < d; ++j) squared_norms[i] += static_cast<double>(rows[i * d + j]) * rows[i * d + j];
  // The mean is taken as g_0 + mean(w_i - g_0), so that identical rows give exactly that row.
  std::vector<double> sum(d, 0.0);
  std::vector<bool> seen(k);
  for (std::size_t i = 0; i < k; ++i) {
    const T* g = rows.data() + i * d;
    std::copy(g, g + d, work.begin());
    std::fill(seen.begin(), seen.end(), false);
    for (std::size_t m = 0; m < k - 1; ++m) {
      const std::size_t other = order[i * (k - 1) + m];
      if (other >= k || other == i || seen[other])
        throw MismatchError("project_conflicting: row " + std::to_string(i) +
                            " of the order is not a permutation of the other rows");
      seen[other] = true;
      const T* h = rows.data() + other * d;
      double dot = 0;
      for (std::size_t j = 0; j < d; ++j) dot += static_cast<double>(work[j]) * h[j];
      if (!(dot < 0) || !(squared_norms[other] > 0)) continue;
      const double factor = dot / squared_norms[other];
      for (std::size_t j = 0; j < d; ++j) work[j] = static_cast<T>(work[j] - factor * h[j]);
    }
    for (std::size_t j = 0; j < d; ++j) sum[j] += static_cast<double>(work[j]) - rows[j];
  }
  for (std::size_t j = 0; j < d; ++j)
    out[j] = static_cast<T>(static_cast<double>(rows[j]) + sum[j] / static_cast<double>(k));
}

#define DESCENT_INSTANTIATE(T)                                                                                      \
  template void coordinate_median<T>(std::span<const T>, std::size_t, std::span<T>, std::span<T>);                  \
  template void winsorized_mean<T>(std::span<const T>, std::size_t, std::size_t, std::span<T>, std::span<T>);       \
  template void project_conflicting<T>(std::span<const T>, std::size_t, std::span<const std::size_t>, std::span<T>, \
                                       std::span<T>);
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
#undef DESCENT_INSTANTIATE

}  // namespace descent
