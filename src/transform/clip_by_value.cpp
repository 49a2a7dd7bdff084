#include "descent/transform/clip_by_value.hpp"

#include <algorithm>

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<ClipByValueOptions>>& ClipByValueOptions::fields() {
  static const std::vector<Field<ClipByValueOptions>> f = {
      {"limit", &ClipByValueOptions::limit, Range::positive(), "d_i <- clamp(d_i, -limit, limit)"}};
  return f;
}

namespace {

class ClipByValue final : public TransformBase<ClipByValue> {
 public:
  explicit ClipByValue(ClipByValueOptions o) : o_(o) { validate(o_); }
  std::string spec() const override { return to_spec("clip_by_value", o_); }
  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}
  template <class T, class Io>
  void tile(TransformState<T>&, const Tile<T>& t, Io io) const {
    const T hi = static_cast<T>(o_.limit), lo = -hi;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) io.store(i, std::min(std::max(io.load(i), lo), hi));
  }

 private:
  ClipByValueOptions o_;
};

}  // namespace

TransformPtr clip_by_value(double limit) { return std::make_shared<const ClipByValue>(ClipByValueOptions{limit}); }

}  // namespace descent
