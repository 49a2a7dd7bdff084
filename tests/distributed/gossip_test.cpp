#include "descent/distributed/gossip.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/distributed/collectives.hpp"
#include "descent/distributed/data_parallel.hpp"
#include "descent/distributed/decentralized_sgd.hpp"
#include "descent/distributed/thread_group.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/objective/sample_subset.hpp"
#include "descent/transform/sgd.hpp"

namespace descent {
namespace {

// Least squares whose targets grow with the row index, so that contiguous shards disagree
// (non-IID) and the nodes' models differ until gossip pulls them together.
const Dataset<double>& data() {
  static const Dataset<double> d = [] {
    const std::size_t n = 120, dim = 4;
    Random rng(17, Stream::data);
    AlignedBuffer<double> values(n * dim);
    std::vector<double> labels(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < dim; ++j) values[i * dim + j] = rng.normal();
      labels[i] = values[i * dim] + 3.0 * double(i) / double(n) + 0.1 * rng.normal();
    }
    return Dataset<double>(DenseFeatures<double>{n, dim, std::move(values)}, std::move(labels));
  }();
  return d;
}

// Every rank runs minimize() on its contiguous shard with whole-shard gradients, sgd and the
// gossip callback; returns each rank's final parameters.
std::vector<std::vector<double>> gossip_on_ranks(const Graph& graph, int steps, double lr) {
  const int p = static_cast<int>(graph.size());
  const MixingMatrix mixing = MixingMatrix::metropolis_hastings(graph);
  std::vector<std::vector<double>> finals(static_cast<std::size_t>(p));
  run_ranks(p, [&](Communicator& comm) {
    const CommunicatorPtr handle(&comm, [](Communicator*) {});
    LeastSquares<double> model(data());  // one per rank thread (models keep workspaces)
    const Segment mine = segment_of(model.num_samples(), p, comm.rank());
    std::vector<std::size_t> shard(mine.size());
    for (std::size_t k = 0; k < shard.size(); ++k) shard[k] = mine.begin + k;
    SampleSubset<double> local(model, shard);
    Parameters<double> x(model.layout());
    MinimizeOptions<double> o;
    o.max_steps = steps;  // estimator null: the full gradient of the shard
    o.final_evaluation = false;
    o.callbacks.push_back(std::make_shared<Gossip<double>>(handle, mixing));
    minimize<double>(local, x, *sgd({.lr = constant(lr)}), o);
    finals[static_cast<std::size_t>(comm.rank())].assign(x.flat().begin(), x.flat().end());
  });
  return finals;
}

TEST(Gossip, RanksGiveTheSimulationsBits) {
  // The update over ranks, x_i <- sum_j W_ij (x_j - eta g_j), against the one-process
  // simulation of the same iteration (whole-shard gradients: no sampling to match).
  for (const Graph& graph : {ring(5), torus(2, 3), exponential(6)}) {
    const int steps = 15;
    const double lr = 0.05;
    const std::vector<std::vector<double>> ranks = gossip_on_ranks(graph, steps, lr);
    LeastSquares<double> model(data());
    DecentralizedSgdOptions options;
    options.learning_rate = constant(lr);
    options.batch_size = 0;
    options.iterations = steps;
    const std::vector<double> start(model.dimension(), 0.0);
    const DecentralizedResult<double> sim =
        decentralized_sgd<double>(model, MixingMatrix::metropolis_hastings(graph),
                                  contiguous_shards(model.num_samples(), graph.size()), start, options);
    const std::size_t d = model.dimension();
    for (std::size_t i = 0; i < graph.size(); ++i)
      EXPECT_EQ(std::memcmp(ranks[i].data(), sim.models.data() + i * d, d * sizeof(double)), 0)
          << graph.name() << ", node " << i;
  }
}

TEST(Gossip, CompleteGraphIsDataParallelSgd) {
  // On the complete graph W = 11^T / P, so from equal starts every node takes
  //   x <- (1/P) sum_j (x - eta g_j) = x - eta (1/P) sum_j g_j,
  // data-parallel SGD whose batch is the union of the (equal-sized) shards. The two differ
  // only in rounding: per step at most (P + 2) eps (|x| + eta max_j |g_j|) per coordinate (the
  // P-term mix and the tree sum, Higham), and gradient descent with eta < 1/L is
  // non-expansive, so the difference after T steps is at most T times that.
  const int p = 4, steps = 10;
  const double lr = 0.05;
  const std::vector<std::vector<double>> gossip = gossip_on_ranks(complete(p), steps, lr);
  LeastSquares<double> model(data());
  Parameters<double> x(model.layout());
  MinimizeOptions<double> o;
  o.max_steps = steps;
  o.final_evaluation = false;
  o.estimator = std::make_shared<DataParallel<double>>(
      DataParallelOptions{.batch_size = static_cast<std::int64_t>(model.num_samples()), .shards = p, .seed = 1},
      nullptr);
  minimize<double>(model, x, *sgd({.lr = constant(lr)}), o);
  const double eps = std::numeric_limits<double>::epsilon();
  for (int r = 0; r < p; ++r)
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double scale = std::abs(x.flat()[i]) + lr * 20.0;  // |g_j| <= 20 on this data (checked below)
      EXPECT_NEAR(gossip[static_cast<std::size_t>(r)][i], x.flat()[i], steps * (p + 2) * eps * scale * 4)
          << "rank " << r << ", coordinate " << i;
    }
  std::vector<double> g(model.dimension());
  model.value_and_gradient(std::vector<double>(model.dimension(), 0.0), g);
  for (double v : g) EXPECT_LT(std::abs(v), 20.0);
}

TEST(Gossip, AverageAndConsensusErrorOverRanks) {
  run_ranks(3, [](Communicator& comm) {
    const double r = comm.rank();
    const std::vector<double> x{r, 2 * r};
    std::vector<double> mean(2);
    const double error = average_over_ranks<double>(comm, x, mean);
    EXPECT_EQ(mean, (std::vector<double>{1.0, 2.0}));
    // (1/3) sum_i ((i - 1)^2 + (2i - 2)^2) = (1/3)(5 + 0 + 5)
    EXPECT_NEAR(error, 10.0 / 3.0, 1e-15);
  });
}

TEST(Gossip, StateNamesItsNodeAndRefusesAnother) {
  const auto two = thread_group(2), three = thread_group(3);
  Gossip<double> written(two[1], MixingMatrix::metropolis_hastings(ring(2)));
  BinaryWriter out;
  written.save_state(out);
  Gossip<double> same(two[1], MixingMatrix::metropolis_hastings(ring(2)));
  BinaryReader in(out.bytes(), "state");
  EXPECT_NO_THROW(same.load_state(in));
  Gossip<double> other(three[1], MixingMatrix::metropolis_hastings(ring(3)));
  BinaryReader again(out.bytes(), "state");
  try {
    other.load_state(again);
    FAIL() << "a node of 2 resumed a node of 3";
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("node 1 of 2 cannot resume node 1 of 3"), std::string::npos) << e.what();
  }
}

TEST(Gossip, MixingMustMatchTheRanks) {
  EXPECT_THROW(Gossip<double>(self_communicator(), MixingMatrix::metropolis_hastings(ring(3))), MismatchError);
}

TEST(SampleSubset, PassesMappedIndicesOn) {
  LeastSquares<double> model(data());
  SampleSubset<double> subset(model, {5, 9, 11});
  EXPECT_EQ(subset.num_samples(), 3u);
  const std::vector<double> x{0.1, -0.2, 0.3, 0.05, 0.5};
  std::vector<double> a(model.dimension()), b(model.dimension());
  const std::vector<std::size_t> local{2, 0}, whole{11, 5};
  EXPECT_EQ(subset.batch_value_and_gradient(x, local, a), model.batch_value_and_gradient(x, whole, b));
  EXPECT_EQ(a, b);
  const std::vector<std::size_t> all{5, 9, 11};
  EXPECT_EQ(subset.value_and_gradient(x, a), model.batch_value_and_gradient(x, all, b));
  EXPECT_EQ(a, b);
  EXPECT_EQ(subset.label_space().labels.size(), 3u);
  EXPECT_EQ(subset.label_space().labels[1], data().labels()[9]);
  EXPECT_THROW(SampleSubset<double>(model, {}), MismatchError);
  EXPECT_THROW(SampleSubset<double>(model, {500}), MismatchError);
  const std::vector<std::size_t> outside{3};
  EXPECT_THROW(subset.batch_value_and_gradient(x, outside, a), MismatchError);
}

}  // namespace
}  // namespace descent
