#include "descent/distributed/communicator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "descent/distributed/collectives.hpp"
#include "descent/distributed/mpi_communicator.hpp"
#include "descent/distributed/thread_group.hpp"

namespace descent {
namespace {

TEST(SegmentOf, PartitionsBalanced) {
  for (std::size_t length : {0u, 1u, 7u, 8u, 100u})
    for (int p = 1; p <= 6; ++p) {
      std::size_t expected_begin = 0, previous_size = length;
      for (int r = 0; r < p; ++r) {
        const Segment s = segment_of(length, p, r);
        EXPECT_EQ(s.begin, expected_begin);
        EXPECT_TRUE(s.size() == length / p || s.size() == length / p + 1);
        EXPECT_LE(s.size(), previous_size);  // the larger segments come first
        previous_size = s.size();
        expected_begin = s.end;
      }
      EXPECT_EQ(expected_begin, length);
    }
}

TEST(ThreadGroup, RingExchangeDeliversEveryMessage) {
  // Each rank sends its rank to the next and receives from the previous: a pattern that
  // deadlocks with blocking sends posted in the same order on every rank.
  std::vector<int> got(4, -1);
  run_ranks(4, [&](Communicator& comm) {
    const int next = (comm.rank() + 1) % comm.size(), previous = (comm.rank() + comm.size() - 1) % comm.size();
    int mine = comm.rank() * 10, theirs = -1;
    const Outgoing out[] = {{next, std::as_bytes(std::span<const int>(&mine, 1))}};
    const Incoming in[] = {{previous, std::as_writable_bytes(std::span<int>(&theirs, 1))}};
    comm.exchange(out, in, "a ring test");
    got[static_cast<std::size_t>(comm.rank())] = theirs;
  });
  EXPECT_EQ(got, (std::vector<int>{30, 0, 10, 20}));
}

TEST(ThreadGroup, SilentPeerIsNamedAfterTheTimeout) {
  // Rank 2 never takes part: ranks 0 and 1 must give up after the timeout naming it.
  const double timeout = 0.2;
  std::vector<std::string> messages(3);
  std::vector<std::vector<int>> silent(3);
  const auto start = std::chrono::steady_clock::now();
  run_ranks(
      3,
      [&](Communicator& comm) {
        if (comm.rank() == 2) return;
        std::vector<double> data{1.0 * comm.rank()};
        try {
          broadcast(comm, std::span<double>(data), 2, "broadcasting the parameters");
        } catch (const CommunicationError& e) {
          messages[static_cast<std::size_t>(comm.rank())] = e.what();
          silent[static_cast<std::size_t>(comm.rank())] = e.silent_ranks();
        }
      },
      timeout);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(silent[r], std::vector<int>{2});
    EXPECT_NE(messages[r].find("rank " + std::to_string(r) + ": no message from rank 2 within 0.2 s"),
              std::string::npos)
        << messages[r];
    EXPECT_NE(messages[r].find("broadcasting the parameters"), std::string::npos);
  }
  EXPECT_GE(elapsed, timeout);
  EXPECT_LT(elapsed, 10 * timeout + 5);  // generous: a loaded machine under a sanitizer
}

TEST(ThreadGroup, SizeMismatchIsAnError) {
  EXPECT_THROW(run_ranks(2,
                         [](Communicator& comm) {
                           double one = 1;
                           double two[2];
                           const int peer = 1 - comm.rank();
                           const Outgoing out[] = {{peer, std::as_bytes(std::span<const double>(&one, 1))}};
                           const Incoming in[] = {{peer, std::as_writable_bytes(std::span<double>(two, 2))}};
                           comm.exchange(out, in, "a size test");
                         }),
               MismatchError);
}

TEST(ThreadGroup, UnknownPeerIsAnError) {
  auto group = thread_group(2);
  double v = 0;
  const Outgoing out[] = {{5, std::as_bytes(std::span<const double>(&v, 1))}};
  EXPECT_THROW(group[0]->exchange(out, {}, "x"), MismatchError);
}

TEST(Collectives, BroadcastAndAllGatherSegments) {
  for (int p = 1; p <= 5; ++p) {
    std::vector<std::vector<double>> results(static_cast<std::size_t>(p));
    run_ranks(p, [&](Communicator& comm) {
      std::vector<double> x(11, -1.0);
      if (comm.rank() == p - 1) std::iota(x.begin(), x.end(), 100.0);
      broadcast(comm, std::span<double>(x), p - 1, "broadcast test");
      // Each rank overwrites its own segment with its rank, then gathers the others'.
      const Segment mine = segment_of(x.size(), comm.size(), comm.rank());
      for (std::size_t i = mine.begin; i < mine.end; ++i) x[i] += 1000.0 * comm.rank();
      all_gather_segments(comm, std::span<double>(x), "gather test");
      results[static_cast<std::size_t>(comm.rank())] = x;
    });
    std::vector<double> expected(11);
    for (int r = 0; r < p; ++r) {
      const Segment s = segment_of(11, p, r);
      for (std::size_t i = s.begin; i < s.end; ++i) expected[i] = 100.0 + double(i) + 1000.0 * r;
    }
    for (int r = 0; r < p; ++r) EXPECT_EQ(results[r], expected) << "p = " << p << ", rank " << r;
  }
}

TEST(Collectives, AllMaxAndSameSettings) {
  run_ranks(3, [](Communicator& comm) {
    EXPECT_EQ(all_max(comm, 1.5 * comm.rank(), "max test"), 3.0);
    check_same_on_every_rank(comm, "lr=0.1", "settings test");
  });
  try {
    run_ranks(3, [](Communicator& comm) {
      check_same_on_every_rank(comm, comm.rank() == 2 ? "lr=0.2" : "lr=0.1", "checking the run's settings");
    });
    FAIL() << "ranks with different settings were accepted";
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("rank(s) 2 were started with settings that differ"), std::string::npos)
        << e.what();
  }
}

TEST(SelfCommunicator, CopiesToItselfOnly) {
  const CommunicatorPtr self = self_communicator();
  EXPECT_EQ(self->size(), 1);
  double a = 3, b = 0;
  const Outgoing out[] = {{0, std::as_bytes(std::span<const double>(&a, 1))}};
  const Incoming in[] = {{0, std::as_writable_bytes(std::span<double>(&b, 1))}};
  self->exchange(out, in, "self test");
  EXPECT_EQ(b, 3.0);
  const Outgoing elsewhere[] = {{1, std::as_bytes(std::span<const double>(&a, 1))}};
  EXPECT_THROW(self->exchange(elsewhere, {}, "x"), MismatchError);
  EXPECT_THROW(self->set_timeout_seconds(0), ConfigError);
}

TEST(Launcher, WorldSizeFromTheEnvironment) {
  // Under ctest no launcher is set, unless the test itself runs under mpirun.
  EXPECT_GE(launcher_world_size(), 1);
  if (!built_with_mpi()) EXPECT_THROW(mpi_world(), ConfigError);
}

}  // namespace
}  // namespace descent
