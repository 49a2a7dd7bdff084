// Passes over rows that add one vector per row into a sum (a gradient, a Hessian-vector
// product, a Hessian diagonal), on OpenMP threads, with bits that do not depend on the
// thread count.
//
// The rows of a pass are cut into stripes: runs of consecutive rows whose number is a
// function of the data's shape only (rows, values they hold times outputs, length of the
// sum; plan_stripes), not of what the pass computes: a gradient, a Hessian-vector product
// with or without its curvatures cached, and a diagonal over the same rows are cut alike, so
// that a product with cached curvatures has the bits of the one that computes them.
// Each stripe adds its rows in row order into a partial sum of its own (stripe 0 into the
// output itself), and the partials are then added to the output in stripe order. So every
// element of the result is the same sequence of additions whichever thread ran which stripe,
// and one thread running the stripes one after the other gives the bits of eight.
//
// Why stripes and not the row tiles of fixed_tiles.hpp: a tile's rows would each need their
// own output vector (or a lock). A stripe owns one partial of the whole output, which it
// keeps in cache while its rows stream past once: each row is read from memory once and used
// twice (its scores, then its contribution to the sum) while it is in L1.
//
// How many stripes: a power of two, so that 2, 4 or 8 threads get equal shares, as many as
// the work allows with at least kMinStripeRows rows and kMinStripeMultiplyAdds multiply-adds
// each (counted once per value and output: a pass makes one to three such products, the
// scores of one or two parameter vectors and the sum), and with the extra partials cheap to
// add: each costs one pass over the output's values, which must stay below
// 1 / kMultiplyAddsPerReducedValue of those multiply-adds (so a sparse pass over few rows of
// a very wide dataset keeps one stripe).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "fixed_tiles.hpp"

namespace descent::detail {

inline constexpr std::size_t kMaxStripes = 8;
inline constexpr std::size_t kMinStripeRows = 16;
// About 2.5 us of one core per product (dense, 0.07 ns per value), 5-7 us for a pass.
inline constexpr double kMinStripeMultiplyAdds = 32768;
// A partial is zeroed and added once (two streaming passes over sum_size values, vectorized);
// a stored value of a sparse row costs an indexed load in its dot product and an indexed
// add in the sum, several times a streamed value. At 4 per reduced value, a sparse set of
// rcv1's shape (20242 x 47236, 49 nonzeros per row) gets 4 stripes: its L-BFGS run went from
// 70 to 51 ms on 2 threads (it had 1 stripe at 16 per value).
inline constexpr double kMultiplyAddsPerReducedValue = 4;

struct StripePlan {
  std::size_t rows = 0;   // rows of the pass
  std::size_t count = 1;  // stripes; stripe s covers entries [begin(s), begin(s + 1))
  std::size_t begin(std::size_t s) const { return rows * s / count; }
};

// The stripes of a pass over `rows` rows holding `values` stored values, for `outputs`
// scores per row, into a sum of `sum_size` values. A function of its arguments only.
inline StripePlan plan_stripes(std::size_t rows, double values, std::size_t outputs, std::size_t sum_size) {
  const double multiply_adds = values * static_cast<double>(outputs);
  StripePlan plan{rows, 1};
  while (plan.count * 2 <= kMaxStripes) {
    const std::size_t next = plan.count * 2;
    const double stripes = static_cast<double>(next);
    if (rows < kMinStripeRows * next || multiply_adds < kMinStripeMultiplyAdds * stripes ||
        multiply_adds < kMultiplyAddsPerReducedValue * static_cast<double>(sum_size) * stripes)
      break;
    plan.count = next;
  }
  return plan;
}

// The partial sums of stripes 1.. and a scratch area per stripe, each its own allocation (no
// two threads write to one cache line), grown to the largest pass seen and then reused.
template <class T>
class StripeBuffers {
 public:
  void reserve(std::size_t stripes, std::size_t sum_size, std::size_t scratch_size) {
    if (partials_.size() < stripes) partials_.resize(stripes);
    if (scratch_.size() < stripes) scratch_.resize(stripes);
    for (std::size_t s = 0; s < stripes; ++s) {
      if (s > 0 && partials_[s].size() < sum_size) partials_[s] = AlignedBuffer<T>(sum_size);
      if (scratch_[s].size() < scratch_size) scratch_[s] = AlignedBuffer<T>(scratch_size);
    }
  }
  T* partial(std::size_t s) { return partials_[s].data(); }
  T* scratch(std::size_t s) { return scratch_[s].data(); }

 private:
  std::vector<AlignedBuffer<T>> partials_, scratch_;
};

// Runs body(first, end, sum, scratch) for every stripe: entries [first, end) of the pass in
// order, adding into `sum` (sum_size values, zeroed before; null when `out` is null: a pass
// that only computes per-row values) with `scratch` (scratch_size values) to itself. Stripes
// run on OpenMP threads when `threaded`. Afterwards out = the stripes' sums added in stripe
// order. body must not throw (an exception cannot leave a parallel region).
template <class T, class Body>
void run_stripes(const StripePlan& plan, bool threaded, StripeBuffers<T>& buffers, T* out, std::size_t sum_size,
                 std::size_t scratch_size, const Body& body) {
  const std::size_t count = plan.count;
  buffers.reserve(count, out != nullptr ? sum_size : 0, scratch_size);
  const auto stripe = [&](std::size_t s) {
    T* sum = out == nullptr ? nullptr : s == 0 ? out : buffers.partial(s);
    if (sum != nullptr) std::fill_n(sum, sum_size, T(0));
    body(plan.begin(s), plan.begin(s + 1), sum, buffers.scratch(s));
  };
  if (threaded && count > 1) {
#pragma omp parallel for schedule(static)
    for (std::size_t s = 0; s < count; ++s) stripe(s);
  } else {
    for (std::size_t s = 0; s < count; ++s) stripe(s);
  }
  if (out == nullptr || count == 1) return;
  // out[j] = ((sum_0[j] + sum_1[j]) + sum_2[j]) + ...: element j's order is fixed, so the
  // elements can run in any tiling.
  constexpr std::size_t kTile = 4096;
  for_each_tile(sum_size, kTile, threaded, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = 1; s < count; ++s) {
      const T* partial = buffers.partial(s);
      for (std::size_t j = begin; j < end; ++j) out[j] += partial[j];
    }
  });
}

}  // namespace descent::detail
