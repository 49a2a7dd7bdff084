// The anchor point of SVRG-type methods: a snapshot w and the full gradient there,
//   mu = grad f(w) = (1/n) sum_i grad f_i(w),
// and the control-variate direction built on it for a batch B at x:
//   g = grad f_B(x) - grad f_B(w) + mu,
// which is unbiased (E_B[grad f_B(w)] = mu) and whose variance vanishes as x and w both
// approach the minimizer. SVRG refreshes w every epoch; the loopless methods (L-SVRG,
// L-SVRG with adaptive sampling, L-Katyusha) with a coin flip after each step, which
// LooplessSnapshot below owns together with its checkpoint state. Public because both
// estimators (estimator/) and solvers (solver/) build on it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/core/binary_io.hpp"
#include "descent/core/random.hpp"
#include "descent/objective/objective.hpp"

namespace descent {

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
    row_.clear();
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

  // The same for a batch drawn from p (with replacement), unbiased by importance weights:
  //   direction = mu + (1/|B|) sum_k (grad f_{i_k}(x) - grad f_{i_k}(w)) / (n p_{i_k}),
  // one sample at a time, so that observed[k] = |grad f_{i_k}(x) - grad f_{i_k}(w)|^2 can
  // be reported to a sampling learner. Returns the plain mean of the drawn f_i(x).
  T weighted_corrected_direction(const FiniteSum<T>& f, std::span<const T> x, std::span<const std::size_t> batch,
                                 std::span<const double> probabilities, std::span<T> direction,
                                 std::vector<double>& observed) {
    row_.resize(point_.size());
    std::copy(gradient_.begin(), gradient_.end(), direction.begin());
    observed.resize(batch.size());
    const double b = static_cast<double>(batch.size());
    const double n = static_cast<double>(f.num_samples());
    double value = 0;
    for (std::size_t k = 0; k < batch.size(); ++k) {
      const std::span<const std::size_t> one(&batch[k], 1);
      value += static_cast<double>(f.batch_value_and_gradient(x, one, row_));
      f.batch_value_and_gradient(point_, one, scratch_);
      const T weight = static_cast<T>(1 / (b * n * probabilities[k]));
      double a = 0;
      for (std::size_t j = 0; j < row_.size(); ++j) {
        const T d = row_[j] - scratch_[j];
        direction[j] += weight * d;
        a += static_cast<double>(d) * static_cast<double>(d);
      }
      observed[k] = a;
    }
    return static_cast<T>(value / b);
  }

  // |x - w|^2, in double.
  double squared_distance(std::span<const T> x) const {
    double sum = 0;
    for (std::size_t j = 0; j < x.size(); ++j) {
      const double d = static_cast<double>(x[j]) - static_cast<double>(point_[j]);
      sum += d * d;
    }
    return sum;
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
  std::vector<T> point_, gradient_, scratch_, row_;
  bool taken_ = false;
};

// A snapshot refreshed by a coin: w_0 = x_0 at the first step, then after each step w <- x
// with probability p. The coin draws from the run's seed on its own substream, so the
// batches (substream 0) are the same whether or not a snapshot is taken.
template <class T>
class LooplessSnapshot {
 public:
  // `owner` names the method in checkpoint messages ("lsvrg snapshot count is negative").
  LooplessSnapshot(std::uint64_t seed, std::string owner)
      : coin_(seed, Stream::sampling, 1), owner_(std::move(owner)) {}

  // Sizes the anchor for f and fixes p (snapshot_probability); forgets earlier snapshots.
  void bind(const FiniteSum<T>& f, double requested_probability, std::int64_t batch_size) {
    anchor_.resize(f.dimension());
    probability_ = snapshot_probability(requested_probability, batch_size, f.num_samples());
    count_ = 0;
  }

  Snapshot<T>& anchor() noexcept { return anchor_; }
  const Snapshot<T>& anchor() const noexcept { return anchor_; }
  double probability() const noexcept { return probability_; }
  // Snapshots taken so far (the first, at x_0, included).
  std::int64_t count() const noexcept { return count_; }

  // w_0 = x_0 on the first call; true when it took the snapshot (one pass over the data).
  bool take_first(const FiniteSum<T>& f, std::span<const T> x) {
    if (anchor_.taken()) return false;
    take(f, x);
    return true;
  }
  // The coin flip after a step, with the point the step was estimated at: w_{k+1} = x_k.
  // True when it took a snapshot.
  bool maybe_refresh(const FiniteSum<T>& f, std::span<const T> x) {
    if (!(coin_.uniform() < probability_)) return false;
    take(f, x);
    return true;
  }

  void save(BinaryWriter& out) const {
    out.u64(coin_.position());
    out.i64(count_);
    anchor_.save(out);
  }
  // Reads everything before assigning anything.
  void load(BinaryReader& in) {
    const std::uint64_t position = in.u64((owner_ + " coin position").c_str());
    const std::int64_t count = in.i64((owner_ + " snapshots").c_str());
    if (count < 0) in.fail(owner_ + " snapshot count is negative");
    anchor_.load(in);
    coin_.seek(position);
    count_ = count;
  }

 private:
  void take(const FiniteSum<T>& f, std::span<const T> x) {
    anchor_.take(f, x);
    ++count_;
  }

  Snapshot<T> anchor_;
  Random coin_;
  std::string owner_;
  double probability_ = 0;
  std::int64_t count_ = 0;
};

}  // namespace descent
