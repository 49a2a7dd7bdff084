#include "descent/estimator/micro_batch_aggregation.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "descent/core/error.hpp"
#include "descent/estimator/robust_aggregation.hpp"
#include "finite_sum_binding.hpp"

namespace descent {

const std::vector<Field<MedianOfMeansOptions>>& MedianOfMeansOptions::fields() {
  using O = MedianOfMeansOptions;
  static const std::vector<Field<O>> f = {
      {"batch_size", &O::batch_size, Range::at_least(1), "samples per step |B|, in shuffled epochs; >= k"},
      {"k", &O::k, Range::at_least(1),
       "micro-batches the step's batch is cut into; the direction is the coordinate-wise median of their means"}};
  return f;
}

const std::vector<Field<WinsorizedMeanOptions>>& WinsorizedMeanOptions::fields() {
  using O = WinsorizedMeanOptions;
  static const std::vector<Field<O>> f = {
      {"batch_size", &O::batch_size, Range::at_least(1), "samples per step |B|, in shuffled epochs; >= k"},
      {"k", &O::k, Range::at_least(1), "micro-batches (k = batch_size: per-example gradients, the paper's setting)"},
      {"c", &O::c, Range::non_negative(),
       "per coordinate, the c largest and c smallest micro-batch values are clamped to the nearest kept one; 2 c < k"}};
  return f;
}

const std::vector<Field<GradientSurgeryOptions>>& GradientSurgeryOptions::fields() {
  using O = GradientSurgeryOptions;
  static const std::vector<Field<O>> f = {
      {"batch_size", &O::batch_size, Range::at_least(1), "samples per step |B|, in shuffled epochs; >= k"},
      {"k", &O::k, Range::at_least(1),
       "micro-batches whose gradients are projected off each other's conflicting directions (PCGrad), then averaged"}};
  return f;
}

namespace {

template <class Options>
void require_batch_holds_k(const Options& o) {
  require(o.batch_size >= o.k, Options::kName, "k", static_cast<double>(o.k),
          "k <= batch_size (batch_size = " + std::to_string(o.batch_size) + ": every micro-batch needs a sample)");
}

}  // namespace

void validate(const MedianOfMeansOptions& options) {
  validate<MedianOfMeansOptions>(options);
  require_batch_holds_k(options);
}

void validate(const WinsorizedMeanOptions& options) {
  validate<WinsorizedMeanOptions>(options);
  require_batch_holds_k(options);
  require(2 * options.c < options.k, WinsorizedMeanOptions::kName, "c", static_cast<double>(options.c),
          "2 c < k (k = " + std::to_string(options.k) + ": at least one value of each coordinate is kept as it is)");
}

void validate(const GradientSurgeryOptions& options) {
  validate<GradientSurgeryOptions>(options);
  require_batch_holds_k(options);
}

namespace {

template <class Options>
const Options& validated(const Options& options) {
  validate(options);
  return options;
}

// The PCGrad orders' stream: apart from the sampler's (Stream::sampling) and from other
// estimators' noise by its substream.
constexpr std::uint32_t kOrderSubstream = 0x70636772u;  // "pcgr"

const char* rule_name(MicroBatchRule rule) {
  switch (rule) {
    case MicroBatchRule::median_of_means:
      return "median_of_means";
    case MicroBatchRule::winsorized_mean:
      return "winsorized_mean";
    case MicroBatchRule::gradient_surgery:
      return "gradient_surgery";
  }
  return "?";
}

}  // namespace

template <class T>
MicroBatchAggregation<T>::MicroBatchAggregation(MicroBatchRule rule, std::size_t batch_size, std::size_t k,
                                                std::size_t c, std::string spec, std::uint64_t seed)
    : rule_(rule),
      batch_size_(batch_size),
      k_(k),
      c_(c),
      spec_(std::move(spec)),
      sampler_(shuffle_sampler(batch_size, seed)),
      order_stream_(seed, Stream::noise, kOrderSubstream) {}

template <class T>
MicroBatchAggregation<T>::MicroBatchAggregation(MedianOfMeansOptions o, std::uint64_t seed)
    : MicroBatchAggregation(MicroBatchRule::median_of_means, static_cast<std::size_t>(validated(o).batch_size),
                            static_cast<std::size_t>(o.k), 0, to_spec("median_of_means", o), seed) {}

template <class T>
MicroBatchAggregation<T>::MicroBatchAggregation(WinsorizedMeanOptions o, std::uint64_t seed)
    : MicroBatchAggregation(MicroBatchRule::winsorized_mean, static_cast<std::size_t>(validated(o).batch_size),
                            static_cast<std::size_t>(o.k), static_cast<std::size_t>(o.c), to_spec("winsorized_mean", o),
                            seed) {}

template <class T>
MicroBatchAggregation<T>::MicroBatchAggregation(GradientSurgeryOptions o, std::uint64_t seed)
    : MicroBatchAggregation(MicroBatchRule::gradient_surgery, static_cast<std::size_t>(validated(o).batch_size),
                            static_cast<std::size_t>(o.k), 0, to_spec("gradient_surgery", o), seed) {}

template <class T>
std::string MicroBatchAggregation<T>::spec() const {
  return spec_;
}

template <class T>
void MicroBatchAggregation<T>::bind(const Differentiable<T>& objective) {
  const FiniteSum<T>& sum = detail::require_finite_sum(objective, rule_name(rule_));
  sampler_->bind(sum.num_samples());
  dimension_ = sum.dimension();
  batch_.reserve(std::min(batch_size_, sum.num_samples()));
  rows_.assign(k_ * dimension_, T(0));
  scratch_.assign(std::max(k_, dimension_), T(0));
  order_.reserve(k_ * (k_ - 1));
  sum_ = &sum;
}

template <class T>
void MicroBatchAggregation<T>::draw_orders(std::size_t k) {
  order_.resize(k * (k - 1));
  for (std::size_t i = 0; i < k; ++i) {
    std::size_t* row = order_.data() + i * (k - 1);
    for (std::size_t j = 0, m = 0; j < k; ++j)
      if (j != i) row[m++] = j;
    // Fisher-Yates: every permutation of the k - 1 others equally likely.
    for (std::size_t m = k - 1; m > 1; --m) std::swap(row[m - 1], row[order_stream_.below(m)]);
  }
}

template <class T>
Estimate<T> MicroBatchAggregation<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, rule_name(rule_));
  if (x.size() != dimension_ || direction.size() != dimension_)
    throw MismatchError(std::string(rule_name(rule_)) + " estimator: x has " + std::to_string(x.size()) +
                        " elements, the direction " + std::to_string(direction.size()) + "; bound to dimension " +
                        std::to_string(dimension_));
  sampler_->next(batch_);
  const std::size_t size = batch_.size();
  // A short last batch of an epoch: as many micro-batches as it has samples (at least one).
  const std::size_t k = std::max<std::size_t>(1, std::min(k_, size));
  used_ = k;
  const std::span<const std::size_t> all(batch_);
  double value = 0;
  for (std::size_t i = 0; i < k; ++i) {
    // Micro-batch i is positions [i size / k, (i + 1) size / k): sizes differ by at most one.
    const std::size_t begin = i * size / k, end = (i + 1) * size / k;
    const T v = sum_->batch_value_and_gradient(x, all.subspan(begin, end - begin),
                                               std::span<T>(rows_.data() + i * dimension_, dimension_));
    value += static_cast<double>(v) * static_cast<double>(end - begin);
  }
  if (size > 0) value /= static_cast<double>(size);
  const std::span<const T> rows(rows_.data(), k * dimension_);
  switch (rule_) {
    case MicroBatchRule::median_of_means:
      coordinate_median(rows, k, direction, std::span<T>(scratch_));
      break;
    case MicroBatchRule::winsorized_mean:
      // A short batch may have too few micro-batches for c: clamp as many as it allows.
      winsorized_mean(rows, k, std::min(c_, (k - 1) / 2), direction, std::span<T>(scratch_));
      break;
    case MicroBatchRule::gradient_surgery:
      draw_orders(k);
      project_conflicting(rows, k, std::span<const std::size_t>(order_), direction, std::span<T>(scratch_));
      break;
  }
  return {static_cast<T>(value), static_cast<std::int64_t>(k), static_cast<std::int64_t>(size)};
}

template <class T>
void MicroBatchAggregation<T>::save(BinaryWriter& out) const {
  out.u64(static_cast<std::uint64_t>(rule_));
  out.u64(batch_size_);
  out.u64(k_);
  out.u64(order_stream_.position());
  sampler_->save(out);
}

template <class T>
void MicroBatchAggregation<T>::load(BinaryReader& in) {
  const std::uint64_t rule = in.u64("micro-batch rule");
  const std::uint64_t batch_size = in.u64("micro-batch batch_size");
  const std::uint64_t k = in.u64("micro-batch k");
  if (rule != static_cast<std::uint64_t>(rule_) || batch_size != batch_size_ || k != k_)
    in.fail(std::string("the state was saved by another micro-batch estimator (rule ") + std::to_string(rule) +
            ", batch_size " + std::to_string(batch_size) + ", k " + std::to_string(k) + "); this one is " + spec_);
  const std::uint64_t position = in.u64("micro-batch order position");
  sampler_->load(in);  // checks everything before assigning; the last read that can fail
  order_stream_.seek(position);
}

template class MicroBatchAggregation<float>;
template class MicroBatchAggregation<double>;

}  // namespace descent
