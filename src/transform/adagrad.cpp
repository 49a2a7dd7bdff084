#include "descent/transform/adagrad.hpp"

#include <cmath>

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<AdagradOptions>>& AdagradOptions::fields() {
  static const std::vector<Field<AdagradOptions>> f = {
      {"lr", &AdagradOptions::lr, Range::positive(), "step size lr_t"},
      {"lr_decay", &AdagradOptions::lr_decay, Range::non_negative(), "lr_t / (1 + (t - 1) * lr_decay)"},
      {"weight_decay", &AdagradOptions::weight_decay, Range::non_negative(), "g <- g + weight_decay * p"},
      {"initial_accumulator", &AdagradOptions::initial_accumulator, Range::non_negative(), "s_0"},
      {"eps", &AdagradOptions::eps, Range::non_negative(), "denominator sqrt(s) + eps"}};
  return f;
}

namespace {

class Adagrad final : public TransformBase<Adagrad> {
 public:
  explicit Adagrad(AdagradOptions o) : o_(std::move(o)) { validate(o_); }
  std::string spec() const override { return to_spec("adagrad", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    s.add_slot("sum", layout.size(), static_cast<T>(o_.initial_accumulator));
  }
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    s.step[0] = o_.lr->value(s.count - 1) / (1.0 + static_cast<double>(s.count - 1) * o_.lr_decay);
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T lr = static_cast<T>(s.step[0]);
    const T wd = static_cast<T>(o_.weight_decay);
    const T eps = static_cast<T>(o_.eps);
    const T* p = t.p;
    T* acc = s.slots[0].data() + t.offset;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) {
      const T g = io.load(i) + wd * p[i];
      acc[i] += g * g;
      io.store(i, -lr * g / (std::sqrt(acc[i]) + eps));
    }
  }

 private:
  AdagradOptions o_;
};

}  // namespace

TransformPtr adagrad(AdagradOptions options) { return std::make_shared<const Adagrad>(std::move(options)); }

}  // namespace descent
