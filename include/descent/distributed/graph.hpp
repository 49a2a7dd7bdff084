// Communication graphs for decentralized (gossip) training: who may exchange parameters
// with whom. A Graph is undirected and simple (no self loops, no repeated edges) on nodes
// 0..n-1, with each adjacency list sorted, so that a node's neighbours come out in the same
// order on every machine (an MPI implementation posts its sends and receives in that order).
//
// The builders cover the topologies the decentralized-SGD literature compares, from the
// worst connected to the best:
//   ring(n)              each node talks to i - 1 and i + 1 (mod n);
//   torus(rows, cols)    a 2-D grid wrapped at both ends, 4 neighbours per node;
//   exponential(n)       i linked to i +- 2^k (mod n) for every 2^k < n (Ying et al.,
//                        "Exponential graph is provably efficient for decentralized deep
//                        training", NeurIPS 2021): O(log n) neighbours and a spectral gap
//                        that stays bounded away from 0 as n grows;
//   erdos_renyi(n, p)    each pair linked with probability p, redrawn until connected;
//   complete(n)          every pair linked (one gossip step is exact averaging).
// parse_graph builds one from a spec string ("torus(rows=4)") for a given number of nodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/spec/hyperparameters.hpp"

namespace descent {

class Graph {
 public:
  using Edge = std::pair<std::size_t, std::size_t>;

  // From undirected edges on `nodes` nodes; (i, j) and (j, i) are the same edge and repeats
  // merge. Throws ConfigError for nodes = 0 and MismatchError for a self loop or an endpoint
  // >= nodes. `name` is what name() returns (the builders pass their spec).
  Graph(std::size_t nodes, std::span<const Edge> edges, std::string name = "custom");

  std::size_t size() const noexcept { return neighbors_.size(); }
  // Sorted ascending, without the node itself.
  const std::vector<std::size_t>& neighbors(std::size_t node) const { return neighbors_.at(node); }
  std::size_t degree(std::size_t node) const { return neighbors_.at(node).size(); }
  std::size_t max_degree() const noexcept;
  std::size_t edge_count() const noexcept;  // undirected edges
  bool has_edge(std::size_t i, std::size_t j) const;
  // Every node reachable from node 0 (a graph of one node is connected).
  bool is_connected() const;
  // "ring", "torus(rows=4, cols=4)", "erdos_renyi(p=0.3, seed=7)", "custom".
  const std::string& name() const noexcept { return name_; }

 private:
  std::vector<std::vector<std::size_t>> neighbors_;
  std::string name_;
};

// n >= 1 everywhere (ConfigError "ring::nodes = 0 violates nodes >= 1" otherwise). Small n
// never duplicates an edge: ring(2) is one edge, ring(1) none.
Graph ring(std::size_t nodes);
Graph exponential(std::size_t nodes);
Graph complete(std::size_t nodes);

// rows x cols nodes, node (r, c) = r * cols + c, linked to (r +- 1 mod rows, c) and
// (r, c +- 1 mod cols). A dimension of 1 adds no edge along it and one of 2 adds a single
// edge (both wrap-around neighbours are the same node), so torus(1, n) is ring(n).
// ConfigError "TorusOptions::rows = 0 violates rows >= 1" (cols likewise).
Graph torus(std::size_t rows, std::size_t cols);

// Every pair {i, j} independently with probability p, from Random(seed, Stream::data,
// attempt) for attempt = 0, 1, ...: a disconnected draw is redrawn with the next substream,
// at most kErdosRenyiAttempts times, then ConfigError naming ErdosRenyiOptions::p.
inline constexpr std::uint32_t kErdosRenyiAttempts = 100;
Graph erdos_renyi(std::size_t nodes, double p, std::uint64_t seed);

// Options of the graphs a spec names, with their field tables (spec/hyperparameters.hpp).
struct TorusOptions {
  static constexpr const char* kName = "TorusOptions";
  std::int64_t rows = 0;  // >= 0; 0: the largest divisor of n that is <= sqrt(n) (a square when n is one)
  static const std::vector<Field<TorusOptions>>& fields();
};

struct ErdosRenyiOptions {
  static constexpr const char* kName = "ErdosRenyiOptions";
  double p = 0.5;  // edge probability, in (0, 1]
  static const std::vector<Field<ErdosRenyiOptions>>& fields();
};

// Builds a graph on `nodes` nodes from "ring", "torus", "torus(rows=4)", "exponential",
// "erdos_renyi(p=0.3)" or "complete" (the spec grammar of spec/spec_parser.hpp; the seed is
// the run's, as for estimators). Throws ParseError for an unknown name or argument, and
// ConfigError naming the field for a value out of range or a torus whose rows do not divide
// the nodes ("TorusOptions::rows = 3 violates rows divides nodes = 16").
Graph parse_graph(std::string_view spec, std::size_t nodes, std::uint64_t seed = 0);

// The names parse_graph knows, for messages and documentation.
const std::vector<std::string>& graph_names();

}  // namespace descent
