// Runs on every rank of `mpirun -np P`: federated training with the clients spread over the MPI
// ranks must give, on every rank, the bits of the same run in one process.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "descent/data/gaussian_clusters.hpp"
#include "descent/distributed/federated.hpp"
#include "descent/distributed/mpi_communicator.hpp"
#include "descent/model/softmax_regression.hpp"
#include "descent/transform/adam.hpp"

namespace descent {
namespace {

const Dataset<double>& clusters() {
  static const Dataset<double> d =
      gaussian_clusters<double>({.samples = 160, .features = 5, .classes = 3, .separation = 2.0, .seed = 8}, 0).train;
  return d;
}

// Ten clients of unequal sizes, two of them empty.
ClientSplit uneven_split() {
  const std::vector<std::size_t> sizes = {22, 0, 3, 41, 15, 9, 0, 30, 12, 28};
  std::vector<std::vector<std::size_t>> lists;
  std::size_t next = 0;
  for (std::size_t size : sizes) {
    lists.emplace_back();
    for (std::size_t i = 0; i < size; ++i) lists.back().push_back(next++);
  }
  return ClientSplit::from_lists(lists, next);
}

struct Outcome {
  std::vector<double> x;
  std::vector<std::vector<double>> rounds;  // x after each round
  FederatedResult result;
};

Outcome train_with(Communicator& comm, const std::string& algorithm) {
  const SoftmaxRegression<double> model(clusters());
  FederatedOptions o;
  o.algorithm = algorithm;
  o.rounds = 5;
  o.clients_per_round = 6;
  o.local_batch_size = 8;
  o.local_learning_rate = 0.2;
  o.mu = 0.3;
  o.exploration_fraction = 0.5;
  o.exploration_epochs = 2;
  o.seed = 23;
  Outcome run;
  run.x.assign(model.dimension(), 0.0);
  for (std::size_t j = 0; j < run.x.size(); ++j) run.x[j] = 0.05 * std::cos(static_cast<double>(j));
  run.result = federated_train<double>(comm, model, uneven_split(), run.x, o, *adam({.lr = constant(0.05)}),
                                       [&](const FederatedRound<double>& r) {
                                         run.rounds.emplace_back(r.x.begin(), r.x.end());
                                         return false;
                                       });
  return run;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(MpiWorld, FederatedClientsAsRanksHaveTheBitsOfOneProcess) {
  const CommunicatorPtr world = mpi_world();
  const CommunicatorPtr alone = self_communicator();
  for (const char* algorithm : {"fedavg", "fedprox", "scaffold", "fedlex"}) {
    const Outcome together = train_with(*world, algorithm);
    const Outcome single = train_with(*alone, algorithm);
    const std::string where =
        std::string(algorithm) + " on rank " + std::to_string(world->rank()) + " of " + std::to_string(world->size());
    ASSERT_EQ(together.rounds.size(), single.rounds.size()) << where;
    for (std::size_t t = 0; t < single.rounds.size(); ++t)
      EXPECT_TRUE(same_bits(together.rounds[t], single.rounds[t])) << where << ", round " << t + 1;
    EXPECT_TRUE(same_bits(together.x, single.x)) << where;
    EXPECT_EQ(std::memcmp(&together.result.value, &single.result.value, sizeof(double)), 0) << where;
    EXPECT_EQ(together.result.bytes, single.result.bytes) << where;
    EXPECT_EQ(single.result.rank_bytes_sent, 0u);
    if (world->size() > 1) EXPECT_GT(together.result.rank_bytes_sent, 0u) << where;
  }
}

}  // namespace
}  // namespace descent
