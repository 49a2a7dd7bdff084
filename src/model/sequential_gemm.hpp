// Matrix products for the models, on the calling thread, with Eigen's GEMM kernel.
//
// Why not `C.noalias() = A * B.transpose()`: descent links OpenMP, so Eigen splits a large
// product over threads, and for that case it blocks the depth into panels of a different
// length (kc) than a single-threaded product does. Each panel's dot products are summed
// separately and then added, so the rounding, and hence the result, depends on the thread
// count (measured: a 128x784 by 784x256 float product differs in the last bits between 1 and
// 2 threads). The models promise results independent of the thread count, so they call
// Eigen's sequential kernel (general_matrix_matrix_product, the code behind every Eigen
// product) directly. This also lets the packing buffers live across calls: Eigen's own
// product allocates them per call once they exceed its stack limit.
//
// The bits then depend only on the sizes (m, n, k) and the CPU's cache sizes, through the
// blocking heuristic: the same inputs give the same outputs on a machine, as with any BLAS.
// This uses Eigen::internal, stable through the 3.4 series that CMake requires.
//
// This is the kernel of one block: panel_gemm.hpp splits a large product into blocks fixed by
// its shape and runs them on OpenMP threads, each with a SequentialGemm of its own.
#pragma once

#include <Eigen/Core>
#include <cstddef>

#include "descent/core/aligned_buffer.hpp"

static_assert(EIGEN_VERSION_AT_LEAST(3, 4, 0) && !EIGEN_VERSION_AT_LEAST(3, 5, 0),
              "sequential_gemm.hpp calls Eigen 3.4 internals; check general_matrix_matrix_product before upgrading");

namespace descent::detail {

// How an operand's elements are laid out: op(A)(i, j) is a[i * ld + j] (row_major) or
// a[i + j * ld] (col_major). A transposed row-major matrix is a col_major operand with the
// same leading dimension, so transposes are never copied.
enum Storage : int { row_major = Eigen::RowMajor, col_major = Eigen::ColMajor };

template <class T>
class SequentialGemm {
 public:
  // C += alpha op(A) op(B), where op(A) is m x k with storage AS and leading dimension lda,
  // op(B) is k x n with storage BS and leading dimension ldb, and C is m x n row-major with
  // leading dimension ldc. Does nothing when m, n or k is 0.
  template <Storage AS, Storage BS>
  void accumulate(Eigen::Index m, Eigen::Index n, Eigen::Index k, const T* a, Eigen::Index lda, const T* b,
                  Eigen::Index ldb, T* c, Eigen::Index ldc, T alpha) {
    if (m == 0 || n == 0 || k == 0) return;
    blocking_.configure(m, n, k);
    Eigen::internal::general_matrix_matrix_product<Eigen::Index, T, AS, false, T, BS, false, Eigen::RowMajor, 1>::run(
        m, n, k, a, lda, b, ldb, c, 1, ldc, alpha, blocking_, nullptr);
  }

  // Grows the packing buffers to what an m x n x k product needs, so that a later
  // accumulate() of that shape allocates nothing (callers that run blocks on threads grow
  // every thread's buffers up front, outside the parallel region).
  void reserve(Eigen::Index m, Eigen::Index n, Eigen::Index k) {
    if (m == 0 || n == 0 || k == 0) return;
    blocking_.configure(m, n, k);
  }

 private:
  // Eigen's blocking sizes for one product, over packing buffers that only ever grow.
  class Blocking : public Eigen::internal::level3_blocking<T, T> {
   public:
    void configure(Eigen::Index m, Eigen::Index n, Eigen::Index k) {
      // A row-major C = A B is computed by Eigen as the column-major C^T = B^T A^T, whose
      // rows are C's columns: hence mc runs over n and nc over m, as in Eigen's own
      // gemm_blocking_space for a row-major destination. The sizes depend on (m, n, k) and the
      // cache sizes only: the thread count passed to Eigen is always 1.
      Eigen::Index kc = k, mc = n, nc = m;
      Eigen::internal::computeProductBlockingSizes<T, T, 1>(kc, mc, nc, Eigen::Index{1});
      grow(packed_lhs_, static_cast<std::size_t>(mc * kc));
      grow(packed_rhs_, static_cast<std::size_t>(kc * nc));
      this->m_mc = mc;
      this->m_nc = nc;
      this->m_kc = kc;
      this->m_blockA = packed_lhs_.data();
      this->m_blockB = packed_rhs_.data();
    }

   private:
    static void grow(AlignedBuffer<T>& buffer, std::size_t size) {
      if (buffer.size() < size) buffer = AlignedBuffer<T>(size);
    }
    AlignedBuffer<T> packed_lhs_, packed_rhs_;
  };

  Blocking blocking_;
};

}  // namespace descent::detail
