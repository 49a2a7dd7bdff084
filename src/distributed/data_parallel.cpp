#include "descent/distributed/data_parallel.hpp"

#include <algorithm>
#include <cmath>

#include "../estimator/finite_sum_binding.hpp"
#include "descent/distributed/ordered_sum.hpp"

namespace descent {

const std::vector<Field<DataParallelOptions>>& DataParallelOptions::fields() {
  using O = DataParallelOptions;
  static const std::vector<Field<O>> f = {
      {"batch_size", &O::batch_size, Range::at_least(1), "samples per step, all ranks together"},
      {"shards", &O::shards, Range{1, 65536, false, false},
       "pieces of each batch summed in a fixed tree: results are bitwise the same on any number of ranks"}};
  return f;
}

template <class T>
DataParallel<T>::DataParallel(DataParallelOptions options, CommunicatorPtr comm)
    : options_(options), comm_(comm ? std::move(comm) : self_communicator()) {
  validate(options_);
  sampler_ = shuffle_sampler(static_cast<std::size_t>(options_.batch_size), options_.seed);
}

template <class T>
std::string DataParallel<T>::spec() const {
  return to_spec("data_parallel", options_);
}

template <class T>
void DataParallel<T>::bind(const Differentiable<T>& objective) {
  sum_ = &detail::require_finite_sum(objective, "data_parallel");
  sampler_->bind(sum_->num_samples());
  const std::size_t row = sum_->dimension() + 1;
  leaves_.assign(segment_of(static_cast<std::size_t>(options_.shards), comm_->size(), comm_->rank()).size() * row,
                 T(0));
  total_.assign(row, T(0));
  // What a rank sends each step: its node slices to the other owners, then its segment to the others.
  const int p = comm_->size();
  bytes_per_step_ = 0;
  if (p > 1) {
    const std::size_t nodes = covering_nodes(static_cast<std::size_t>(options_.shards),
                                             segment_of(static_cast<std::size_t>(options_.shards), p, comm_->rank()))
                                  .size();
    const std::size_t own = segment_of(row, p, comm_->rank()).size();
    bytes_per_step_ = sizeof(T) * (nodes * (row - own) + own * static_cast<std::size_t>(p - 1));
  }
}

template <class T>
Estimate<T> DataParallel<T>::estimate(const Differentiable<T>&, std::span<const T> x, std::span<T> direction) {
  detail::require_bound(sum_, "data_parallel");
  const std::size_t d = sum_->dimension(), row = d + 1;
  const auto shards = static_cast<std::size_t>(options_.shards);
  sampler_->next(batch_);
  const std::size_t b = batch_.size();
  // This rank's shards: shard k holds the batch's positions segment_of(b, shards, k).
  const Segment mine = segment_of(shards, comm_->size(), comm_->rank());
  for (std::size_t k = mine.begin; k < mine.end; ++k) {
    const Segment positions = segment_of(b, static_cast<int>(shards), static_cast<int>(k));
    std::span<T> leaf(leaves_.data() + (k - mine.begin) * row, row);
    if (positions.size() == 0) {
      std::fill(leaf.begin(), leaf.end(), T(0));
      continue;
    }
    const std::span<const std::size_t> samples(batch_.data() + positions.begin, positions.size());
    const T mean = sum_->batch_value_and_gradient(x, samples, leaf.first(d));
    const T count = static_cast<T>(positions.size());
    for (std::size_t i = 0; i < d; ++i) leaf[i] *= count;
    leaf[d] = mean * count;
  }
  const std::string what = "all-reducing the gradient (step " + std::to_string(step_ + 1) + ")";
  reduce_(*comm_, shards, row, leaves_, total_, what);
  bytes_sent_ += bytes_per_step_;
  ++step_;
  if (b == 0) {
    std::fill(direction.begin(), direction.end(), T(0));
    return {T(0), 1, 0};
  }
  const T scale = T(1) / static_cast<T>(b);
  for (std::size_t i = 0; i < d; ++i) direction[i] = total_[i] * scale;
  return {total_[d] * scale, 1, static_cast<std::int64_t>(b)};
}

template <class T>
void DataParallel<T>::save(BinaryWriter& out) const {
  sampler_->save(out);
  out.i64(step_);
}

template <class T>
void DataParallel<T>::load(BinaryReader& in) {
  sampler_->load(in);
  const std::int64_t step = in.i64("data_parallel step count");
  if (step < 0) throw FormatError("data_parallel state: negative step count " + std::to_string(step));
  step_ = step;
}

template class DataParallel<float>;
template class DataParallel<double>;

}  // namespace descent
