#include "descent/transform/mfac_coefficients.hpp"

#include <algorithm>

namespace descent::mfac_coefficients {

namespace {

// The pivot m + D_ii of Gaussian elimination on m I + G G^T / lambda: at least m, because
// D_ii = g_i^T F_i^{-1} g_i >= 0.
inline double pivot(std::size_t m, std::span<const double> d, std::size_t i) {
  return static_cast<double>(m) + d[packed_index(m, i, i)];
}

// Column n of D, top down: D_in = <g_i, g_n> / lambda - sum_{k<i} D_ki D_kn / (m + D_kk),
// each entry using the ones above it; the diagonal is the same sum for i = n.
// product(i) is <g_i, g_n>.
template <class Product>
void fill_column(std::size_t m, std::size_t n, double damping, Product product, std::span<double> d) {
  for (std::size_t i = 0; i <= n; ++i) {
    double value = product(i) / damping;
    for (std::size_t k = 0; k < i; ++k) value -= d[packed_index(m, k, i)] * d[packed_index(m, k, n)] / pivot(m, d, k);
    d[packed_index(m, i, n)] = value;
  }
  // D_nn is g_n^T F_n^{-1} g_n >= 0 but comes out of a difference of large terms when
  // g_n nearly lies in the span of the others and lambda is small; a rounding residue below
  // 0 is the exact 0 it stands for (the pivot then is m, never less).
  double& diagonal = d[packed_index(m, n, n)];
  diagonal = std::max(diagonal, 0.0);
}

}  // namespace

void append(std::size_t m, std::size_t n, double damping, std::span<const double> products, std::span<double> d) {
  fill_column(
      m, n, damping, [&](std::size_t i) { return products[i]; }, d);
}

void remove_oldest(std::size_t m, std::size_t n, std::span<double> d) {
  // Method C1 of Gill, Golub, Murray & Saunders on rows 1 .. n-1 with alpha = 1 / p_0 and
  // z_r = D_0r; z is worked on in row 0, which is dropped afterwards. In L terms, L_rj =
  // D_jr / p_j; the loop keeps D and rescales by the new pivot.
  double alpha = 1.0 / pivot(m, d, 0);
  for (std::size_t j = 1; j < n; ++j) {
    const double p = d[packed_index(m, 0, j)];
    const double old_pivot = pivot(m, d, j);
    const double gain = alpha * p * p;
    const double new_pivot = old_pivot + gain;
    const double beta = p * alpha / new_pivot;
    alpha = old_pivot * alpha / new_pivot;
    for (std::size_t r = j + 1; r < n; ++r) {
      double& z = d[packed_index(m, 0, r)];
      double& entry = d[packed_index(m, j, r)];
      const double l = entry / old_pivot;
      z -= p * l;
      entry = (l + beta * z) * new_pivot;
    }
    d[packed_index(m, j, j)] += gain;
  }
  // Row j, column r moves to row j - 1, column r - 1: an earlier position (by m - j + 1),
  // so copying in increasing order never overwrites an entry still to be moved.
  for (std::size_t j = 1; j < n; ++j)
    for (std::size_t r = j; r < n; ++r) d[packed_index(m, j - 1, r - 1)] = d[packed_index(m, j, r)];
}

void factorize(std::size_t m, std::size_t n, double damping, std::span<const double> gram, std::span<double> d) {
  for (std::size_t j = 0; j < n; ++j)
    fill_column(
        m, j, damping, [&](std::size_t i) { return gram[packed_index(m, i, j)]; }, d);
}

void solve(std::size_t m, std::size_t n, double damping, std::span<const double> d, std::span<const double> dots,
           std::span<double> w) {
  // Forward: y_i = <g_i, x> / lambda - sum_{k<i} D_ki y_k / p_k (y_i = v_i^T x), then
  // c_i = y_i / p_i, kept in w.
  for (std::size_t i = 0; i < n; ++i) {
    double y = dots[i] / damping;
    for (std::size_t k = 0; k < i; ++k) y -= d[packed_index(m, k, i)] * w[k];
    w[i] = y / pivot(m, d, i);
  }
  // Backward: L^T w = c with L_ij = D_ji / p_j, so w_j = c_j - sum_{i>j} D_ji w_i / p_j.
  for (std::size_t j = n; j-- > 0;) {
    double sum = 0;
    for (std::size_t i = j + 1; i < n; ++i) sum += d[packed_index(m, j, i)] * w[i];
    w[j] -= sum / pivot(m, d, j);
  }
}

}  // namespace descent::mfac_coefficients
