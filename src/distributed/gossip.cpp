#include "descent/distributed/gossip.hpp"

#include <string>

#include "descent/distributed/ordered_sum.hpp"

namespace descent {

template <class T>
Gossip<T>::Gossip(CommunicatorPtr comm, MixingMatrix mixing) : comm_(std::move(comm)), mixing_(std::move(mixing)) {
  if (!comm_) throw MismatchError("gossip: no communicator");
  if (mixing_.size() != static_cast<std::size_t>(comm_->size()))
    throw MismatchError("gossip: the mixing matrix has " + std::to_string(mixing_.size()) + " nodes for " +
                        std::to_string(comm_->size()) + " ranks (one node per rank)");
  received_.resize(mixing_.row(static_cast<std::size_t>(comm_->rank())).size());
}

template <class T>
std::optional<Stop> Gossip<T>::after_update(const StepReport<T>& report, const LoopView<T>& loop) {
  const auto me = static_cast<std::size_t>(comm_->rank());
  const std::span<const GossipWeight> row = mixing_.row(me);
  std::span<T> x = loop.params.flat();
  std::vector<Outgoing> out;
  std::vector<Incoming> in;
  for (std::size_t k = 0; k < row.size(); ++k) {
    if (row[k].node == me) continue;
    received_[k].resize(x.size());
    const int peer = static_cast<int>(row[k].node);
    out.push_back({peer, std::as_bytes(std::span<const T>(x))});
    in.push_back({peer, std::as_writable_bytes(std::span<T>(received_[k]))});
  }
  comm_->exchange(out, in, "gossiping the parameters (step " + std::to_string(report.step) + ")");
  bytes_sent_ += out.size() * x.size() * sizeof(T);
  for (std::size_t i = 0; i < x.size(); ++i) {
    double mixed = 0;
    for (std::size_t k = 0; k < row.size(); ++k)
      mixed += row[k].weight * static_cast<double>(row[k].node == me ? x[i] : received_[k][i]);
    x[i] = static_cast<T>(mixed);
  }
  return std::nullopt;
}

template <class T>
void Gossip<T>::save_state(BinaryWriter& out) const {
  out.u64(static_cast<std::uint64_t>(comm_->rank()));
  out.u64(static_cast<std::uint64_t>(comm_->size()));
}

template <class T>
void Gossip<T>::load_state(BinaryReader& in) {
  const std::uint64_t rank = in.u64("gossip rank"), size = in.u64("gossip ranks");
  if (size != static_cast<std::uint64_t>(comm_->size()) || rank != static_cast<std::uint64_t>(comm_->rank()))
    throw MismatchError("decentralized checkpoint of node " + std::to_string(rank) + " of " + std::to_string(size) +
                        " cannot resume node " + std::to_string(comm_->rank()) + " of " +
                        std::to_string(comm_->size()) + ": resume on the number of ranks that wrote it");
}

template <class T>
double average_over_ranks(Communicator& comm, std::span<const T> x, std::span<T> average) {
  const std::size_t d = x.size();
  const auto p = static_cast<std::size_t>(comm.size());
  if (average.size() != d)
    throw MismatchError("average_over_ranks: " + std::to_string(average.size()) + " values for an average of " +
                        std::to_string(d));
  // One leaf per rank: this rank's x, in double.
  std::vector<double> mine(x.begin(), x.end()), sum(d);
  ordered_all_reduce<double>(comm, p, d, mine, sum, "averaging the models");
  for (std::size_t i = 0; i < d; ++i) sum[i] /= static_cast<double>(p);
  double squared = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const double diff = static_cast<double>(x[i]) - sum[i];
    squared += diff * diff;
  }
  std::vector<double> total(1);
  ordered_all_reduce<double>(comm, p, 1, std::span<const double>(&squared, 1), total, "summing the consensus error");
  for (std::size_t i = 0; i < d; ++i) average[i] = static_cast<T>(sum[i]);
  return total[0] / static_cast<double>(p);
}

template class Gossip<float>;
template class Gossip<double>;
template double average_over_ranks<float>(Communicator&, std::span<const float>, std::span<float>);
template double average_over_ranks<double>(Communicator&, std::span<const double>, std::span<double>);

}  // namespace descent
