#include "descent/transform/clip_by_global_norm.hpp"

#include <cmath>

#include "descent/core/lane_sum.hpp"
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
  bool reduces_to_squared_norm() const override { return true; }

  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}
  template <class T>
  void reduce(const TransformState<T>&, const Tile<T>& t, double* acc) const {
    acc[0] += lane_sum_of_squares(t.d, t.n);
  }
  template <class T>
  void prepare(TransformState<T>& s, const double* reduction) const {
    const double norm = std::sqrt(reduction[0]);
    s.step[0] = norm > o_.max_norm ? o_.max_norm / norm : 1.0;
    s.step[1] = norm;  // kept for inspection (e.g. logging the pre-clip norm)
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    if (Io::kInPlace && s.step[0] == 1.0) return;  // inactive: nothing to rewrite in place
    const T scale = static_cast<T>(s.step[0]);
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) io.store(i, io.load(i) * scale);
  }

 private:
  ClipByGlobalNormOptions o_;
};

}  // namespace

TransformPtr clip_by_global_norm(double max_norm) {
  return std::make_shared<const ClipByGlobalNorm>(ClipByGlobalNormOptions{max_norm});
}

}  // namespace descent
