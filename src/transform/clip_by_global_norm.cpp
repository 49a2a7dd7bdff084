#include "descent/transform/clip_by_global_norm.hpp"

#include <cmath>

#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<ClipByGlobalNormOptions>>& ClipByGlobalNormOptions::fields() {
  static const std::vector<Field<ClipByGlobalNormOptions>> f = {{"max_norm", &ClipByGlobalNormOptions::max_norm,
                                                                 Range::positive(),
                                                                 "d <- d * max_norm / ||d|| when ||d|| > max_norm"}};
  return f;
}

namespace {

class ClipByGlobalNorm final : public TransformBase<ClipByGlobalNorm, TransformKind::reducing> {
 public:
  explicit ClipByGlobalNorm(ClipByGlobalNormOptions o) : o_(o) { validate(o_); }
  std::string spec() const override { return to_spec("clip_by_global_norm", o_); }
  std::size_t reduction_size() const override { return 1; }

  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}
  template <class T>
  void reduce(const TransformState<T>&, const Tile<T>& t, double* acc) const {
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (std::size_t i = 0; i < t.n; ++i) s += static_cast<double>(t.d[i]) * static_cast<double>(t.d[i]);
    acc[0] += s;
  }
  template <class T>
  void prepare(TransformState<T>& s, const double* reduction) const {
    const double norm = std::sqrt(reduction[0]);
    s.step[0] = norm > o_.max_norm ? o_.max_norm / norm : 1.0;
    s.step[1] = norm;  // kept for inspection (e.g. logging the pre-clip norm)
  }
  template <class T>
  void tile(TransformState<T>& s, const Tile<T>& t) const {
    if (s.step[0] == 1.0) return;
    const T scale = static_cast<T>(s.step[0]);
    T* __restrict d = t.d;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) d[i] *= scale;
  }

 private:
  ClipByGlobalNormOptions o_;
};

}  // namespace

TransformPtr clip_by_global_norm(double max_norm) {
  return std::make_shared<const ClipByGlobalNorm>(ClipByGlobalNormOptions{max_norm});
}

}  // namespace descent
