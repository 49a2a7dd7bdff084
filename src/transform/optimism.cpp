#include "descent/transform/optimism.hpp"

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<OptimismOptions>>& OptimismOptions::fields() {
  static const std::vector<Field<OptimismOptions>> f = {
      {"strength", &OptimismOptions::strength, Range::non_negative(), "u' = (1 + strength) u_t - strength u_{t-1}"}};
  return f;
}

namespace {

class Optimism final : public TransformBase<Optimism> {
 public:
  explicit Optimism(OptimismOptions o) : o_(o) { validate(o_); }
  std::string spec() const override { return to_spec("optimism", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    s.add_slot("previous_update", layout.size());
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T c = static_cast<T>(o_.strength);
    const T one_plus_c = T(1) + c;
    T* previous = s.slots[0].data() + t.offset;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) {
      const T u = io.load(i);
      io.store(i, one_plus_c * u - c * previous[i]);
      previous[i] = u;
    }
  }

 private:
  OptimismOptions o_;
};

}  // namespace

TransformPtr optimism(OptimismOptions options) { return std::make_shared<const Optimism>(options); }

}  // namespace descent
