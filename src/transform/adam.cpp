#include "descent/transform/adam.hpp"

#include <algorithm>
#include <cmath>

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<AdamOptions>>& AdamOptions::fields() {
  static const std::vector<Field<AdamOptions>> f = {
      {"lr", &AdamOptions::lr, Range::positive(), "step size lr_t"},
      {"beta1", &AdamOptions::beta1, Range::unit_closed_open(), "m <- beta1 * m + (1 - beta1) * g"},
      {"beta2", &AdamOptions::beta2, Range::unit_closed_open(), "v <- beta2 * v + (1 - beta2) * g^2"},
      {"eps", &AdamOptions::eps, Range::non_negative(), "denominator sqrt(v_hat) + eps"},
      {"weight_decay", &AdamOptions::weight_decay, Range::non_negative(),
       "adam: g <- g + wd * p; adamw: update -= lr * wd * p"},
      {"amsgrad", &AdamOptions::amsgrad, Range::any(), "divide by sqrt(max_t v_t) (Reddi et al. 2018)"}};
  return f;
}

namespace {

class Adam final : public TransformBase<Adam> {
 public:
  Adam(AdamOptions o, bool decoupled) : o_(std::move(o)), decoupled_(decoupled) { validate(o_); }
  std::string spec() const override { return to_spec(decoupled_ ? "adamw" : "adam", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    s.add_slot("exp_avg", layout.size());
    s.add_slot("exp_avg_sq", layout.size());
    if (o_.amsgrad) s.add_slot("max_exp_avg_sq", layout.size());
  }
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    const double t = static_cast<double>(s.count);
    const double lr = o_.lr->value(s.count - 1);
    s.step[0] = lr / (1.0 - std::pow(o_.beta1, t));            // step size on m
    s.step[1] = 1.0 / std::sqrt(1.0 - std::pow(o_.beta2, t));  // 1 / sqrt(bias correction 2)
    s.step[2] = lr * o_.weight_decay;                          // decoupled decay
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T step = static_cast<T>(s.step[0]);
    const T inv_bc2 = static_cast<T>(s.step[1]);
    const T b1 = static_cast<T>(o_.beta1), b2 = static_cast<T>(o_.beta2);
    // 1 - beta in double, then rounded: T(1) - T(beta) would carry T(beta)'s rounding error,
    // amplified by 1 / (1 - beta) (400 float epsilons for beta2 = 0.9995).
    const T c1 = static_cast<T>(1.0 - o_.beta1), c2 = static_cast<T>(1.0 - o_.beta2);
    const T eps = static_cast<T>(o_.eps);
    const T coupled = decoupled_ ? T(0) : static_cast<T>(o_.weight_decay);
    const T decay = decoupled_ ? static_cast<T>(s.step[2]) : T(0);
    const T* p = t.p;
    T* m = s.slots[0].data() + t.offset;
    T* v = s.slots[1].data() + t.offset;
    if (o_.amsgrad) {
      T* vmax = s.slots[2].data() + t.offset;
#pragma omp simd
      for (std::size_t i = 0; i < t.n; ++i) {
        const T g = io.load(i) + coupled * p[i];
        m[i] = b1 * m[i] + c1 * g;
        v[i] = b2 * v[i] + c2 * g * g;
        vmax[i] = std::max(vmax[i], v[i]);
        io.store(i, -step * m[i] / (std::sqrt(vmax[i]) * inv_bc2 + eps) - decay * p[i]);
      }
    } else {
#pragma omp simd
      for (std::size_t i = 0; i < t.n; ++i) {
        const T g = io.load(i) + coupled * p[i];
        m[i] = b1 * m[i] + c1 * g;
        v[i] = b2 * v[i] + c2 * g * g;
        io.store(i, -step * m[i] / (std::sqrt(v[i]) * inv_bc2 + eps) - decay * p[i]);
      }
    }
  }

 private:
  AdamOptions o_;
  bool decoupled_;
};

}  // namespace

TransformPtr adam(AdamOptions options) { return std::make_shared<const Adam>(std::move(options), false); }
TransformPtr adamw(AdamOptions options) { return std::make_shared<const Adam>(std::move(options), true); }
TransformPtr amsgrad(AdamOptions options) {
  options.amsgrad = true;
  return std::make_shared<const Adam>(std::move(options), false);
}

}  // namespace descent
