#include "descent/distributed/graph.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "support/error_of.hpp"

namespace descent {
namespace {

using Neighbors = std::vector<std::size_t>;

using testing::error_of;

// Every adjacency list sorted, without self loops or repeats, and symmetric.
void expect_simple_undirected(const Graph& g) {
  for (std::size_t i = 0; i < g.size(); ++i) {
    const auto& list = g.neighbors(i);
    for (std::size_t k = 0; k < list.size(); ++k) {
      EXPECT_NE(list[k], i) << g.name() << ": self loop at " << i;
      if (k > 0) EXPECT_LT(list[k - 1], list[k]) << g.name() << ": list of " << i << " unsorted or repeated";
      EXPECT_TRUE(g.has_edge(list[k], i)) << g.name() << ": " << i << " -> " << list[k] << " one way only";
    }
  }
}

TEST(Graph, RingLinksEachNodeToItsTwoNeighbours) {
  const Graph g = ring(16);
  expect_simple_undirected(g);
  EXPECT_EQ(g.size(), 16u);
  EXPECT_EQ(g.edge_count(), 16u);
  EXPECT_EQ(g.neighbors(0), (Neighbors{1, 15}));
  EXPECT_EQ(g.neighbors(7), (Neighbors{6, 8}));
  EXPECT_TRUE(g.is_connected());
  EXPECT_EQ(g.name(), "ring");
}

TEST(Graph, SmallRingsHaveNoDuplicateEdgesOrSelfLoops) {
  EXPECT_EQ(ring(1).edge_count(), 0u);
  EXPECT_TRUE(ring(1).is_connected());
  EXPECT_EQ(ring(2).edge_count(), 1u);
  EXPECT_EQ(ring(2).neighbors(0), (Neighbors{1}));
  EXPECT_EQ(ring(3).edge_count(), 3u);  // a triangle
  for (std::size_t n = 1; n <= 4; ++n) expect_simple_undirected(ring(n));
}

TEST(Graph, TorusHasFourNeighboursPerNode) {
  const Graph g = torus(4, 4);
  expect_simple_undirected(g);
  EXPECT_EQ(g.edge_count(), 32u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(g.degree(i), 4u);
  // Node (0, 0): up (3, 0) = 12, down (1, 0) = 4, left (0, 3) = 3, right (0, 1) = 1.
  EXPECT_EQ(g.neighbors(0), (Neighbors{1, 3, 4, 12}));
  // Node (1, 2) = 6: (0, 2) = 2, (2, 2) = 10, (1, 1) = 5, (1, 3) = 7.
  EXPECT_EQ(g.neighbors(6), (Neighbors{2, 5, 7, 10}));
  EXPECT_TRUE(g.is_connected());
}

TEST(Graph, TorusWithASideOfOneOrTwoAddsNoDuplicates) {
  // A side of 2: both wrap-around neighbours are the same node, one edge.
  const Graph two_by_three = torus(2, 3);
  expect_simple_undirected(two_by_three);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(two_by_three.degree(i), 3u);  // 1 vertical + 2 horizontal
  EXPECT_EQ(two_by_three.edge_count(), 9u);
  const Graph square = torus(2, 2);  // a 4-cycle
  EXPECT_EQ(square.edge_count(), 4u);
  EXPECT_EQ(square.neighbors(0), (Neighbors{1, 2}));
  // A side of 1: the torus is a ring along the other side.
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(torus(1, 5).neighbors(i), ring(5).neighbors(i));
    EXPECT_EQ(torus(5, 1).neighbors(i), ring(5).neighbors(i));
  }
  EXPECT_EQ(torus(1, 1).edge_count(), 0u);
}

TEST(Graph, ExponentialLinksPowersOfTwoBothWays) {
  const Graph g = exponential(16);
  expect_simple_undirected(g);
  // Hops +-1, +-2, +-4 and 8 (= -8 mod 16): 7 neighbours.
  EXPECT_EQ(g.neighbors(0), (Neighbors{1, 2, 4, 8, 12, 14, 15}));
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(g.degree(i), 7u);
  // n = 6: hops 1, 2, 4; +4 = -2 and -4 = +2 (mod 6) merge: {1, 2, 4, 5}.
  EXPECT_EQ(exponential(6).neighbors(0), (Neighbors{1, 2, 4, 5}));
  EXPECT_EQ(exponential(1).edge_count(), 0u);
  EXPECT_EQ(exponential(2).edge_count(), 1u);
}

TEST(Graph, CompleteLinksEveryPair) {
  const Graph g = complete(5);
  expect_simple_undirected(g);
  EXPECT_EQ(g.edge_count(), 10u);
  EXPECT_EQ(g.neighbors(2), (Neighbors{0, 1, 3, 4}));
}

TEST(Graph, ErdosRenyiIsDeterministicFromTheSeedAndConnected) {
  const Graph a = erdos_renyi(40, 0.3, 7), b = erdos_renyi(40, 0.3, 7), c = erdos_renyi(40, 0.3, 8);
  expect_simple_undirected(a);
  EXPECT_TRUE(a.is_connected());
  bool differs = false;
  for (std::size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(a.neighbors(i), b.neighbors(i));
    differs = differs || a.neighbors(i) != c.neighbors(i);
  }
  EXPECT_TRUE(differs) << "another seed should give another graph";
  // 780 pairs, each an edge with probability 0.3: mean 234, standard deviation
  // sqrt(780 * 0.3 * 0.7) = 12.8. At this p a disconnected draw is rare, so conditioning on
  // connectivity moves the count by far less than that; 5 standard deviations either way.
  EXPECT_GT(a.edge_count(), 234 - 64);
  EXPECT_LT(a.edge_count(), 234 + 64);
  EXPECT_EQ(erdos_renyi(6, 1.0, 3).edge_count(), 15u);  // p = 1: complete
}

TEST(Graph, ErdosRenyiThatNeverConnectsIsAConfigError) {
  // n = 16, p = 0.01: the expected number of edges is 1.2, and 15 are needed.
  const std::string message = error_of([] { erdos_renyi(16, 0.01, 0); });
  EXPECT_NE(message.find("ErdosRenyiOptions::p = 0.01"), std::string::npos) << message;
  EXPECT_NE(message.find("no connected graph"), std::string::npos) << message;
  EXPECT_THROW(erdos_renyi(16, 0.0, 0), ConfigError);
  EXPECT_THROW(erdos_renyi(16, 1.5, 0), ConfigError);
}

TEST(Graph, ConstructorMergesRepeatsAndRejectsBadEdges) {
  const std::vector<Graph::Edge> edges = {{0, 1}, {1, 0}, {0, 1}, {2, 1}};
  const Graph g(4, edges);
  EXPECT_EQ(g.edge_count(), 2u);
  EXPECT_EQ(g.neighbors(1), (Neighbors{0, 2}));
  EXPECT_FALSE(g.is_connected());  // node 3 is alone
  const std::vector<Graph::Edge> loop = {{1, 1}};
  EXPECT_THROW(Graph(3, loop), MismatchError);
  const std::vector<Graph::Edge> beyond = {{0, 3}};
  EXPECT_THROW(Graph(3, beyond), MismatchError);
  EXPECT_THROW(Graph(0, {}), ConfigError);
}

TEST(Graph, NoNodesIsAConfigErrorNamingTheField) {
  EXPECT_EQ(error_of([] { ring(0); }), "ring::nodes = 0 violates nodes >= 1");
  EXPECT_EQ(error_of([] { complete(0); }), "complete::nodes = 0 violates nodes >= 1");
  EXPECT_EQ(error_of([] { exponential(0); }), "exponential::nodes = 0 violates nodes >= 1");
  EXPECT_EQ(error_of([] { torus(0, 4); }), "TorusOptions::rows = 0 violates rows >= 1");
  EXPECT_EQ(error_of([] { torus(4, 0); }), "TorusOptions::cols = 0 violates cols >= 1");
}

TEST(Graph, ParsesSpecs) {
  EXPECT_EQ(parse_graph("ring", 16).name(), "ring");
  EXPECT_EQ(parse_graph("torus(rows=4)", 16).name(), "torus(rows=4, cols=4)");
  EXPECT_EQ(parse_graph("torus(2)", 16).name(), "torus(rows=2, cols=8)");
  // rows = 0 (the default): the largest divisor <= sqrt(n).
  EXPECT_EQ(parse_graph("torus", 12).name(), "torus(rows=3, cols=4)");
  EXPECT_EQ(parse_graph("torus", 7).name(), "torus(rows=1, cols=7)");
  EXPECT_EQ(parse_graph("exponential", 16).degree(0), 7u);
  EXPECT_EQ(parse_graph("complete", 5).edge_count(), 10u);
  const Graph er = parse_graph("erdos_renyi(p=0.3)", 40, 7);
  for (std::size_t i = 0; i < 40; ++i) EXPECT_EQ(er.neighbors(i), erdos_renyi(40, 0.3, 7).neighbors(i));
}

TEST(Graph, SpecErrorsNameWhatIsWrong) {
  EXPECT_EQ(error_of([] { parse_graph("torus(rows=3)", 16); }),
            "TorusOptions::rows = 3 violates rows divides nodes = 16");
  EXPECT_EQ(error_of([] { parse_graph("torus(rows=-1)", 16); }), "TorusOptions::rows = -1 violates rows >= 0");
  EXPECT_EQ(error_of([] { parse_graph("erdos_renyi(p=2)", 16); }), "ErdosRenyiOptions::p = 2 violates 0 < p <= 1");
  EXPECT_EQ(error_of([] { parse_graph("ring", 0); }), "ring::nodes = 0 violates nodes >= 1");
  EXPECT_THROW(parse_graph("rign", 16), ParseError);
  EXPECT_NE(error_of([] { parse_graph("rign", 16); }).find("did you mean 'ring'"), std::string::npos);
  EXPECT_THROW(parse_graph("ring(3)", 16), ParseError);
  EXPECT_THROW(parse_graph("torus(cols=4)", 16), ParseError);
  EXPECT_THROW(parse_graph("torus(rows=1.5)", 16), ParseError);
}

}  // namespace
}  // namespace descent
