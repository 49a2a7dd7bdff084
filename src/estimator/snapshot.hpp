// The anchor point of SVRG-type estimators: a snapshot w and the full gradient there,
//   mu = grad f(w) = (1/n) sum_i grad f_i(w),
// and the control-variate direction built on it for a batch B at x:
//   g = grad f_B(x) - grad f_B(w) + mu,
// which is unbiased (E_B[grad f_B(w)] = mu) and whose variance vanishes as x and w both
// approach the minimizer. SVRG refreshes w every epoch, L-SVRG with a coin flip.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/core/binary_io.hpp"
#include "descent/objective/objective.hpp"

namespace descent::detail {

// The loopless methods' snapshot probability: `requested` when set (> 0), else |B| / n, the
// choice that keeps the expected cost of a step at a constant number of sample gradients
// (Kovalev et al.'s p = 1/n for single samples).
inline double snapshot_probability(double requested, std::int64_t batch_size, std::size_t n) {
  return requested > 0 ? requested : std::min(1.0, static_cast<double>(batch_size) / static_cast<double>(n));
}

template <class T>
class Snapshot {
 public:
  void resize(std::size_t dimension) {
    point_.assign(dimension, T(0));
    gradient_.assign(dimension, T(0));
    scratch_.assign(dimension, T(0));
    taken_ = false;
  }
  bool taken() const noexcept { return taken_; }
  std::span<const T> point() const noexcept { return point_; }
  std::span<const T> gradient() const noexcept { return gradient_; }

  // w <- x, mu <- grad f(x): one pass over the data.
  void take(const FiniteSum<T>& f, std::span<const T> x) {
    std::copy(x.begin(), x.end(), point_.begin());
    f.value_and_gradient(point_, gradient_);
    taken_ = true;
  }

  // Writes grad f_B(x) - grad f_B(w) + mu into `direction`; returns f_B(x).
  T corrected_direction(const FiniteSum<T>& f, std::span<const T> x, std::span<const std::size_t> batch,
                        std::span<T> direction) {
    const T value = f.batch_value_and_gradient(x, batch, direction);
    f.batch_value_and_gradient(point_, batch, scratch_);
    for (std::size_t j = 0; j < direction.size(); ++j) direction[j] = (direction[j] - scratch_[j]) + gradient_[j];
    return value;
  }

  void save(BinaryWriter& out) const {
    out.u8(taken_ ? 1 : 0);
    out.array(std::span<const T>(point_));
    out.array(std::span<const T>(gradient_));
  }
  // Checks sizes before assigning anything.
  void load(BinaryReader& in) {
    const bool taken = in.u8("snapshot flag") != 0;
    std::vector<T> point(point_.size()), gradient(gradient_.size());
    in.array_into(std::span<T>(point), "snapshot point");
    in.array_into(std::span<T>(gradient), "snapshot gradient");
    point_ = std::move(point);
    gradient_ = std::move(gradient);
    taken_ = taken;
  }

 private:
  std::vector<T> point_, gradient_, scratch_;
  bool taken_ = false;
};

}  // namespace descent::detail
