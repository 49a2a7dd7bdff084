#include "descent/transform/normalize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/lane_sum.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<NormalizeOptions>>& NormalizeOptions::fields() {
  static const std::vector<Field<NormalizeOptions>> f = {
      {"eps", &NormalizeOptions::eps, Range::positive(), "d <- d / max(||d||_2, eps)"}};
  return f;
}

namespace {

class Normalize final : public TransformBase<Normalize, TransformKind::reducing> {
 public:
  explicit Normalize(NormalizeOptions o) : o_(o) { validate(o_); }
  std::string spec() const override { return to_spec("normalize", o_); }
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
    s.step[0] = 1.0 / std::max(norm, o_.eps);
    s.step[1] = norm;  // kept for inspection (the gradient norm before normalization)
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    // 1 / max(norm, eps) can exceed float's range (a norm below 3e-39): clamped to the largest
    // float, which still leaves every |d_i| * scale <= ~1 since |d_i| <= norm.
    const T scale = static_cast<T>(std::min(s.step[0], static_cast<double>(std::numeric_limits<T>::max())));
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) io.store(i, io.load(i) * scale);
  }

 private:
  NormalizeOptions o_;
};

}  // namespace

TransformPtr normalize(NormalizeOptions options) { return std::make_shared<const Normalize>(options); }

}  // namespace descent
