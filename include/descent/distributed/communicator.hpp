// How ranks talk: a Communicator is one rank's end of a group of `size()` ranks that run
// the same program on different shares of the work (MPI's model). Everything distributed
// in descent (data-parallel SGD, gossip, federated rounds) is written against this
// interface, so the same code runs over MPI (mpi_communicator.hpp, one process per rank)
// and over threads in one process (thread_group.hpp: tests and simulations without MPI).
//
// The interface has one primitive, exchange(): post every send and every receive of a
// round at once, then wait for all of them. Collectives (collectives.hpp) are rounds of
// exchanges. One primitive keeps each transport small, and posting a whole round at once
// means no pattern (all-to-all, ring, a graph's neighbours) can deadlock on the order of
// its sends. It also makes a hung or dead peer nameable: the wait knows which receives are
// still missing when its deadline passes, which a blocking collective never tells.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {

// A peer did not deliver within the communicator's timeout (or the transport failed). The
// message names the waiting rank, the ranks not heard from and what was being exchanged:
//   "rank 0: no message from rank 3 within 30 s while all-reducing the gradient (step 12)"
class CommunicationError : public Error {
 public:
  CommunicationError(const std::string& message, std::vector<int> silent_ranks)
      : Error(message), silent_ranks_(std::move(silent_ranks)) {}
  const std::vector<int>& silent_ranks() const noexcept { return silent_ranks_; }

 private:
  std::vector<int> silent_ranks_;
};

// Bytes for `peer`, or room for the bytes `peer` sends. The receiver knows every size in
// advance (descent's rounds exchange vectors of known lengths); a size mismatch is an error.
struct Outgoing {
  int peer = 0;
  std::span<const std::byte> bytes;
};
struct Incoming {
  int peer = 0;
  std::span<std::byte> bytes;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "mpi", "threads", "self": for messages and reports.
  virtual std::string transport() const = 0;

  // One round: sends every message of `out` and fills every buffer of `in`, returning when
  // all receives have arrived (sends may still be buffered). At most one message per
  // (peer, direction) in a round; a message to oneself is copied. Every rank of the group
  // must take part in the same rounds in the same order: rounds are matched by their
  // sequence number. `what` says what the round is for, in errors. Throws
  // CommunicationError when a receive has not arrived within timeout_seconds().
  virtual void exchange(std::span<const Outgoing> out, std::span<const Incoming> in, std::string_view what) = 0;

  // Seconds a round waits for a peer before giving up (CommunicationError). > 0.
  double timeout_seconds() const { return timeout_seconds_; }
  void set_timeout_seconds(double seconds);

  // Ends every rank of the group with a non-zero exit status after printing `message` on
  // this rank's stderr: a rank that gives up must not leave the others waiting for it.
  // Over MPI this is MPI_Abort; over threads and for a single rank it throws
  // CommunicationError (a test can catch it; the other threads' rounds time out in turn).
  [[noreturn]] virtual void abort(const std::string& message, int exit_code) = 0;

 private:
  double timeout_seconds_ = 60;
};

using CommunicatorPtr = std::shared_ptr<Communicator>;

// The group of one rank: exchange() only copies messages to oneself.
CommunicatorPtr self_communicator();

}  // namespace descent
