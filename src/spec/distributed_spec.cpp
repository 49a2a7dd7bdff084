#include "descent/spec/distributed_spec.hpp"

#include "descent/core/suggest.hpp"
#include "descent/distributed/graph.hpp"
#include "descent/spec/spec_parser.hpp"
#include "option_binding.hpp"

namespace descent {

const std::vector<Field<DataParallelSpecOptions>>& DataParallelSpecOptions::fields() {
  using O = DataParallelSpecOptions;
  static const std::vector<Field<O>> f = {
      {"shards", &O::shards, Range{1, 65536, false, false},
       "pieces of each batch, summed in a fixed tree: the run has the same bits on any number of ranks (at most "
       "shards ranks compute)"}};
  return f;
}

const std::vector<Field<DsgdSpecOptions>>& DsgdSpecOptions::fields() {
  using O = DsgdSpecOptions;
  static const std::vector<Field<O>> f = {
      {"graph", &O::graph, Range::any(), "who gossips with whom: one node per rank", &graph_names()},
      {"rows", &O::rows, Range::at_least(0), "torus: rows of the grid; 0: the largest divisor of the ranks <= sqrt"},
      {"p", &O::p, Range{0, 1, true, false}, "erdos_renyi: the probability of each edge (redrawn until connected)"}};
  return f;
}

const std::vector<Field<FederatedSpecOptions>>& FederatedSpecOptions::fields() {
  using O = FederatedSpecOptions;
  static const std::vector<std::string> partitions = {"iid", "dirichlet"};
  static const std::vector<Field<O>> f = {
      {"clients", &O::clients, Range::at_least(1), "K: the training rows are split among K clients"},
      {"partition", &O::partition, Range::any(),
       "iid: shuffled, near-equal shares; dirichlet: each class's rows dealt by Dirichlet(alpha) proportions",
       &partitions},
      {"alpha", &O::alpha, Range::positive(), "dirichlet: concentration; small alpha = few classes per client"},
      {"clients_per_round", &O::clients_per_round, Range::at_least(1), "m of the K clients sampled each round"},
      {"local_epochs", &O::local_epochs, Range::at_least(1), "passes over a client's rows per round"},
      {"local_steps", &O::local_steps, Range::at_least(0), "> 0: exactly this many local steps instead"},
      {"local_batch_size", &O::local_batch_size, Range::at_least(1), "rows per local step"},
      {"local_learning_rate", &O::local_learning_rate, Range::positive(), "eta_l of the clients' SGD steps"},
      {"mu", &O::mu, Range::non_negative(), "fedprox: mu/2 |y - x|^2 added to each client's objective"},
      {"exploration_fraction", &O::exploration_fraction, Range{0, 1, true, false},
       "fedlex: the share of clients that explore before round 1"},
      {"exploration_epochs", &O::exploration_epochs, Range::at_least(1), "fedlex: local passes of each explorer"}};
  return f;
}

std::vector<std::string> distributed_methods() {
  return {"data_parallel", "dsgd", "fedavg", "fedprox", "scaffold", "fedlex"};
}

bool DistributedSpec::is_federated() const {
  return method == "fedavg" || method == "fedprox" || method == "scaffold" || method == "fedlex";
}

std::string DistributedSpec::spec() const {
  if (method == "dsgd") {
    std::vector<std::string> omit;
    if (dsgd.graph != "torus") omit.push_back("rows");
    if (dsgd.graph != "erdos_renyi") omit.push_back("p");
    return to_spec(method, dsgd, omit);
  }
  if (is_federated()) {
    std::vector<std::string> omit;
    if (federated.partition != "dirichlet") omit.push_back("alpha");
    if (federated.local_steps > 0)
      omit.push_back("local_epochs");
    else
      omit.push_back("local_steps");
    if (method != "fedprox") omit.push_back("mu");
    if (method != "fedlex") {
      omit.push_back("exploration_fraction");
      omit.push_back("exploration_epochs");
    }
    return to_spec(method, federated, omit);
  }
  return to_spec(method, data_parallel);
}

std::string DistributedSpec::graph_spec() const {
  if (dsgd.graph == "torus") return "torus(rows=" + std::to_string(dsgd.rows) + ")";
  if (dsgd.graph == "erdos_renyi") return "erdos_renyi(p=" + format_number(dsgd.p) + ")";
  return dsgd.graph;
}

DistributedSpec parse_distributed(std::string_view text) {
  const SpecCall call = parse_spec(text);
  const spec_detail::Source src{text};
  const std::vector<std::string> methods = distributed_methods();
  if (std::find(methods.begin(), methods.end(), call.name) == methods.end())
    src.fail("unknown distributed method '" + call.name + "'" + suggestion(call.name, methods), call.column);
  DistributedSpec spec;
  spec.method = call.name;
  if (call.name == "dsgd") {
    spec.dsgd = spec_detail::bind(call, DsgdSpecOptions{}, {}, src);
    validate(spec.dsgd);
  } else if (spec.is_federated()) {
    // Each method takes only the options that apply to it.
    std::vector<std::string> fixed;
    if (call.name != "fedprox") fixed.push_back("mu");
    if (call.name != "fedlex") {
      fixed.push_back("exploration_fraction");
      fixed.push_back("exploration_epochs");
    }
    spec.federated = spec_detail::bind(call, FederatedSpecOptions{}, fixed, src);
    validate(spec.federated);
    if (spec.federated.clients_per_round > spec.federated.clients)
      throw ConfigError("FederatedOptions::clients_per_round = " + std::to_string(spec.federated.clients_per_round) +
                        " violates clients_per_round <= clients (" + std::to_string(spec.federated.clients) + ")");
  } else {
    spec.data_parallel = spec_detail::bind(call, DataParallelSpecOptions{}, {}, src);
    validate(spec.data_parallel);
  }
  return spec;
}

}  // namespace descent
