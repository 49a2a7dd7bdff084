#include "descent/transform/adagrad_norm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/core/lane_sum.hpp"
#include "descent/core/parallel.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<AdagradNormOptions>>& AdagradNormOptions::fields() {
  static const std::vector<Field<AdagradNormOptions>> f = {
      {"lr", &AdagradNormOptions::lr, Range::positive(), "step size lr_t: update = -lr_t * g / b_t"},
      {"b0", &AdagradNormOptions::b0, Range::positive(), "b_0, the initial b in b_t^2 = b_{t-1}^2 + ||g_t||^2"},
      {"weight_decay", &AdagradNormOptions::weight_decay, Range::non_negative(), "g <- g + weight_decay * p"}};
  return f;
}

namespace {

// sum_i (d_i + wd p_i)^2 over a tile, the decayed direction formed in T exactly as the
// update forms it, so that b sums the squares of the very g the step divides. Chunked through
// an L1 buffer: a caller may hand one tile longer than kTileSize. Out of line so that the
// common case (no decay) stays a small loop inlined into reduce_tile.
template <class T>
[[gnu::noinline]] double decayed_sum_of_squares(const Tile<T>& t, T wd) {
  alignas(kAlignment) T g[kTileSize];
  double sum = 0;
  for (std::size_t begin = 0; begin < t.n; begin += kTileSize) {
    const std::size_t len = std::min(kTileSize, t.n - begin);
    const T* d = t.d + begin;
    const T* p = t.p + begin;
#pragma omp simd
    for (std::size_t i = 0; i < len; ++i) g[i] = d[i] + wd * p[i];
    sum += lane_sum_of_squares(g, len);
  }
  return sum;
}

class AdagradNorm final : public TransformBase<AdagradNorm, TransformKind::reducing> {
 public:
  explicit AdagradNorm(AdagradNormOptions o) : o_(std::move(o)) { validate(o_); }
  std::string spec() const override { return to_spec("adagrad_norm", o_); }
  std::size_t reduction_size() const override { return 1; }
  // With coupled decay the sum is over g + weight_decay * p, which no caller has at hand.
  bool reduces_to_squared_norm() const override { return o_.weight_decay == 0; }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout&) const {
    s.add_scalar("b_squared", o_.b0 * o_.b0);
  }

  template <class T>
  void reduce(const TransformState<T>&, const Tile<T>& t, double* acc) const {
    // Without decay, exactly what sum_of_squares computes for this tile, as
    // reduces_to_squared_norm promises.
    acc[0] += o_.weight_decay == 0 ? lane_sum_of_squares(t.d, t.n)
                                   : decayed_sum_of_squares(t, static_cast<T>(o_.weight_decay));
  }

  template <class T>
  void prepare(TransformState<T>& s, const double* reduction) const {
    if (reduction == nullptr)
      throw MismatchError("adagrad_norm: begin_step needs the squared norm of the direction (run it through apply)");
    s.scalars[0] += reduction[0];
    // lr_t / b_t overflows only while b_t is below lr_t / max (a tiny b0 and no gradient yet):
    // the largest finite T keeps a zero direction a zero update there instead of inf * 0 = NaN.
    const double scale = o_.lr->value(s.count - 1) / std::sqrt(s.scalars[0]);
    s.step[0] = std::min(scale, static_cast<double>(std::numeric_limits<T>::max()));
  }

  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T scale = static_cast<T>(s.step[0]);
    const T wd = static_cast<T>(o_.weight_decay);
    const T* p = t.p;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) io.store(i, -scale * (io.load(i) + wd * p[i]));
  }

 private:
  AdagradNormOptions o_;
};

}  // namespace

TransformPtr adagrad_norm(AdagradNormOptions options) {
  return std::make_shared<const AdagradNorm>(std::move(options));
}

}  // namespace descent
