// Clients as ranks: federated_train over P thread ranks must give the single-process bits, for
// every algorithm, with unequal and empty clients, and count what each rank sends exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "descent/data/gaussian_clusters.hpp"
#include "descent/distributed/collectives.hpp"
#include "descent/distributed/federated.hpp"
#include "descent/distributed/ordered_sum.hpp"
#include "descent/distributed/thread_group.hpp"
#include "descent/model/softmax_regression.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/sgd.hpp"

namespace descent {
namespace {

template <class T>
const Dataset<T>& clusters() {
  static const Dataset<T> d =
      gaussian_clusters<T>({.samples = 150, .features = 5, .classes = 3, .separation = 2.0, .seed = 4}, 0).train;
  return d;
}

// Nine clients of 150 samples: sizes 1 to 40 and two empty ones, so that clients take different
// numbers of local steps (local_steps = 0: one pass of batches of 8) and some rounds have fewer
// non-empty clients than sampled.
ClientSplit uneven_split() {
  const std::vector<std::size_t> sizes = {30, 0, 1, 40, 12, 0, 25, 7, 35};
  std::vector<std::vector<std::size_t>> lists;
  std::size_t next = 0;
  for (std::size_t size : sizes) {
    lists.emplace_back();
    for (std::size_t i = 0; i < size; ++i) lists.back().push_back(next++);
  }
  return ClientSplit::from_lists(lists, next);
}

FederatedOptions options_for(const std::string& algorithm, std::int64_t clients_per_round = 5) {
  FederatedOptions o;
  o.algorithm = algorithm;
  o.rounds = 6;
  o.clients_per_round = clients_per_round;
  o.local_batch_size = 8;
  o.local_learning_rate = 0.2;
  o.mu = 0.3;
  o.exploration_fraction = 0.6;
  o.exploration_epochs = 2;
  o.seed = 17;
  return o;
}

// What a run shows: every round's report and the result.
template <class T>
struct Trace {
  std::vector<std::vector<T>> x;  // after each round
  std::vector<double> value, drift;
  std::vector<std::size_t> participants;
  std::vector<std::uint64_t> bytes, rank_bytes;
  FederatedResult result;
};

template <class T>
FederatedObserver<T> recorder(Trace<T>& trace) {
  return [&trace](const FederatedRound<T>& r) {
    trace.x.emplace_back(r.x.begin(), r.x.end());
    trace.value.push_back(r.value);
    trace.drift.push_back(r.client_drift);
    trace.participants.push_back(r.participants);
    trace.bytes.push_back(r.bytes);
    trace.rank_bytes.push_back(r.rank_bytes_sent);
    return false;
  };
}

template <class T>
std::vector<T> start_point(std::size_t d) {
  std::vector<T> x(d);
  for (std::size_t j = 0; j < d; ++j) x[j] = static_cast<T>(0.05 * std::sin(1.0 + static_cast<double>(j)));
  return x;
}

// The single-process run (the overload without a communicator).
template <class T>
Trace<T> alone(const FederatedOptions& o) {
  const SoftmaxRegression<T> model(clusters<T>());
  std::vector<T> x = start_point<T>(model.dimension());
  Trace<T> trace;
  trace.result = federated_train<T>(model, uneven_split(), x, o, *adam({.lr = constant(0.05)}), recorder(trace));
  return trace;
}

// The run on `ranks` thread ranks: one trace per rank.
template <class T>
std::vector<Trace<T>> on_ranks(int ranks, const FederatedOptions& o) {
  std::vector<Trace<T>> traces(static_cast<std::size_t>(ranks));
  const ClientSplit split = uneven_split();
  run_ranks(ranks, [&](Communicator& comm) {
    // Each rank its own model and server transform, as each MPI process has (models keep
    // workspaces). Only rank 0's x counts: the others start from NaN, which the broadcast
    // must overwrite.
    const SoftmaxRegression<T> model(clusters<T>());
    std::vector<T> x = start_point<T>(model.dimension());
    if (comm.rank() != 0) x.assign(x.size(), std::numeric_limits<T>::quiet_NaN());
    Trace<T>& trace = traces[static_cast<std::size_t>(comm.rank())];
    trace.result = federated_train<T>(comm, model, split, x, o, *adam({.lr = constant(0.05)}), recorder(trace));
  });
  return traces;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Everything but rank_bytes_sent (which is this rank's own traffic) must be the same bits.
template <class T>
void expect_same_run(const Trace<T>& got, const Trace<T>& want, const std::string& what) {
  ASSERT_EQ(got.x.size(), want.x.size()) << what;
  for (std::size_t t = 0; t < want.x.size(); ++t) {
    EXPECT_TRUE(same_bits(got.x[t], want.x[t])) << what << ", x after round " << t + 1;
    EXPECT_TRUE(same_bits(got.value[t], want.value[t])) << what << ", f after round " << t + 1;
    EXPECT_TRUE(same_bits(got.drift[t], want.drift[t])) << what << ", drift in round " << t + 1;
    EXPECT_EQ(got.participants[t], want.participants[t]) << what;
    EXPECT_EQ(got.bytes[t], want.bytes[t]) << what;
  }
  EXPECT_EQ(got.result.rounds, want.result.rounds) << what;
  EXPECT_TRUE(same_bits(got.result.value, want.result.value)) << what;
  EXPECT_EQ(got.result.bytes, want.result.bytes) << what;
  EXPECT_EQ(got.result.stopped, want.result.stopped) << what;
}

TEST(FederatedRanks, EveryAlgorithmHasTheSingleProcessBitsOnOneToFourRanks) {
  for (const char* algorithm : {"fedavg", "fedprox", "scaffold", "fedlex"}) {
    const FederatedOptions o = options_for(algorithm);
    const Trace<double> reference = alone<double>(o);
    // The run trained, and some round met an empty client (so the leaves are not the sample).
    ASSERT_EQ(reference.x.size(), 6u);
    EXPECT_LT(reference.result.value, std::log(3.0)) << algorithm;  // below f(0) = log(classes)
    std::size_t fewest = 5;
    for (std::size_t p : reference.participants) fewest = std::min(fewest, p);
    EXPECT_LT(fewest, 5u) << algorithm;
    EXPECT_EQ(reference.result.rank_bytes_sent, 0u);
    for (int p = 1; p <= 4; ++p) {
      const auto traces = on_ranks<double>(p, o);
      for (int r = 0; r < p; ++r)
        expect_same_run(traces[static_cast<std::size_t>(r)], reference,
                        std::string(algorithm) + " on rank " + std::to_string(r) + " of " + std::to_string(p));
    }
  }
}

TEST(FederatedRanks, FloatScaffoldAndMoreRanksThanClientsKeepTheBits) {
  // In float, SCAFFOLD: the rows are summed in float, in the same tree on any P.
  const FederatedOptions scaffold = options_for("scaffold");
  const Trace<float> reference = alone<float>(scaffold);
  for (int r = 0; r < 3; ++r)
    expect_same_run(on_ranks<float>(3, scaffold)[static_cast<std::size_t>(r)], reference, "float scaffold");
  // Two clients a round on four ranks: two ranks train nothing and still take part.
  const FederatedOptions two = options_for("fedavg", 2);
  const Trace<double> two_alone = alone<double>(two);
  const auto traces = on_ranks<double>(4, two);
  for (int r = 0; r < 4; ++r)
    expect_same_run(traces[static_cast<std::size_t>(r)], two_alone, "two clients on rank " + std::to_string(r));
}

// What rank r sends in one ordered all-reduce of `leaves` rows of `row` values on P ranks
// (ordered_sum.hpp): its covering nodes' slices to the P - 1 other owners of a slice, then its
// own slice to the P - 1 others.
std::uint64_t reduce_bytes(std::size_t leaves, std::size_t row, int ranks, int r) {
  const std::size_t nodes = covering_nodes(leaves, segment_of(leaves, ranks, r)).size();
  const std::size_t own = segment_of(row, ranks, r).size();
  return sizeof(double) * (nodes * (row - own) + own * static_cast<std::size_t>(ranks - 1));
}

TEST(FederatedRanks, RankBytesAreTheOrderedSumsAndTheMovedControlVariates) {
  constexpr int kRanks = 3;
  const std::size_t d = SoftmaxRegression<double>(clusters<double>()).dimension();
  // A round after the first costs a rank the previous round's stop agreement (one double to
  // each other rank) and the ordered sum of one row per client: d + 1 values for FedAvg.
  std::uint64_t moved = 0;
  for (const char* algorithm : {"fedavg", "scaffold"}) {
    const bool scaffold = std::string(algorithm) == "scaffold";
    const std::size_t row = scaffold ? 2 * d + 1 : d + 1;
    const auto traces = on_ranks<double>(kRanks, options_for(algorithm));
    for (int r = 0; r < kRanks; ++r) {
      const Trace<double>& t = traces[static_cast<std::size_t>(r)];
      for (std::size_t round = 1; round < t.rank_bytes.size(); ++round) {
        const std::uint64_t expected =
            sizeof(double) * (kRanks - 1) + reduce_bytes(t.participants[round], row, kRanks, r);
        const std::uint64_t sent = t.rank_bytes[round] - t.rank_bytes[round - 1];
        if (!scaffold) {
          EXPECT_EQ(sent, expected) << "rank " << r << ", round " << round + 1;
        } else {
          // SCAFFOLD also sends the c_k of clients that change rank, d values each.
          ASSERT_GE(sent, expected) << "rank " << r << ", round " << round + 1;
          EXPECT_EQ((sent - expected) % (d * sizeof(double)), 0u);
          moved += sent - expected;
        }
      }
      // The last round's stop agreement comes after its report.
      EXPECT_EQ(t.result.rank_bytes_sent, t.rank_bytes.back() + sizeof(double) * (kRanks - 1));
    }
  }
  // Clients did change rank (so the scaffold bits above were a test of moving c_k).
  EXPECT_GT(moved, 0u);
}

TEST(FederatedRanks, AnyRanksObserverStopsEveryRank) {
  const FederatedOptions o = options_for("fedavg");
  std::vector<FederatedResult> results(3);
  std::vector<std::vector<double>> finals(3);
  run_ranks(3, [&](Communicator& comm) {
    const SoftmaxRegression<double> model(clusters<double>());
    std::vector<double> x = start_point<double>(model.dimension());
    const FederatedObserver<double> stop_on_rank_two = [&](const FederatedRound<double>& r) {
      return comm.rank() == 2 && r.round == 2;
    };
    results[static_cast<std::size_t>(comm.rank())] =
        federated_train<double>(comm, model, uneven_split(), x, o, *sgd({.lr = constant(1.0)}), stop_on_rank_two);
    finals[static_cast<std::size_t>(comm.rank())] = x;
  });
  for (std::size_t r = 0; r < 3; ++r) {
    EXPECT_TRUE(results[r].stopped) << r;
    EXPECT_EQ(results[r].rounds, 2) << r;
    EXPECT_TRUE(same_bits(finals[r], finals[0])) << r;
  }
}

TEST(FederatedRanks, RanksWithDifferentSettingsRefuseToTrain) {
  EXPECT_THROW(run_ranks(
                   2,
                   [&](Communicator& comm) {
                     const SoftmaxRegression<double> model(clusters<double>());
                     std::vector<double> x(model.dimension(), 0.0);
                     FederatedOptions o = options_for("fedavg");
                     if (comm.rank() == 1) o.local_learning_rate = 0.3;
                     federated_train<double>(comm, model, uneven_split(), x, o, *sgd({.lr = constant(1.0)}));
                   },
                   5),
               MismatchError);
}

}  // namespace
}  // namespace descent
