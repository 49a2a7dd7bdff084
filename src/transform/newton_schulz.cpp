#include "descent/transform/newton_schulz.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "../model/panel_gemm.hpp"
#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"

namespace descent {

namespace {

template <class T>
using RowMajorMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

template <class T>
void grow(AlignedBuffer<T>& buffer, std::size_t size) {
  if (buffer.size() < size) buffer = AlignedBuffer<T>(size);
}

}  // namespace

template <class T>
struct NewtonSchulz<T>::Workspace {
  AlignedBuffer<T> x, next, gram, polynomial;  // X_k, X_{k+1}, A_k, b A_k + c A_k^2
  detail::PanelGemm<T> gemm;
};

template <class T>
NewtonSchulz<T>::NewtonSchulz() : work_(std::make_unique<Workspace>()) {}

template <class T>
NewtonSchulz<T>::~NewtonSchulz() = default;

template <class T>
void NewtonSchulz<T>::run(std::span<T> matrix, std::size_t rows, std::size_t cols, int steps,
                          NewtonSchulzCoefficients coefficients, double eps) {
  if (matrix.size() != rows * cols)
    throw MismatchError("newton_schulz: a " + std::to_string(rows) + " x " + std::to_string(cols) + " matrix has " +
                        std::to_string(rows * cols) + " elements, got " + std::to_string(matrix.size()));
  if (matrix.empty()) return;
  using detail::col_major;
  using detail::row_major;
  const bool transposed = rows > cols;
  const std::size_t m = transposed ? cols : rows;  // X_k is m x q with m <= q
  const std::size_t q = transposed ? rows : cols;
  Workspace& w = *work_;
  grow(w.x, m * q);
  grow(w.next, m * q);
  grow(w.gram, m * m);
  grow(w.polynomial, m * m);

  // The norm in double, in element order: the same bits on any thread count.
  double squares = 0;
  for (const T v : matrix) squares += static_cast<double>(v) * static_cast<double>(v);
  const T norm = static_cast<T>(std::max(std::sqrt(squares), eps));
  T* x = w.x.data();
  T* next = w.next.data();
  if (transposed) {
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) x[j * q + i] = matrix[i * cols + j] / norm;
  } else {
    for (std::size_t k = 0; k < m * q; ++k) x[k] = matrix[k] / norm;
  }

  const auto mi = static_cast<Eigen::Index>(m);
  const auto qi = static_cast<Eigen::Index>(q);
  const T a = static_cast<T>(coefficients.a);
  const T b = static_cast<T>(coefficients.b);
  const T c = static_cast<T>(coefficients.c);
  RowMajorMap<T> gram(w.gram.data(), mi, mi);
  RowMajorMap<T> polynomial(w.polynomial.data(), mi, mi);
  for (int step = 0; step < steps; ++step) {
    // A = X X^T: X^T is X read column-major with the same leading dimension.
    gram.setZero();
    w.gemm.template accumulate<row_major, col_major>(mi, mi, qi, x, qi, x, qi, gram.data(), mi, T(1));
    // b A + c A^2 (the cubic iteration has c = 0 and needs no A^2).
    polynomial = b * gram;
    if (c != T(0))
      w.gemm.template accumulate<row_major, row_major>(mi, mi, mi, gram.data(), mi, gram.data(), mi, polynomial.data(),
                                                       mi, c);
    // X_{k+1} = a X + (b A + c A^2) X.
    RowMajorMap<T>(next, mi, qi) = a * RowMajorMap<T>(x, mi, qi);
    w.gemm.template accumulate<row_major, row_major>(mi, qi, mi, polynomial.data(), mi, x, qi, next, qi, T(1));
    std::swap(x, next);
  }

  if (transposed) {
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) matrix[i * cols + j] = x[j * q + i];
  } else {
    std::copy_n(x, m * q, matrix.data());
  }
}

template <class T>
void newton_schulz(std::span<T> matrix, std::size_t rows, std::size_t cols, int steps,
                   NewtonSchulzCoefficients coefficients, double eps) {
  thread_local NewtonSchulz<T> workspace;
  workspace.run(matrix, rows, cols, steps, coefficients, eps);
}

template class NewtonSchulz<float>;
template class NewtonSchulz<double>;
template void newton_schulz<float>(std::span<float>, std::size_t, std::size_t, int, NewtonSchulzCoefficients, double);
template void newton_schulz<double>(std::span<double>, std::size_t, std::size_t, int, NewtonSchulzCoefficients, double);

}  // namespace descent
