#include "descent/transform/rmsprop.hpp"

#include <algorithm>
#include <cmath>

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<RmspropOptions>>& RmspropOptions::fields() {
  static const std::vector<Field<RmspropOptions>> f = {
      {"lr", &RmspropOptions::lr, Range::positive(), "step size lr_t"},
      {"alpha", &RmspropOptions::alpha, Range::unit_closed_open(), "s <- alpha * s + (1 - alpha) * g^2"},
      {"eps", &RmspropOptions::eps, Range::non_negative(), "denominator sqrt(s) + eps"},
      {"weight_decay", &RmspropOptions::weight_decay, Range::non_negative(), "g <- g + weight_decay * p"},
      {"momentum", &RmspropOptions::momentum, Range::unit_closed_open(), "b <- momentum * b + g / r"},
      {"centered", &RmspropOptions::centered, Range::any(), "r = sqrt(s - a^2) with a the mean gradient"}};
  return f;
}

namespace {

class Rmsprop final : public TransformBase<Rmsprop> {
 public:
  explicit Rmsprop(RmspropOptions o) : o_(std::move(o)) { validate(o_); }
  std::string spec() const override { return to_spec("rmsprop", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    s.add_slot("square_avg", layout.size());
    if (o_.centered) s.add_slot("grad_avg", layout.size());
    if (o_.momentum > 0) s.add_slot("momentum_buffer", layout.size());
  }
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    s.step[0] = o_.lr->value(s.count - 1);
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    // One loop per variant, so that each has no branch and vectorizes (with the branches
    // inside, GCC left the loop scalar; bench/vectorization_report shows which kernels are
    // vectorized).
    const bool centered = o_.centered, with_momentum = o_.momentum > 0;
    if (centered && with_momentum)
      run<true, true>(s, t, io);
    else if (centered)
      run<true, false>(s, t, io);
    else if (with_momentum)
      run<false, true>(s, t, io);
    else
      run<false, false>(s, t, io);
  }

 private:
  template <bool kCentered, bool kMomentum, class T, class Io>
  void run(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T lr = static_cast<T>(s.step[0]);
    const T wd = static_cast<T>(o_.weight_decay);
    // 1 - alpha in double, then rounded (T(1) - T(alpha) amplifies T(alpha)'s rounding error).
    const T alpha = static_cast<T>(o_.alpha), c = static_cast<T>(1.0 - o_.alpha);
    const T eps = static_cast<T>(o_.eps);
    const T mu = static_cast<T>(o_.momentum);
    const T* p = t.p;
    T* sq = s.slots[0].data() + t.offset;
    T* avg = kCentered ? s.slots[1].data() + t.offset : nullptr;
    T* buf = kMomentum ? s.slots.back().data() + t.offset : nullptr;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) {
      const T g = io.load(i) + wd * p[i];
      sq[i] = alpha * sq[i] + c * g * g;
      T r;
      if constexpr (kCentered) {
        avg[i] = alpha * avg[i] + c * g;
        // s - a^2 >= 0 exactly; rounding can leave a tiny negative residue under a steady gradient.
        r = std::sqrt(std::max(sq[i] - avg[i] * avg[i], T(0))) + eps;
      } else {
        r = std::sqrt(sq[i]) + eps;
      }
      if constexpr (kMomentum) {
        buf[i] = mu * buf[i] + g / r;
        io.store(i, -lr * buf[i]);
      } else {
        io.store(i, -lr * g / r);
      }
    }
  }

  RmspropOptions o_;
};

}  // namespace

TransformPtr rmsprop(RmspropOptions options) { return std::make_shared<const Rmsprop>(std::move(options)); }

}  // namespace descent
