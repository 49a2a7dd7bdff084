#include "descent/distributed/graph.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "../spec/option_binding.hpp"
#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/core/suggest.hpp"
#include "descent/spec/spec_parser.hpp"

namespace descent {

namespace {

void require_nodes(std::string_view owner, std::size_t nodes) {
  require(nodes >= 1, owner, "nodes", static_cast<double>(nodes), "nodes >= 1");
}

}  // namespace

Graph::Graph(std::size_t nodes, std::span<const Edge> edges, std::string name)
    : neighbors_(nodes), name_(std::move(name)) {
  require_nodes("Graph", nodes);
  for (const auto& [i, j] : edges) {
    if (i >= nodes || j >= nodes)
      throw MismatchError("Graph '" + name_ + "': edge (" + std::to_string(i) + ", " + std::to_string(j) +
                          ") has an endpoint beyond the " + std::to_string(nodes) + " nodes");
    if (i == j) throw MismatchError("Graph '" + name_ + "': self loop at node " + std::to_string(i));
    neighbors_[i].push_back(j);
    neighbors_[j].push_back(i);
  }
  for (auto& list : neighbors_) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
}

std::size_t Graph::max_degree() const noexcept {
  std::size_t d = 0;
  for (const auto& list : neighbors_) d = std::max(d, list.size());
  return d;
}

std::size_t Graph::edge_count() const noexcept {
  std::size_t twice = 0;
  for (const auto& list : neighbors_) twice += list.size();
  return twice / 2;
}

bool Graph::has_edge(std::size_t i, std::size_t j) const {
  const auto& list = neighbors_.at(i);
  return std::binary_search(list.begin(), list.end(), j);
}

bool Graph::is_connected() const {
  std::vector<char> seen(size(), 0);
  std::vector<std::size_t> frontier{0};
  seen[0] = 1;
  std::size_t reached = 1;
  while (!frontier.empty()) {
    const std::size_t node = frontier.back();
    frontier.pop_back();
    for (std::size_t next : neighbors_[node]) {
      if (seen[next]) continue;
      seen[next] = 1;
      ++reached;
      frontier.push_back(next);
    }
  }
  return reached == size();
}

Graph ring(std::size_t nodes) {
  require_nodes("ring", nodes);
  std::vector<Graph::Edge> edges;
  // i -- i + 1 closes the cycle for n >= 3; for n = 2 both wrap-around edges are (0, 1),
  // which the constructor merges, and n = 1 would be a self loop, so it is skipped.
  for (std::size_t i = 0; i < nodes && nodes >= 2; ++i) edges.emplace_back(i, (i + 1) % nodes);
  return Graph(nodes, edges, "ring");
}

Graph torus(std::size_t rows, std::size_t cols) {
  require(rows >= 1, TorusOptions::kName, "rows", static_cast<double>(rows), "rows >= 1");
  require(cols >= 1, TorusOptions::kName, "cols", static_cast<double>(cols), "cols >= 1");
  const std::size_t nodes = rows * cols;
  std::vector<Graph::Edge> edges;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t here = r * cols + c;
      // Only the forward neighbour along each axis: the backward one is some other node's
      // forward edge. A dimension of 1 would link a node to itself, so it adds nothing.
      if (rows >= 2) edges.emplace_back(here, ((r + 1) % rows) * cols + c);
      if (cols >= 2) edges.emplace_back(here, r * cols + (c + 1) % cols);
    }
  }
  return Graph(nodes, edges, "torus(rows=" + std::to_string(rows) + ", cols=" + std::to_string(cols) + ")");
}

Graph exponential(std::size_t nodes) {
  require_nodes("exponential", nodes);
  std::vector<Graph::Edge> edges;
  for (std::size_t i = 0; i < nodes; ++i)
    for (std::size_t hop = 1; hop < nodes; hop *= 2) edges.emplace_back(i, (i + hop) % nodes);
  // The constructor adds each edge in both directions, which gives i - 2^k as well, and
  // merges i + 2^k = i - 2^j (mod n) when they coincide (2^k = n / 2 for n a power of 2).
  return Graph(nodes, edges, "exponential");
}

Graph complete(std::size_t nodes) {
  require_nodes("complete", nodes);
  std::vector<Graph::Edge> edges;
  for (std::size_t i = 0; i < nodes; ++i)
    for (std::size_t j = i + 1; j < nodes; ++j) edges.emplace_back(i, j);
  return Graph(nodes, edges, "complete");
}

Graph erdos_renyi(std::size_t nodes, double p, std::uint64_t seed) {
  require_nodes("erdos_renyi", nodes);
  ErdosRenyiOptions options;
  options.p = p;
  validate(options);
  const std::string name = "erdos_renyi(p=" + format_number(p) + ", seed=" + std::to_string(seed) + ")";
  std::vector<Graph::Edge> edges;
  for (std::uint32_t attempt = 0; attempt < kErdosRenyiAttempts; ++attempt) {
    Random random(seed, Stream::data, attempt);
    edges.clear();
    for (std::size_t i = 0; i < nodes; ++i)
      for (std::size_t j = i + 1; j < nodes; ++j)
        if (random.uniform() < p) edges.emplace_back(i, j);
    Graph graph(nodes, edges, name);
    if (graph.is_connected()) return graph;
  }
  throw ConfigError(std::string(ErdosRenyiOptions::kName) + "::p = " + format_number(p) +
                    " gave no connected graph on " + std::to_string(nodes) + " nodes in " +
                    std::to_string(kErdosRenyiAttempts) + " draws (seed " + std::to_string(seed) +
                    "); a connected draw needs p well above ln(n) / n = " +
                    format_number(std::log(static_cast<double>(nodes)) / static_cast<double>(nodes)));
}

const std::vector<Field<TorusOptions>>& TorusOptions::fields() {
  using O = TorusOptions;
  static const std::vector<Field<O>> f = {
      {"rows", &O::rows, Range::at_least(0), "grid rows, dividing the nodes; 0: the largest divisor <= sqrt(nodes)"}};
  return f;
}

const std::vector<Field<ErdosRenyiOptions>>& ErdosRenyiOptions::fields() {
  using O = ErdosRenyiOptions;
  static const std::vector<Field<O>> f = {{"p", &O::p, {0, 1, true, false}, "probability of each edge"}};
  return f;
}

const std::vector<std::string>& graph_names() {
  static const std::vector<std::string> names = {"complete", "erdos_renyi", "exponential", "ring", "torus"};
  return names;
}

Graph parse_graph(std::string_view spec, std::size_t nodes, std::uint64_t seed) {
  const SpecCall call = parse_spec(spec);
  const spec_detail::Source src{spec};
  const auto& names = graph_names();
  if (std::find(names.begin(), names.end(), call.name) == names.end())
    src.fail("unknown graph '" + call.name + "'" + suggestion(call.name, names), call.column);
  if (call.name == "torus") {
    TorusOptions options = spec_detail::bind(call, TorusOptions{}, {}, src);
    validate(options);
    require_nodes("torus", nodes);
    std::size_t rows = static_cast<std::size_t>(options.rows);
    if (rows == 0) {
      rows = 1;
      for (std::size_t r = 1; r * r <= nodes; ++r)
        if (nodes % r == 0) rows = r;
    }
    require(nodes % rows == 0, TorusOptions::kName, "rows", static_cast<double>(rows),
            "rows divides nodes = " + std::to_string(nodes));
    return torus(rows, nodes / rows);
  }
  if (call.name == "erdos_renyi") {
    const ErdosRenyiOptions options = spec_detail::bind(call, ErdosRenyiOptions{}, {}, src);
    return erdos_renyi(nodes, options.p, seed);
  }
  if (!call.args.empty()) src.fail("graph '" + call.name + "' takes no arguments", call.args.front().column);
  if (call.name == "ring") return ring(nodes);
  if (call.name == "exponential") return exponential(nodes);
  return complete(nodes);
}

}  // namespace descent
