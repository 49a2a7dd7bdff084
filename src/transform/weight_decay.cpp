#include "descent/transform/weight_decay.hpp"

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<WeightDecayOptions>>& WeightDecayOptions::fields() {
  static const std::vector<Field<WeightDecayOptions>> f = {
      {"rate", &WeightDecayOptions::rate, Range::non_negative(), "d <- d - rate_t * p"}};
  return f;
}

const std::vector<Field<AddDecayedWeightsOptions>>& AddDecayedWeightsOptions::fields() {
  static const std::vector<Field<AddDecayedWeightsOptions>> f = {
      {"coefficient", &AddDecayedWeightsOptions::coefficient, Range::non_negative(), "d <- d + coefficient * p"}};
  return f;
}

namespace {

class WeightDecay final : public TransformBase<WeightDecay> {
 public:
  explicit WeightDecay(WeightDecayOptions o) : o_(std::move(o)) { validate(o_); }
  std::string spec() const override { return to_spec("weight_decay", o_); }
  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    s.step[0] = o_.rate->value(s.count - 1);
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T rate = static_cast<T>(s.step[0]);
    const T* p = t.p;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) io.store(i, io.load(i) - rate * p[i]);
  }

 private:
  WeightDecayOptions o_;
};

class AddDecayedWeights final : public TransformBase<AddDecayedWeights> {
 public:
  explicit AddDecayedWeights(AddDecayedWeightsOptions o) : o_(o) { validate(o_); }
  std::string spec() const override { return to_spec("add_decayed_weights", o_); }
  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}
  template <class T, class Io>
  void tile(TransformState<T>&, const Tile<T>& t, Io io) const {
    const T c = static_cast<T>(o_.coefficient);
    const T* p = t.p;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) io.store(i, io.load(i) + c * p[i]);
  }

 private:
  AddDecayedWeightsOptions o_;
};

}  // namespace

TransformPtr weight_decay(WeightDecayOptions options) {
  return std::make_shared<const WeightDecay>(std::move(options));
}
TransformPtr weight_decay(double rate) { return weight_decay(WeightDecayOptions{constant(rate)}); }
TransformPtr add_decayed_weights(double coefficient) {
  return std::make_shared<const AddDecayedWeights>(AddDecayedWeightsOptions{coefficient});
}

}  // namespace descent
