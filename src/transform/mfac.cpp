#include "descent/transform/mfac.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/transform/mfac_coefficients.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<MfacOptions>>& MfacOptions::fields() {
  static const std::vector<Field<MfacOptions>> f = {
      {"m", &MfacOptions::m, Range{1, 1024, false, false},
       "window size: F = damping I + (1/m) sum of g_i g_i^T over the last m directions"},
      {"damping", &MfacOptions::damping, Range::positive(), "lambda in F = lambda I + (1/m) sum_i g_i g_i^T"},
      {"dynamic", &MfacOptions::dynamic, Range::any(),
       "slide the window every step (false: keep the directions of steps 1..m)"},
      {"refresh", &MfacOptions::refresh, Range::non_negative(),
       "static window only: renew it every refresh steps (0: never)"}};
  return f;
}

namespace {

// Positions of the state's scalars; the packed coefficient matrix D follows them.
constexpr std::size_t kNext = 0;
constexpr std::size_t kFilled = 1;
constexpr std::size_t kCoefficients = 2;

// sum_i a[i] b[i] in double, in sixteen independent lanes combined pairwise, the order of
// core/lane_sum.hpp: it vectorizes, and the order is fixed by this code, not the compiler.
template <class T>
double lane_dot(const T* __restrict a, const T* __restrict b, std::size_t n) {
  constexpr std::size_t kLanes = 16;
  double lane[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k) lane[k] += static_cast<double>(a[i + k]) * static_cast<double>(b[i + k]);
  const std::size_t rest = n - i < kLanes ? n - i : kLanes;
  for (std::size_t k = 0; k < rest; ++k) lane[k] += static_cast<double>(a[i + k]) * static_cast<double>(b[i + k]);
  for (std::size_t width = kLanes / 2; width > 0; width /= 2)
    for (std::size_t k = 0; k < width; ++k) lane[k] += lane[k + width];
  return lane[0];
}

// Both passes go through the window slot by slot within each tile, and a tile of floats is
// one 4 KiB page, where the hardware prefetchers stop: each slot's tile would start with a
// memory latency. Asking for the page that comes next (the next slot's tile, or the first
// slot's in the next tile) while working on the current one hides it.
template <class T>
void prefetch_page(const T* page, std::size_t len) {
  constexpr std::size_t kLine = 64 / sizeof(T);
  for (std::size_t k = 0; k < len; k += kLine) __builtin_prefetch(page + k, 0, 3);
}

// Per-tile partial scalar products and the m-vectors of a step: grows to the largest size
// seen, then stays, so steady-state steps do not allocate.
std::vector<double>& step_scratch(std::size_t size) {
  thread_local std::vector<double> scratch;
  if (scratch.size() < size) scratch.resize(size);
  return scratch;
}

class Mfac final : public TransformBase<Mfac, TransformKind::global> {
 public:
  explicit Mfac(MfacOptions o) : o_(o) {
    validate(o_);
    const double refresh = static_cast<double>(o_.refresh);
    if (o_.dynamic)
      require(o_.refresh == 0, MfacOptions::kName, "refresh", refresh, "refresh = 0 when dynamic = true");
    else
      require(o_.refresh == 0 || o_.refresh >= o_.m, MfacOptions::kName, "refresh", refresh,
              "refresh = 0 or refresh >= m");
  }
  std::string spec() const override { return to_spec("mfac", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    const auto m = static_cast<std::size_t>(o_.m);
    for (std::size_t i = 0; i < m; ++i) s.add_slot("gradient_" + std::to_string(i), layout.size());
    s.add_scalar("next");
    s.add_scalar("filled");
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = i; j < m; ++j) s.add_scalar("D(" + std::to_string(i) + "," + std::to_string(j) + ")");
  }

  // The window needs the whole direction before any of the update exists, so there is no
  // per-tile form; the executor calls global() instead.
  template <class T, class Io>
  void tile(TransformState<T>&, const Tile<T>&, Io) const {
    throw MismatchError("mfac is a global transform: run it through descent::update or descent::apply");
  }

  template <class T>
  void global(TransformState<T>& s, std::span<T> direction, std::span<const T>, const ParameterLayout&) const {
    const auto m = static_cast<std::size_t>(o_.m);
    const std::size_t n = direction.size();
    const std::size_t tiles = tile_count(n);
    auto next = ring_value(s.scalars[kNext], m - 1, "next");
    auto filled = ring_value(s.scalars[kFilled], m, "filled");
    if (filled < m && next != filled)
      throw MismatchError("mfac state: next = " + std::to_string(next) + " with filled = " + std::to_string(filled) +
                          " (a window still filling takes slot `filled`)");
    const std::span<double> coefficients(s.scalars.data() + kCoefficients, mfac_coefficients::packed_size(m));

    const bool enter = enters(s.count);
    // The window the product uses holds slots 0 .. count-1: the ring fills from slot 0,
    // and once full every slot is in it.
    const std::size_t count = enter ? std::min(filled + 1, m) : filled;

    std::vector<double>& scratch = step_scratch(tiles * count + 3 * m);
    double* partial = scratch.data();
    double* dots = partial + tiles * count;  // <g_j, x> by slot
    double* products = dots + m;             // the same, oldest first
    double* weights = products + m;          // w by slot

    // Pass 1: the entering direction takes its slot, and the scalar products of x with
    // every gradient of the window (itself included) are summed per tile.
    T* x = direction.data();
    T* const entering = enter ? s.slots[next].data() : nullptr;
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
    for (std::size_t t = 0; t < tiles; ++t) {
      const std::size_t begin = t * kTileSize;
      const std::size_t len = std::min(kTileSize, n - begin);
      if (entering != nullptr) std::copy_n(x + begin, len, entering + begin);
      for (std::size_t j = 0; j < count; ++j) {
        if (j + 1 < count) prefetch_page(s.slots[j + 1].data() + begin, len);
        partial[t * count + j] = lane_dot(s.slots[j].data() + begin, x + begin, len);
      }
    }
    for (std::size_t j = 0; j < count; ++j) {
      double sum = 0;
      for (std::size_t t = 0; t < tiles; ++t) sum += partial[t * count + j];
      dots[j] = sum;
    }

    if (enter) {
      if (filled == m) {
        mfac_coefficients::remove_oldest(m, m, coefficients);  // the oldest is the slot x just took
        --filled;
      }
      // A non-finite x would poison D for good (every later update mixes it in): it enters
      // as the zero vector instead, whose scalar products are all 0.
      const bool finite = std::isfinite(dots[next]);
      if (!finite) std::fill_n(entering, n, T(0));
      const std::size_t oldest = filled + 1 == m ? (next + 1) % m : 0;
      for (std::size_t a = 0; a <= filled; ++a) products[a] = finite ? dots[(oldest + a) % m] : 0.0;
      mfac_coefficients::append(m, filled, o_.damping, std::span<const double>(products, filled + 1), coefficients);
      ++filled;
      next = (next + 1) % m;
      s.scalars[kNext] = static_cast<double>(next);
      s.scalars[kFilled] = static_cast<double>(filled);
    }

    // F^{-1} x = (x - sum_j w_j g_j) / damping, w from D and the products, oldest first.
    const std::size_t oldest = filled == m ? next : 0;
    for (std::size_t a = 0; a < count; ++a) products[a] = dots[(oldest + a) % m];
    mfac_coefficients::solve(m, count, o_.damping, coefficients, std::span<const double>(products, count),
                             std::span<double>(products, count));
    for (std::size_t a = 0; a < count; ++a) weights[(oldest + a) % m] = products[a];

    // Pass 2, in double: when x lies close to the window's span (it always does when it has
    // just entered it), x - sum_j w_j g_j is a small difference of large terms.
    const double damping = o_.damping;
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
    for (std::size_t t = 0; t < tiles; ++t) {
      const std::size_t begin = t * kTileSize;
      const std::size_t len = std::min(kTileSize, n - begin);
      alignas(kAlignment) double acc[kTileSize];
      T* const xt = x + begin;
      for (std::size_t k = 0; k < len; ++k) acc[k] = static_cast<double>(xt[k]);
      for (std::size_t j = 0; j < count; ++j) {
        if (j + 1 < count) prefetch_page(s.slots[j + 1].data() + begin, len);
        const T* g = s.slots[j].data() + begin;
        const double w = weights[j];
#pragma omp simd
        for (std::size_t k = 0; k < len; ++k) acc[k] -= w * static_cast<double>(g[k]);
      }
#pragma omp simd
      for (std::size_t k = 0; k < len; ++k) xt[k] = static_cast<T>(acc[k] / damping);
    }
  }

 private:
  // A ring position read back from the state: a loaded checkpoint could hold anything, and
  // these index the slots.
  static std::size_t ring_value(double v, std::size_t max, const char* name) {
    if (!(v >= 0 && v <= static_cast<double>(max) && v == std::floor(v)))
      throw MismatchError("mfac state: " + std::string(name) + " = " + format_number(v) + " is not an integer in [0, " +
                          std::to_string(max) + "]");
    return static_cast<std::size_t>(v);
  }

  // Whether the direction of step t (1-based) enters the window.
  bool enters(std::int64_t t) const {
    if (o_.dynamic) return true;
    if (o_.refresh == 0) return t <= o_.m;
    return (t - 1) % o_.refresh < o_.m;
  }

  MfacOptions o_;
};

}  // namespace

TransformPtr mfac(MfacOptions options) { return std::make_shared<const Mfac>(options); }

}  // namespace descent
