// The m x m half of M-FAC (Frantar, Kurtic & Alistarh, "M-FAC: Efficient Matrix-Free
// Approximations of Second-Order Information", NeurIPS 2021): the coefficients through
// which the inverse of a damped empirical Fisher acts on a vector, without a d x d matrix.
//
// For n <= m gradients g_0 .. g_{n-1} (in a fixed order, oldest first) and the window
// size m,
//   F = lambda I + (1/m) sum_i g_i g_i^T,
// built one rank-one term at a time, F_0 = lambda I, F_{i+1} = F_i + g_i g_i^T / m, has
// by Sherman-Morrison
//   F_{i+1}^{-1} = F_i^{-1} - v_i v_i^T / (m + g_i^T v_i),     v_i = F_i^{-1} g_i,
//   F^{-1} x     = x / lambda - sum_i v_i (v_i^T x) / (m + g_i^T v_i).
// The paper's matrix D holds the scalar products this recursion needs,
//   D_ij = g_i^T F_i^{-1} g_j       (i <= j; F_i excludes g_i and everything after it),
// and every product follows from it and from the gradients' scalar products with x:
//   y_i = v_i^T x = <g_i, x> / lambda - sum_{k<i} D_ki y_k / (m + D_kk),
// and F^{-1} x = (x - sum_i w_i g_i) / lambda with w the back substitution of
// c_i = y_i / (m + D_ii) (see solve). In matrix terms m + D_ii are the pivots and D the
// upper factor of Gaussian elimination without pivoting on S = m I + G G^T / lambda (G the
// n x d matrix of the gradients), i.e. S = L diag(m + D_ii) L^T with L_ji = D_ij / (m + D_ii).
//
// The paper recomputes D from G G^T after each change of the window, O(m^3). Here the window
// changes by dropping the oldest gradient and appending the newest, and each costs O(m^2):
//   append:        the new column of D is the recursion above applied to <g_i, g_new>;
//   remove_oldest: without g_0, S loses its first row and column, and the remaining factor
//                  becomes L22 diag(p2) L22^T + p_0 l l^T (l the first column of L below the
//                  diagonal): a positive rank-one update of an L D L^T factorization,
//                  done with Method C1 of Gill, Golub, Murray & Saunders (Math. Comp. 1974),
//                  which is numerically stable for positive updates.
// Rounding errors do not build up across windows: each entry of D is carried through at
// most m updates before its gradient leaves the window (mfac_test.cpp compares the
// updated D with one computed from scratch after hundreds of slides).
//
// All of it is double, whatever the parameters' precision. D is stored as the packed upper
// triangle of an m x m matrix, row by row (packed_index), rows and columns in age order.
#pragma once

#include <cstddef>
#include <span>

namespace descent::mfac_coefficients {

// Doubles in the packed upper triangle of an m x m matrix.
inline constexpr std::size_t packed_size(std::size_t m) { return m * (m + 1) / 2; }
// Position of entry (i, j), i <= j < m, in that packing: rows i' < i take
// m + (m - 1) + ... + (m - i + 1) = i m - i (i - 1) / 2 places.
inline constexpr std::size_t packed_index(std::size_t m, std::size_t i, std::size_t j) {
  return i * m - i * (i - 1) / 2 + (j - i);
}

// Appends a gradient after the n already in D (n < m). `products` holds n + 1 values:
// <g_i, g_new> for i < n in age order, then <g_new, g_new>. Fills column n of D. O(n^2).
void append(std::size_t m, std::size_t n, double damping, std::span<const double> products, std::span<double> d);

// Drops the oldest of the n gradients in D (n >= 1): afterwards D describes the n - 1
// others, the former second oldest first. O(n^2).
void remove_oldest(std::size_t m, std::size_t n, std::span<double> d);

// The static algorithm's coefficient computation: D of n gradients from their scalar
// products, gram[packed_index(m, i, j)] = <g_i, g_j> in age order. O(n^3) (appends, one
// gradient at a time).
void factorize(std::size_t m, std::size_t n, double damping, std::span<const double> gram, std::span<double> d);

// The weights w with F^{-1} x = (x - sum_i w_i g_i) / lambda, from dots[i] = <g_i, x>
// (n values, age order). O(n^2). `w` may alias `dots`.
void solve(std::size_t m, std::size_t n, double damping, std::span<const double> d, std::span<const double> dots,
           std::span<double> w);

}  // namespace descent::mfac_coefficients
