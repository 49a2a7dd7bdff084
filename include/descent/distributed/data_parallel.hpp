// Data-parallel SGD (the DDP model): every rank draws the same global batch (the samplers
// share the run's seed), computes the gradient of its share, and the shares are summed
// across ranks, so every rank gets the same direction, applies the same transform chain and
// keeps the same parameters without sending them.
//
// The sum is ordered_sum.hpp's: the global batch is cut by position into `shards` shards
// (fixed by the batch, not by the ranks); each rank computes the shards of its
// segment_of(shards, P, rank), each shard's gradient sum by one batch call of the model,
// and the fixed tree over the shards adds them. A run therefore gives the same bits on 1,
// 2, 3 or 8 ranks (MPI_Allreduce and PyTorch's DDP do not promise that), and a checkpoint
// written on 4 ranks resumes on 2: the state (parameters, transform state, the sampler's
// position) is the same on every rank and does not depend on P.
//
// With shards = 1 and one rank the direction is the plain minibatch gradient, rescaled: the
// batch mean times |B| divided by |B| (one rounding from Minibatch's). More shards than
// ranks cost smaller model calls; fewer shards than ranks leave ranks idle. Ranks hold the
// whole dataset (they all read the same file) and compute on their shard of each batch.
// An epoch is the shuffled epoch of batch_size: give train() the same batch size
// (run/build.hpp does).
#pragma once

#include <cstdint>
#include <vector>

#include "descent/distributed/communicator.hpp"
#include "descent/distributed/ordered_sum.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct DataParallelOptions {
  static constexpr const char* kName = "DataParallelOptions";
  std::int64_t batch_size = 128;  // the global batch, all ranks together (shuffled epochs)
  std::int64_t shards = 8;        // leaves of the ordered sum: the bits are the same for any rank count
  std::uint64_t seed = 0;         // the sampling stream: the same on every rank
  static const std::vector<Field<DataParallelOptions>>& fields();
};

template <class T>
class DataParallel final : public Estimator<T> {
 public:
  // `comm` null: a group of one (self_communicator()).
  DataParallel(DataParallelOptions options, CommunicatorPtr comm);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  const Communicator& communicator() const { return *comm_; }
  // Bytes this rank sent in the gradient rounds so far (its share of the traffic).
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  DataParallelOptions options_;
  CommunicatorPtr comm_;
  SamplerPtr sampler_;
  const FiniteSum<T>* sum_ = nullptr;
  std::vector<std::size_t> batch_;
  std::vector<T> leaves_;  // this rank's shards: gradient sums and loss sum, d + 1 each
  std::vector<T> total_;   // the ordered sum, d + 1
  OrderedAllReduce<T> reduce_;
  std::int64_t step_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_per_step_ = 0;  // fixed by the shards, the ranks and d: computed in bind()
};

}  // namespace descent
