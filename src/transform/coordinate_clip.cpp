#include "descent/transform/coordinate_clip.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<CoordinateClipOptions>>& CoordinateClipOptions::fields() {
  static const std::vector<Field<CoordinateClipOptions>> f = {
      {"fraction", &CoordinateClipOptions::fraction, Range::unit_closed_open(),
       "clips the floor(fraction * n) largest |d_i| to the next largest"}};
  return f;
}

namespace {

// |d| copied for the selection, one per thread and precision; grows, never shrinks.
template <class T>
std::vector<T>& magnitude_scratch(std::size_t size) {
  thread_local std::vector<T> scratch;
  if (scratch.size() < size) scratch.resize(size);
  return scratch;
}

class CoordinateClip final : public TransformBase<CoordinateClip, TransformKind::global> {
 public:
  explicit CoordinateClip(CoordinateClipOptions o) : o_(o) { validate(o_); }
  std::string spec() const override { return to_spec("coordinate_clip", o_); }

  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}

  // The threshold needs every coordinate first: no per-tile form.
  template <class T, class Io>
  void tile(TransformState<T>&, const Tile<T>&, Io) const {
    throw MismatchError("coordinate_clip is a global transform: run it through descent::update or descent::apply");
  }

  template <class T>
  void global(TransformState<T>& s, std::span<T> d, std::span<const T>, const ParameterLayout&) const {
    const std::size_t n = d.size();
    // int(n * fraction) as in the paper's code; below n because fraction < 1.
    const auto k = static_cast<std::size_t>(static_cast<double>(n) * o_.fraction);
    s.step[0] = -1;  // no threshold this step (kept for inspection otherwise)
    if (k == 0) return;
    std::vector<T>& magnitude = magnitude_scratch<T>(n);
    // A NaN would break the strict weak order nth_element relies on (and libstdc++'s
    // unguarded partition could then run past the range): it counts as +inf here, and
    // stays NaN in d, where clamping leaves it.
    for (std::size_t i = 0; i < n; ++i) {
      const T a = std::abs(d[i]);
      magnitude[i] = a == a ? a : std::numeric_limits<T>::infinity();
    }
    const auto begin = magnitude.begin();
    std::nth_element(begin, begin + static_cast<std::ptrdiff_t>(k), begin + static_cast<std::ptrdiff_t>(n),
                     std::greater<T>());
    const T hi = magnitude[k], lo = -hi;
    s.step[0] = static_cast<double>(hi);
    T* x = d.data();
#pragma omp simd
    for (std::size_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], lo), hi);
  }

 private:
  CoordinateClipOptions o_;
};

}  // namespace

TransformPtr coordinate_clip(double fraction) {
  return std::make_shared<const CoordinateClip>(CoordinateClipOptions{fraction});
}

}  // namespace descent
