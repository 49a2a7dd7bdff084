#include "descent/transform/diffgrad.hpp"

#include <cmath>

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<DiffGradOptions>>& DiffGradOptions::fields() {
  static const std::vector<Field<DiffGradOptions>> f = {
      {"lr", &DiffGradOptions::lr, Range::positive(), "step size lr_t"},
      {"beta1", &DiffGradOptions::beta1, Range::unit_closed_open(), "m <- beta1 * m + (1 - beta1) * g"},
      {"beta2", &DiffGradOptions::beta2, Range::unit_closed_open(), "v <- beta2 * v + (1 - beta2) * g^2"},
      {"eps", &DiffGradOptions::eps, Range::non_negative(), "denominator sqrt(v_hat) + eps"},
      {"weight_decay", &DiffGradOptions::weight_decay, Range::non_negative(), "g <- g + weight_decay * p"}};
  return f;
}

namespace {

class DiffGrad final : public TransformBase<DiffGrad> {
 public:
  explicit DiffGrad(DiffGradOptions o) : o_(std::move(o)) { validate(o_); }
  std::string spec() const override { return to_spec("diffgrad", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    s.add_slot("exp_avg", layout.size());
    s.add_slot("exp_avg_sq", layout.size());
    s.add_slot("previous_grad", layout.size());
  }
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    const double t = static_cast<double>(s.count);
    s.step[0] = o_.lr->value(s.count - 1) / (1.0 - std::pow(o_.beta1, t));  // step size on m
    s.step[1] = 1.0 / std::sqrt(1.0 - std::pow(o_.beta2, t));               // 1 / sqrt(bias correction 2)
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T step = static_cast<T>(s.step[0]);
    const T inv_bc2 = static_cast<T>(s.step[1]);
    const T b1 = static_cast<T>(o_.beta1), b2 = static_cast<T>(o_.beta2);
    // 1 - beta formed in double, as in adam.cpp (T(1) - T(beta) would carry T(beta)'s rounding).
    const T c1 = static_cast<T>(1.0 - o_.beta1), c2 = static_cast<T>(1.0 - o_.beta2);
    const T eps = static_cast<T>(o_.eps);
    const T wd = static_cast<T>(o_.weight_decay);
    const T* p = t.p;
    T* m = s.slots[0].data() + t.offset;
    T* v = s.slots[1].data() + t.offset;
    T* previous = s.slots[2].data() + t.offset;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) {
      const T g = io.load(i) + wd * p[i];
      m[i] = b1 * m[i] + c1 * g;
      v[i] = b2 * v[i] + c2 * g * g;
      // exp(-|.|) <= 1: the friction never overflows, and is exactly 1/2 for an unchanged gradient.
      const T friction = T(1) / (T(1) + std::exp(-std::abs(previous[i] - g)));
      previous[i] = g;
      io.store(i, -step * (friction * m[i]) / (std::sqrt(v[i]) * inv_bc2 + eps));
    }
  }

 private:
  DiffGradOptions o_;
};

}  // namespace

TransformPtr diffgrad(DiffGradOptions options) { return std::make_shared<const DiffGrad>(std::move(options)); }

}  // namespace descent
