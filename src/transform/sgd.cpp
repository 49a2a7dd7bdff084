#include "descent/transform/sgd.hpp"

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<SgdOptions>>& SgdOptions::fields() {
  static const std::vector<Field<SgdOptions>> f = {
      {"lr", &SgdOptions::lr, Range::positive(), "step size: update = -lr * direction"},
      {"momentum", &SgdOptions::momentum, Range::unit_closed_open(), "b <- momentum * b + g"},
      {"nesterov", &SgdOptions::nesterov, Range::any(), "use g + momentum * b instead of b"},
      {"weight_decay", &SgdOptions::weight_decay, Range::non_negative(), "g <- g + weight_decay * p"}};
  return f;
}

namespace {

class Sgd final : public TransformBase<Sgd> {
 public:
  explicit Sgd(SgdOptions o) : o_(std::move(o)) {
    validate(o_);
    if (o_.nesterov)
      require(o_.momentum > 0, SgdOptions::kName, "momentum", o_.momentum, "momentum > 0 when nesterov = true");
  }
  std::string spec() const override { return to_spec("sgd", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    if (o_.momentum > 0) s.add_slot("momentum_buffer", layout.size());
  }
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    s.step[0] = o_.lr->value(s.count - 1);
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T lr = static_cast<T>(s.step[0]);
    const T wd = static_cast<T>(o_.weight_decay);
    const T mu = static_cast<T>(o_.momentum);
    const T* p = t.p;
    if (o_.momentum == 0) {
#pragma omp simd
      for (std::size_t i = 0; i < t.n; ++i) io.store(i, -lr * (io.load(i) + wd * p[i]));
      return;
    }
    T* b = s.slots[0].data() + t.offset;
    if (o_.nesterov) {
#pragma omp simd
      for (std::size_t i = 0; i < t.n; ++i) {
        const T g = io.load(i) + wd * p[i];
        b[i] = mu * b[i] + g;
        io.store(i, -lr * (g + mu * b[i]));
      }
    } else {
#pragma omp simd
      for (std::size_t i = 0; i < t.n; ++i) {
        const T g = io.load(i) + wd * p[i];
        b[i] = mu * b[i] + g;
        io.store(i, -lr * b[i]);
      }
    }
  }

 private:
  SgdOptions o_;
};

}  // namespace

TransformPtr sgd(SgdOptions options) { return std::make_shared<const Sgd>(std::move(options)); }
TransformPtr momentum(double lr, double beta) { return sgd({constant(lr), beta, false, 0}); }
TransformPtr nesterov(double lr, double beta) { return sgd({constant(lr), beta, true, 0}); }

}  // namespace descent
