// Matrix products for the models on OpenMP threads, with results that do not depend on the
// thread count.
//
// A large product C += alpha op(A) op(B) is cut into panels of C (bands of whole rows or of
// whole columns) whose boundaries are a function of the shape (m, n, k) only. Each panel is
// an ordinary product over the full depth k, computed by the sequential Eigen kernel
// (sequential_gemm.hpp) with blocking sizes that depend on the panel's shape only. So every
// element of C is summed in the same order however many threads share the panels, and one
// thread running all panels one after the other gives the same bits as eight threads.
//
// Which side to cut: a band of C's rows needs all of op(B) (k x n), a band of its columns all
// of op(A) (m x k), and each panel packs that shared operand in full: a panel w rows or
// columns wide packs about 1/w extra values per multiply-add whichever side is cut. Rows are
// cut whenever there are enough of them (m >= 2 kMinPanelWidth; the models' products have
// the batch, 128 or 256 rows, or a layer's width as m), else columns: measured on the
// development machine (2 cores, AVX2, float, the fmnist MLP's and softmax's shapes), two
// threads ran row-cut products 1.7-1.9x faster than one block, column-cut ones 1.5-1.8x;
// each thread then writes one contiguous block of the row-major C. A panel is a pointer
// offset into A, B and C whatever their storage (row- or column-major), so nothing is ever
// copied or transposed to cut it.
//
// How many panels: a power of two, so that 2, 4 or 8 threads get equal shares, as many as
// the work allows with at least kMinPanelWork multiply-adds and kMinPanelWidth rows or
// columns each, at most kMaxPanels. Panel widths are multiples of the kernel's register
// block along the cut (mr for columns, nr for rows: the row-major C is the column-major C^T
// to Eigen, whose lhs rows are C's columns) and differ by at most one register block (the
// last panel may end on a partial one).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "sequential_gemm.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace descent::detail {

// How one product is cut. Boundaries: panel i covers [boundary(i), boundary(i + 1)) of the
// cut side.
struct PanelPlan {
  bool rows = true;         // panels are bands of C's rows; else of its columns
  Eigen::Index length = 0;  // length of the cut side (m or n)
  Eigen::Index unit = 1;    // panel widths are multiples of this (except the last)
  Eigen::Index count = 1;   // number of panels

  Eigen::Index boundary(Eigen::Index i) const {
    const Eigen::Index units = (length + unit - 1) / unit;
    return std::min(length, unit * (i * units / count));
  }
};

// Tuning, measured on the 2-core development machine (Xeon, AVX2+FMA build, float, each
// shape timed as one block and cut into 2 and 4 panels, on 1 and 2 threads).
// Multiply-adds per panel, at least: a product under 2 kMinPanelWork stays one block. At 2
// kMinPanelWork (about 6 us of one core, e.g. 128 x 32 x 128), two threads ran 1.6x faster
// than one block, and one thread running both panels 6-8% slower; at a third of it (128 x 10
// x 128) the gain fell to 1.3x for a 10% loss on one thread. Larger products lose less on
// one thread (2-5% at 64-wide panels, under 1% at 128).
inline constexpr std::int64_t kMinPanelWork = std::int64_t{1} << 18;
// Rows or columns per panel, at least: 32-wide panels cost one thread 10-16% (the shared
// operand is re-packed for every 32 rows), 64-wide ones 2-9%.
inline constexpr Eigen::Index kMinPanelWidth = 64;
// More panels than threads only add packing; 8 covers the machines descent targets.
inline constexpr Eigen::Index kMaxPanels = 8;

// The panels of an m x n x k product of scalar T. A function of the shape only.
template <class T>
PanelPlan plan_panels(Eigen::Index m, Eigen::Index n, Eigen::Index k) {
  using Traits = Eigen::internal::gebp_traits<T, T>;
  PanelPlan plan;
  plan.rows = m >= 2 * kMinPanelWidth || m >= n;
  plan.length = plan.rows ? m : n;
  plan.unit = plan.rows ? Eigen::Index{Traits::nr} : Eigen::Index{Traits::mr};
  const std::int64_t work = std::int64_t{m} * n * k;
  Eigen::Index count = 1;
  while (count * 2 <= kMaxPanels && work >= kMinPanelWork * (count * 2) && plan.length >= kMinPanelWidth * (count * 2))
    count *= 2;
  plan.count = count;
  return plan;
}

template <class T>
class PanelGemm {
 public:
  // C += alpha op(A) op(B), with the same arguments as SequentialGemm::accumulate.
  template <Storage AS, Storage BS>
  void accumulate(Eigen::Index m, Eigen::Index n, Eigen::Index k, const T* a, Eigen::Index lda, const T* b,
                  Eigen::Index ldb, T* c, Eigen::Index ldc, T alpha) {
    accumulate<AS, BS>(plan_panels<T>(m, n, k), m, n, k, a, lda, b, ldb, c, ldc, alpha);
  }

  // The same with a given cut (benchmarks compare cuts with it). `plan` must cut m or n.
  template <Storage AS, Storage BS>
  void accumulate(const PanelPlan& plan, Eigen::Index m, Eigen::Index n, Eigen::Index k, const T* a, Eigen::Index lda,
                  const T* b, Eigen::Index ldb, T* c, Eigen::Index ldc, T alpha) {
    if (m == 0 || n == 0 || k == 0) return;
    if (plan.count == 1) {
      kernel(0).template accumulate<AS, BS>(m, n, k, a, lda, b, ldb, c, ldc, alpha);
      return;
    }
    // Every thread that may run a panel gets buffers for every panel's shape now, so that the
    // parallel region allocates nothing.
    const int threads = std::min(team_size(), static_cast<int>(plan.count));
    for (Eigen::Index i = 0, last = -1; i < plan.count; ++i) {
      const Eigen::Index width = plan.boundary(i + 1) - plan.boundary(i);
      if (width == last) continue;
      last = width;
      for (int t = 0; t < threads; ++t) {
        if (plan.rows) {
          kernel(t).reserve(width, n, k);
        } else {
          kernel(t).reserve(m, width, k);
        }
      }
    }
    const Eigen::Index count = plan.count;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (Eigen::Index i = 0; i < count; ++i) {
      const Eigen::Index begin = plan.boundary(i);
      const Eigen::Index width = plan.boundary(i + 1) - begin;
      SequentialGemm<T>& gemm = *kernels_[static_cast<std::size_t>(thread_id())];
      if (plan.rows) {
        // Rows begin.. of op(A) and of C.
        const T* a_panel = AS == row_major ? a + begin * lda : a + begin;
        gemm.template accumulate<AS, BS>(width, n, k, a_panel, lda, b, ldb, c + begin * ldc, ldc, alpha);
      } else {
        // Columns begin.. of op(B) and of C.
        const T* b_panel = BS == row_major ? b + begin : b + begin * ldb;
        gemm.template accumulate<AS, BS>(m, width, k, a, lda, b_panel, ldb, c + begin, ldc, alpha);
      }
    }
  }

 private:
  // The threads a region would start now (at most kMaxPanels are ever useful).
  static int team_size() {
#ifdef _OPENMP
    if (omp_in_parallel()) return 1;  // a nested region would run on one thread
    return std::clamp(omp_get_max_threads(), 1, static_cast<int>(kMaxPanels));
#else
    return 1;
#endif
  }
  static int thread_id() {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
  }

  // Kernel t, created on first use; called outside parallel regions only.
  SequentialGemm<T>& kernel(int t) {
    while (kernels_.size() <= static_cast<std::size_t>(t)) kernels_.push_back(std::make_unique<SequentialGemm<T>>());
    return *kernels_[static_cast<std::size_t>(t)];
  }

  // One kernel (with its packing buffers) per thread, each on its own heap allocation so
  // that threads never write to the same cache line.
  std::vector<std::unique_ptr<SequentialGemm<T>>> kernels_;
};

}  // namespace descent::detail
