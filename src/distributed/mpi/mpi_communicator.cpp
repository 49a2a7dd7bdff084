// The MPI transport. Compiled only with -DDESCENT_WITH_MPI=ON (src/CMakeLists.txt).
//
// A round posts MPI_Irecv for every incoming message and MPI_Isend for every outgoing one,
// tagged with the round's number, then polls them with MPI_Testsome until all are done or
// the deadline passes. Polling instead of MPI_Waitall is what lets a round name the ranks
// it is still waiting for; between polls the rank yields (for the first 2 ms of a wait)
// and then sleeps 100 us at a time, so that ranks oversubscribed on few cores leave them to the ranks that
// compute. Sends are polled too: a large message goes by rendezvous and completes only
// when its receiver has posted the receive, so a dead receiver stalls its sender.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>

#include "../silent_message.hpp"
#include "descent/distributed/mpi_communicator.hpp"

namespace descent {
namespace {

void check(int code, const char* call) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw CommunicationError(std::string(call) + " failed: " + std::string(text, static_cast<std::size_t>(length)), {});
  }
}

// Messages larger than this go in pieces: MPI counts are ints.
constexpr std::size_t kMaxPiece = std::size_t{1} << 30;

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(MPI_Comm base) {
    check(MPI_Comm_dup(base, &comm_), "MPI_Comm_dup");
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    int* upper = nullptr;
    int found = 0;
    check(MPI_Comm_get_attr(comm_, MPI_TAG_UB, &upper, &found), "MPI_Comm_get_attr");
    tag_limit_ = found && upper != nullptr ? *upper : 32767;
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string transport() const override { return "mpi"; }

  void exchange(std::span<const Outgoing> out, std::span<const Incoming> in, std::string_view what) override {
    const int tag = static_cast<int>(round_++ % static_cast<std::uint64_t>(tag_limit_));
    std::vector<MPI_Request> requests;
    std::vector<int> peer_of;  // the peer of each request; receives first
    std::size_t receives = 0;
    for (const Incoming& i : in) {
      check_peer(i.peer, what);
      if (i.peer == rank_) continue;
      for (std::size_t at = 0; at < i.bytes.size() || at == 0; at += kMaxPiece) {
        const std::size_t piece = std::min(kMaxPiece, i.bytes.size() - at);
        requests.emplace_back();
        check(MPI_Irecv(i.bytes.data() + at, static_cast<int>(piece), MPI_BYTE, i.peer, tag, comm_, &requests.back()),
              "MPI_Irecv");
        peer_of.push_back(i.peer);
        if (i.bytes.empty()) break;
      }
    }
    receives = requests.size();
    for (const Outgoing& o : out) {
      check_peer(o.peer, what);
      if (o.peer == rank_) {
        copy_to_self(o, in, what);
        continue;
      }
      for (std::size_t at = 0; at < o.bytes.size() || at == 0; at += kMaxPiece) {
        const std::size_t piece = std::min(kMaxPiece, o.bytes.size() - at);
        requests.emplace_back();
        // MPI's C interface takes a non-const buffer for sends before MPI 3; the data is only read.
        check(MPI_Isend(const_cast<std::byte*>(o.bytes.data()) + at, static_cast<int>(piece), MPI_BYTE, o.peer, tag,
                        comm_, &requests.back()),
              "MPI_Isend");
        peer_of.push_back(o.peer);
        if (o.bytes.empty()) break;
      }
    }
    wait(requests, peer_of, receives, what);
  }

  [[noreturn]] void abort(const std::string& message, int exit_code) override {
    // Messages of rounds already say which rank they come from ("rank 0: no message ...").
    const std::string own = "rank " + std::to_string(rank_) + ": ";
    if (message.rfind(own, 0) == 0)
      std::fprintf(stderr, "descent: %s (rank %d of %d)\n", message.c_str() + own.size(), rank_, size_);
    else
      std::fprintf(stderr, "descent: %s (rank %d of %d)\n", message.c_str(), rank_, size_);
    std::fflush(stderr);
    MPI_Abort(comm_, exit_code == 0 ? 1 : exit_code);
    std::_Exit(exit_code == 0 ? 1 : exit_code);  // MPI_Abort does not return; this satisfies [[noreturn]]
  }

 private:
  void check_peer(int peer, std::string_view what) const {
    if (peer < 0 || peer >= size_)
      throw MismatchError("exchange (" + std::string(what) + "): rank " + std::to_string(peer) +
                          " does not exist in a group of " + std::to_string(size_));
  }

  void copy_to_self(const Outgoing& o, std::span<const Incoming> in, std::string_view what) const {
    for (const Incoming& i : in) {
      if (i.peer != rank_) continue;
      if (i.bytes.size() != o.bytes.size())
        throw MismatchError("rank " + std::to_string(rank_) + ": exchange (" + std::string(what) + "): a message of " +
                            std::to_string(o.bytes.size()) + " bytes to itself for a buffer of " +
                            std::to_string(i.bytes.size()));
      if (!o.bytes.empty()) std::memcpy(i.bytes.data(), o.bytes.data(), o.bytes.size());
    }
  }

  void wait(std::vector<MPI_Request>& requests, const std::vector<int>& peer_of, std::size_t receives,
            std::string_view what) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto deadline = start + std::chrono::duration<double>(timeout_seconds());
    std::vector<int> done_indices(requests.size());
    std::vector<MPI_Status> statuses(requests.size());
    std::size_t remaining = requests.size();
    while (remaining > 0) {
      int done = 0;
      check(
          MPI_Testsome(static_cast<int>(requests.size()), requests.data(), &done, done_indices.data(), statuses.data()),
          "MPI_Testsome");
      if (done == MPI_UNDEFINED) break;  // every request is inactive
      remaining -= static_cast<std::size_t>(done);
      if (done > 0) continue;
      if (clock::now() > deadline) {
        std::vector<int> silent;
        for (std::size_t k = 0; k < requests.size(); ++k)
          if (requests[k] != MPI_REQUEST_NULL && std::find(silent.begin(), silent.end(), peer_of[k]) == silent.end())
            silent.push_back(peer_of[k]);
        std::sort(silent.begin(), silent.end());
        const bool only_sends = std::none_of(requests.begin(), requests.begin() + static_cast<long>(receives),
                                             [](MPI_Request r) { return r != MPI_REQUEST_NULL; });
        throw CommunicationError(detail::silent_message(rank_, silent, timeout_seconds(), what) +
                                     (only_sends ? " [its receives were posted; it did not take our messages]" : ""),
                                 silent);
      }
      // Yield for the first 2 ms of waiting (a rank oversubscribed on few cores hands its core
      // to one that computes; a message in flight is noticed at once), then sleep 100 us.
      if (clock::now() - start < std::chrono::milliseconds(2))
        std::this_thread::yield();
      else
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, tag_limit_ = 32767;
  std::uint64_t round_ = 0;
};

void finalize_at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace

CommunicatorPtr mpi_world() {
  static std::mutex mutex;
  static CommunicatorPtr world;
  std::lock_guard lock(mutex);
  if (world) return world;
  int initialized = 0;
  check(MPI_Initialized(&initialized), "MPI_Initialized");
  if (!initialized) {
    int provided = 0;
    // FUNNELED: only the thread that called this talks to MPI; OpenMP threads only compute.
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    std::atexit(finalize_at_exit);
  }
  world = std::make_shared<MpiCommunicator>(MPI_COMM_WORLD);
  return world;
}

CommunicatorPtr mpi_communicator(std::int64_t fortran_handle) {
  int initialized = 0;
  check(MPI_Initialized(&initialized), "MPI_Initialized");
  if (!initialized)
    throw ConfigError("mpi_communicator: MPI is not initialized (import mpi4py.MPI first, or use mpi_world())");
  const MPI_Comm base = MPI_Comm_f2c(static_cast<MPI_Fint>(fortran_handle));
  if (base == MPI_COMM_NULL) throw ConfigError("mpi_communicator: the handle is MPI_COMM_NULL");
  return std::make_shared<MpiCommunicator>(base);
}

}  // namespace descent
