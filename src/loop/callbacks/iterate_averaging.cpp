#include "descent/loop/callbacks/iterate_averaging.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"

namespace descent {

std::string to_string(AveragingKind kind) {
  switch (kind) {
    case AveragingKind::polyak:
      return "polyak";
    case AveragingKind::tail:
      return "tail";
    case AveragingKind::exponential:
      return "exponential";
  }
  return "unknown";
}

const std::vector<Field<IterateAveragingOptions>>& IterateAveragingOptions::fields() {
  using O = IterateAveragingOptions;
  static const std::vector<Field<O>> f = {
      {"start_step", &O::start_step, Range::non_negative(), "polyak/exponential: average x_t for t > start_step"},
      {"tail_fraction", &O::tail_fraction, Range{0, 1, true, false},
       "tail: average x_t for t > ceil((1 - tail_fraction) * max_steps)"},
      {"decay", &O::decay, Range{0, 1, true, true}, "exponential: weight decay^j on x_{t-j}"},
      {"write_back", &O::write_back, Range::any(), "copy the average into the parameters when the run ends"}};
  return f;
}

void IterateAveragingOptions::validate() const {
  if (kind != AveragingKind::polyak && kind != AveragingKind::tail && kind != AveragingKind::exponential)
    throw ConfigError(std::string(kName) + "::kind = " + std::to_string(static_cast<int>(kind)) +
                      " is not one of polyak, tail, exponential");
  descent::validate(*this);
}

// --- RunningAverage ---------------------------------------------------------------------

template <class T>
void RunningAverage<T>::reset(std::size_t size, double decay) {
  require(decay > 0 && decay <= 1, "RunningAverage", "decay", decay, "0 < decay <= 1");
  decay_ = decay;
  count_ = 0;
  weight_ = 0;
  if (sum_.size() != size) sum_ = AlignedBuffer<double>(size);
  std::fill(sum_.begin(), sum_.end(), 0.0);
  // Only a uniform sum of doubles needs the compensation (see the header).
  const bool compensate = std::is_same_v<T, double> && decay == 1.0;
  const std::size_t carry_size = compensate ? size : 0;
  if (carry_.size() != carry_size) carry_ = AlignedBuffer<double>(carry_size);
  std::fill(carry_.begin(), carry_.end(), 0.0);
}

template <class T>
void RunningAverage<T>::add(std::span<const T> x) {
  if (x.size() != sum_.size())
    throw MismatchError("RunningAverage: a vector of " + std::to_string(x.size()) + " values added to an average of " +
                        std::to_string(sum_.size()));
  ++count_;
  weight_ = decay_ * weight_ + 1.0;
  const std::size_t n = x.size();
  const std::size_t tiles = tile_count(n);
  const T* __restrict xs = x.data();
  double* __restrict s = sum_.data();
  if (decay_ < 1.0) {
    // Running weighted mean: m_n = m_{n-1} + (x_n - m_{n-1}) / W_n with W_n = decay W_{n-1} + 1
    // equals sum_k decay^(n-k) x_k / W_n without ever forming the (growing) sum.
    const double w = 1.0 / weight_;
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
    for (std::size_t tile = 0; tile < tiles; ++tile) {
      const std::size_t end = std::min(n, (tile + 1) * kTileSize);
      for (std::size_t i = tile * kTileSize; i < end; ++i) s[i] += (static_cast<double>(xs[i]) - s[i]) * w;
    }
  } else if (!carry_.empty()) {
    // Neumaier's compensated sum: c collects what each addition to s rounded away.
    double* __restrict c = carry_.data();
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
    for (std::size_t tile = 0; tile < tiles; ++tile) {
      const std::size_t end = std::min(n, (tile + 1) * kTileSize);
      for (std::size_t i = tile * kTileSize; i < end; ++i) {
        const double v = static_cast<double>(xs[i]);
        const double t = s[i] + v;
        c[i] += std::abs(s[i]) >= std::abs(v) ? (s[i] - t) + v : (v - t) + s[i];
        s[i] = t;
      }
    }
  } else {
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
    for (std::size_t tile = 0; tile < tiles; ++tile) {
      const std::size_t end = std::min(n, (tile + 1) * kTileSize);
      for (std::size_t i = tile * kTileSize; i < end; ++i) s[i] += static_cast<double>(xs[i]);
    }
  }
}

template <class T>
double RunningAverage<T>::at(std::size_t i) const {
  if (count_ == 0) return 0;
  if (decay_ < 1.0) return sum_[i];
  const double total = carry_.empty() ? sum_[i] : sum_[i] + carry_[i];
  return total / static_cast<double>(count_);
}

template <class T>
void RunningAverage<T>::write(std::span<T> out) const {
  if (out.size() != sum_.size())
    throw MismatchError("RunningAverage: the average has " + std::to_string(sum_.size()) + " values, the output " +
                        std::to_string(out.size()));
  const std::size_t n = out.size();
  const std::size_t tiles = tile_count(n);
#pragma omp parallel for schedule(static) if (tiles >= kMinTilesForThreads)
  for (std::size_t tile = 0; tile < tiles; ++tile) {
    const std::size_t end = std::min(n, (tile + 1) * kTileSize);
    for (std::size_t i = tile * kTileSize; i < end; ++i) out[i] = static_cast<T>(at(i));
  }
}

// --- IterateAveraging -------------------------------------------------------------------

template <class T>
IterateAveraging<T>::IterateAveraging(IterateAveragingOptions options) : options_(options) {
  options_.validate();
}

template <class T>
void RunningAverage<T>::save(BinaryWriter& out) const {
  out.f64(decay_);
  out.i64(count_);
  out.f64(weight_);
  out.array(std::span<const double>(sum_.data(), sum_.size()));
  out.array(std::span<const double>(carry_.data(), carry_.size()));
}

template <class T>
void RunningAverage<T>::load(BinaryReader& in) {
  const double decay = in.f64("the average's decay");
  if (decay != decay_) in.fail("the average's decay " + format_number(decay) + " differs from this run's " +
                               format_number(decay_));
  const std::int64_t count = in.i64("the average's count");
  const double weight = in.f64("the average's weight");
  if (count < 0) in.fail("negative count of averaged iterates");
  in.array_into(sum_.span(), "the average's sums");
  in.array_into(carry_.span(), "the average's compensation");
  count_ = count;
  weight_ = weight;
}

template <class T>
std::string IterateAveraging<T>::state_name() const {
  return "iterate_averaging";
}

template <class T>
void IterateAveraging<T>::save_state(BinaryWriter& out) const {
  accumulator_.save(out);
}

template <class T>
void IterateAveraging<T>::load_state(BinaryReader& in) {
  accumulator_.load(in);
  average_stale_ = true;
}

template <class T>
void IterateAveraging<T>::on_start(const LoopView<T>& loop) {
  std::int64_t last_skipped = options_.start_step;  // x_t is averaged for t > last_skipped
  if (options_.kind == AveragingKind::tail) {
    // The last floor(fraction * max_steps) iterates. Decimal fractions are not exact in
    // binary (0.29 * 100 = 28.999...96); the 1e-9 nudge lands on the intended integer.
    const double tail = std::floor(options_.tail_fraction * static_cast<double>(loop.max_steps) + 1e-9);
    last_skipped = loop.max_steps - static_cast<std::int64_t>(tail);
  }
  first_step_ = last_skipped + 1;
  accumulator_.reset(loop.params.size(), options_.kind == AveragingKind::exponential ? options_.decay : 1.0);
  if (average_.size() != loop.params.size()) average_ = AlignedBuffer<T>(loop.params.size());
  average_stale_ = true;
}

template <class T>
std::optional<Stop> IterateAveraging<T>::after_update(const StepReport<T>& report, const LoopView<T>& loop) {
  if (report.step >= first_step_) {
    accumulator_.add(std::span<const T>(loop.params.flat()));
    average_stale_ = true;
  }
  return std::nullopt;
}

template <class T>
bool IterateAveraging<T>::finalize(const LoopView<T>& loop) {
  if (!options_.write_back || count() == 0) return false;
  accumulator_.write(loop.params.flat());
  return true;
}

template <class T>
std::span<const T> IterateAveraging<T>::average() const {
  if (count() == 0) return {};
  if (average_stale_) {
    accumulator_.write(average_.span());
    average_stale_ = false;
  }
  return average_.span();
}

template class RunningAverage<float>;
template class RunningAverage<double>;
template class IterateAveraging<float>;
template class IterateAveraging<double>;

}  // namespace descent
