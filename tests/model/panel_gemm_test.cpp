// The models' threaded matrix product (src/model/panel_gemm.hpp): the cut into panels is a
// function of the shape alone, the panels tile the product exactly, and the result is the
// same to the bit with 1, 2 or 3 threads, for every storage order of the operands, and
// within the rounding bound of a product of that depth.
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <vector>

#include "../../src/model/panel_gemm.hpp"
#include "descent/core/parallel.hpp"
#include "descent/core/random.hpp"

namespace descent::testing {
namespace {

using detail::col_major;
using detail::PanelGemm;
using detail::PanelPlan;
using detail::plan_panels;
using detail::row_major;
using detail::Storage;

// Runs the body with the given OpenMP thread count, then restores the previous one.
template <class Body>
void with_threads(int threads, const Body& body) {
  const int before = num_threads();
  set_num_threads(threads);
  body();
  set_num_threads(before);
}

struct Shape {
  Eigen::Index m, n, k;
};

// The smallest shapes (give or take odd sizes, which leave partial register blocks) that are
// cut into `panels` bands of rows, or of columns: each band kMinPanelWidth wide, with
// kMinPanelWork multiply-adds.
Shape rows_cut(Eigen::Index panels) {
  const Eigen::Index m = detail::kMinPanelWidth * panels + 3, n = 33;
  return {m, n, detail::kMinPanelWork * panels / (m * n) + 1};
}
Shape columns_cut(Eigen::Index panels) {
  const Eigen::Index m = 29, n = detail::kMinPanelWidth * panels + 5;
  return {m, n, detail::kMinPanelWork * panels / (m * n) + 1};
}

template <class T>
void expect_plan_tiles_the_cut_side(Eigen::Index m, Eigen::Index n, Eigen::Index k) {
  const PanelPlan plan = plan_panels<T>(m, n, k);
  SCOPED_TRACE(::testing::Message() << m << " x " << n << " x " << k);
  EXPECT_EQ(plan.rows, m >= 2 * detail::kMinPanelWidth || m >= n);  // rows whenever they can be cut
  EXPECT_EQ(plan.length, plan.rows ? m : n);
  // A power of two, at most kMaxPanels, each panel with enough work and width.
  EXPECT_GE(plan.count, 1);
  EXPECT_LE(plan.count, detail::kMaxPanels);
  EXPECT_EQ(plan.count & (plan.count - 1), 0);
  const std::int64_t work = std::int64_t{m} * n * k;
  if (plan.count > 1) {
    EXPECT_GE(work, detail::kMinPanelWork * plan.count);
    EXPECT_GE(plan.length, detail::kMinPanelWidth * plan.count);
  }
  // The largest such power of two: doubling it would break a limit.
  const Eigen::Index next = plan.count * 2;
  EXPECT_TRUE(next > detail::kMaxPanels || work < detail::kMinPanelWork * next ||
              plan.length < detail::kMinPanelWidth * next);
  // Boundaries: from 0 to the length, increasing, on register-block multiples.
  EXPECT_EQ(plan.boundary(0), 0);
  EXPECT_EQ(plan.boundary(plan.count), plan.length);
  for (Eigen::Index i = 0; i < plan.count; ++i) {
    EXPECT_LT(plan.boundary(i), plan.boundary(i + 1));
    EXPECT_EQ(plan.boundary(i) % plan.unit, 0);
  }
}

TEST(PanelPlan, IsAFunctionOfTheShapeThatTilesTheCutSide) {
  for (Eigen::Index m : {1, 10, 64, 127, 128, 256, 300, 1000})
    for (Eigen::Index n : {1, 9, 64, 129, 256, 784})
      for (Eigen::Index k : {1, 16, 128, 784}) {
        expect_plan_tiles_the_cut_side<float>(m, n, k);
        expect_plan_tiles_the_cut_side<double>(m, n, k);
      }
}

TEST(PanelPlan, CutsTheTestShapesAsIntended) {
  for (Eigen::Index panels = 2; panels <= detail::kMaxPanels; panels *= 2) {
    const Shape r = rows_cut(panels), c = columns_cut(panels);
    EXPECT_TRUE(plan_panels<float>(r.m, r.n, r.k).rows);
    EXPECT_EQ(plan_panels<float>(r.m, r.n, r.k).count, panels);
    EXPECT_EQ(plan_panels<double>(r.m, r.n, r.k).count, panels);
    EXPECT_FALSE(plan_panels<float>(c.m, c.n, c.k).rows);
    EXPECT_EQ(plan_panels<float>(c.m, c.n, c.k).count, panels);
    EXPECT_EQ(plan_panels<double>(c.m, c.n, c.k).count, panels);
  }
  // Half the work of two panels stays one block.
  const Shape small = rows_cut(1);
  EXPECT_EQ(plan_panels<float>(small.m, small.n, small.k).count, 1);
}

// One product C = C0 + alpha op(A) op(B) with random operands in the given storage.
template <class T, Storage AS, Storage BS>
struct Product {
  Shape s;
  std::vector<T> a, b, c0;
  T alpha = T(0.75);

  Product(Shape shape, std::uint64_t seed) : s(shape) {
    Random rng(seed, Stream::data, 3);
    const auto fill = [&](std::vector<T>& v, std::size_t size) {
      v.resize(size);
      for (T& x : v) x = static_cast<T>(rng.normal());
    };
    fill(a, static_cast<std::size_t>(s.m * s.k));
    fill(b, static_cast<std::size_t>(s.k * s.n));
    fill(c0, static_cast<std::size_t>(s.m * s.n));
  }
  Eigen::Index lda() const { return AS == row_major ? s.k : s.m; }
  Eigen::Index ldb() const { return BS == row_major ? s.n : s.k; }
  T op_a(Eigen::Index i, Eigen::Index j) const {
    return a[static_cast<std::size_t>(AS == row_major ? i * lda() + j : i + j * lda())];
  }
  T op_b(Eigen::Index i, Eigen::Index j) const {
    return b[static_cast<std::size_t>(BS == row_major ? i * ldb() + j : i + j * ldb())];
  }
  std::vector<T> run(PanelGemm<T>& gemm) const {
    std::vector<T> c = c0;
    gemm.template accumulate<AS, BS>(s.m, s.n, s.k, a.data(), lda(), b.data(), ldb(), c.data(), s.n, alpha);
    return c;
  }
};

template <class T, Storage AS, Storage BS>
void expect_thread_count_independent_and_accurate(std::initializer_list<Shape> shapes) {
  for (const Shape& s : shapes) {
    SCOPED_TRACE(::testing::Message() << s.m << " x " << s.n << " x " << s.k << " storage " << AS << BS);
    const Product<T, AS, BS> product(s, static_cast<std::uint64_t>(s.m * 7 + s.n));
    PanelGemm<T> gemm;
    std::vector<T> one, two, three;
    with_threads(1, [&] { one = product.run(gemm); });
    with_threads(2, [&] { two = product.run(gemm); });
    with_threads(3, [&] { three = product.run(gemm); });
    EXPECT_EQ(one, two);
    EXPECT_EQ(one, three);
    // Against a long double reference: a depth-k dot product summed in any order, scaled by
    // alpha and added to C0, is within gamma_{k+2} (|c0| + |alpha| sum |a||b|) of the exact
    // value (Higham, Accuracy and Stability, 3.1); (k + 2) eps bounds gamma_{k+2} here.
    // Every 7th diagonal of C: each row and each column of every panel is checked (a wrong
    // offset or a missed or doubled panel shows), at a seventh of the cost.
    const double eps = std::numeric_limits<T>::epsilon();
    for (Eigen::Index i = 0; i < s.m; ++i)
      for (Eigen::Index j = i % 7 == 0 ? 0 : 7 - i % 7; j < s.n; j += 7) {
        long double exact = 0, magnitude = 0;
        for (Eigen::Index p = 0; p < s.k; ++p) {
          const long double term = static_cast<long double>(product.op_a(i, p)) * product.op_b(p, j);
          exact += term;
          magnitude += std::abs(term);
        }
        const std::size_t at = static_cast<std::size_t>(i * s.n + j);
        const long double c0 = product.c0[at];
        const long double expected = c0 + product.alpha * exact;
        const double bound = static_cast<double>(s.k + 2) * eps *
                             static_cast<double>(std::abs(c0) + std::abs(product.alpha) * magnitude);
        ASSERT_NEAR(static_cast<double>(one[at]), static_cast<double>(expected), bound)
            << "C(" << i << ", " << j << ")";
      }
  }
}

// Every storage order, cut by rows and by columns into two panels, and one block.
template <Storage AS, Storage BS>
void expect_for_both_cuts() {
  expect_thread_count_independent_and_accurate<float, AS, BS>({rows_cut(1), rows_cut(2), columns_cut(2)});
  expect_thread_count_independent_and_accurate<double, AS, BS>({rows_cut(2), columns_cut(2)});
}
TEST(PanelGemm, RowMajorTimesColumnMajor) { expect_for_both_cuts<row_major, col_major>(); }  // forward: A W^T
TEST(PanelGemm, RowMajorTimesRowMajor) { expect_for_both_cuts<row_major, row_major>(); }     // backward: D W
TEST(PanelGemm, ColumnMajorTimesRowMajor) { expect_for_both_cuts<col_major, row_major>(); }  // gradient: D^T A
TEST(PanelGemm, ColumnMajorTimesColumnMajor) { expect_for_both_cuts<col_major, col_major>(); }

// Up to kMaxPanels panels, more than the 3 threads: threads take several panels each.
TEST(PanelGemm, ManyPanels) {
  expect_thread_count_independent_and_accurate<float, row_major, col_major>(
      {rows_cut(detail::kMaxPanels), columns_cut(detail::kMaxPanels / 2)});
}

// A kernel reused across shapes and thread counts (its per-thread packing buffers grown by
// earlier products) gives the same bits as a fresh one.
TEST(PanelGemm, ReuseAcrossShapesAndThreadCountsDoesNotChangeResults) {
  const Product<float, row_major, col_major> big(rows_cut(detail::kMaxPanels), 1), wide(columns_cut(4), 2);
  PanelGemm<float> reused, fresh;
  std::vector<float> first, again, from_fresh;
  with_threads(3, [&] { first = wide.run(reused); });
  with_threads(2, [&] { big.run(reused); });
  with_threads(1, [&] { again = wide.run(reused); });
  with_threads(2, [&] { from_fresh = wide.run(fresh); });
  EXPECT_EQ(first, again);
  EXPECT_EQ(first, from_fresh);
}

}  // namespace
}  // namespace descent::testing
