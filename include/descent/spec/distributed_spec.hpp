// How a run is spread over ranks: `--distributed SPEC` in the CLI, [distributed].method in
// a job file (docs/distributed.md):
//   data_parallel(shards=8)   every rank draws the run's global batch and computes its
//                             shards; the gradient is summed in a fixed order, so the run
//                             has the same bits on any number of ranks
//                             (distributed/data_parallel.hpp).
//   dsgd(graph=ring)          decentralized SGD: rank r trains on its contiguous shard of the
//                             data and gossips its parameters with its neighbours in the
//                             graph after every step (distributed/gossip.hpp); the model
//                             kept is the ranks' average. Graphs: ring, torus (rows),
//                             exponential, erdos_renyi (p), complete.
//   fedavg(clients=100, ...)  federated rounds over clients simulated in one process
//   fedprox(mu=0.01, ...)     (distributed/federated.hpp): the run's --epochs are rounds, its
//   scaffold(...)             optimizer is the server's (sgd(lr=1): FedAvg itself; adam:
//   fedlex(...)               FedAdam), its seed splits the data and samples the clients.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct DataParallelSpecOptions {
  static constexpr const char* kName = "DataParallelOptions";
  std::int64_t shards = 8;
  static const std::vector<Field<DataParallelSpecOptions>>& fields();
};

struct DsgdSpecOptions {
  static constexpr const char* kName = "DsgdOptions";
  std::string graph = "ring";
  std::int64_t rows = 0;  // torus: rows of the grid (0: the largest divisor of the ranks <= sqrt)
  double p = 0.5;         // erdos_renyi: the probability of each edge
  static const std::vector<Field<DsgdSpecOptions>>& fields();
};

// A federated method's options: the client split and the rounds' local work.
struct FederatedSpecOptions {
  static constexpr const char* kName = "FederatedOptions";
  std::int64_t clients = 10;
  std::string partition = "iid";  // iid or dirichlet (non-IID by label, Dirichlet(alpha))
  double alpha = 0.5;
  std::int64_t clients_per_round = 10;
  std::int64_t local_epochs = 1;
  std::int64_t local_steps = 0;
  std::int64_t local_batch_size = 32;
  double local_learning_rate = 0.01;
  double mu = 0.01;                     // fedprox
  double exploration_fraction = 1;      // fedlex
  std::int64_t exploration_epochs = 5;  // fedlex
  static const std::vector<Field<FederatedSpecOptions>>& fields();
};

struct DistributedSpec {
  std::string method = "data_parallel";  // one of distributed_methods()
  DataParallelSpecOptions data_parallel;
  DsgdSpecOptions dsgd;
  FederatedSpecOptions federated;  // fedavg, fedprox, scaffold, fedlex
  double timeout_seconds = 60;     // a rank waits this long for a peer before every rank stops

  // The canonical spec: "data_parallel(shards=8)", "dsgd(graph=ring)", "dsgd(graph=torus, rows=2)".
  std::string spec() const;
  // dsgd: the graph's own spec for parse_graph ("torus(rows=2)", "erdos_renyi(p=0.3)", "ring").
  std::string graph_spec() const;
  // fedavg, fedprox, scaffold or fedlex.
  bool is_federated() const;
};

// ParseError (with a caret) for bad syntax or an unknown method, ConfigError for an option
// out of range (naming it).
DistributedSpec parse_distributed(std::string_view text);

// The methods parse_distributed knows, for messages and `descent list`.
std::vector<std::string> distributed_methods();

}  // namespace descent
