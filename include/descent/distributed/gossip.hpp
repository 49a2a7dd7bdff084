// Decentralized SGD over ranks: each rank is one node of a graph, trains on its own shard
// with any estimator and transform chain, and after every update replaces its parameters by
// a weighted average of its own and its neighbours' (one gossip round):
//   x_i <- sum_j W_ij x_j      over row i of the mixing matrix (mixing_matrix.hpp)
// With the update x_j - eta g_j before it, this is adapt-then-combine D-SGD,
//   x_i <- sum_j W_ij (x_j - eta g_j),
// the iteration the one-process simulation runs (decentralized_sgd.hpp). A rank exchanges
// its d parameters with its neighbours only: deg(i) messages of d values each way, instead
// of an all-reduce over every rank.
//
// The mix adds the row's terms in row order in double and rounds once to T, as the
// simulation does: a run over ranks gives the simulation's bits (tested, double precision,
// whole-shard gradients). Transform states (momentum, Adam's moments) stay local, as in
// decentralized momentum methods.
#pragma once

#include <cstdint>
#include <vector>

#include "descent/distributed/communicator.hpp"
#include "descent/distributed/mixing_matrix.hpp"
#include "descent/loop/callback.hpp"

namespace descent {

template <class T>
class Gossip final : public Callback<T> {
 public:
  // MismatchError unless mixing has one node per rank of comm.
  Gossip(CommunicatorPtr comm, MixingMatrix mixing);
  std::optional<Stop> after_update(const StepReport<T>& report, const LoopView<T>& loop) override;
  // A checkpoint holds one node's model: it records which node of how many, so that a run
  // resumed on another number of ranks (or another rank's file) is refused by name.
  std::string state_name() const override { return "gossip"; }
  void save_state(BinaryWriter& out) const override;
  void load_state(BinaryReader& in) override;

  const MixingMatrix& mixing() const { return mixing_; }
  // Bytes this rank sent in gossip rounds so far.
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  CommunicatorPtr comm_;
  MixingMatrix mixing_;
  std::vector<std::vector<T>> received_;  // one buffer per entry of this rank's row
  std::uint64_t bytes_sent_ = 0;
};

// The average of every rank's x and the consensus error (1/P) sum_i |x_i - x_bar|^2, on
// every rank (ordered sums over the ranks: the same bits on every rank). `average` gets x_bar.
template <class T>
double average_over_ranks(Communicator& comm, std::span<const T> x, std::span<T> average);

}  // namespace descent
