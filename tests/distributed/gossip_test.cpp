#include "descent/distributed/gossip.hpp"

#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>

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
  //   x <- (1/P) sum_j (x - eta g_j) = x - eta (1/P) sum_j g_j = x - eta grad f(x)
  // (equal shards, whole-shard gradients): gradient descent, as data-parallel SGD with the
  // whole data as its batch is. Both compute it in floating point, adding the n per-sample
  // gradient terms in different orders. Each result is within
  //   delta_t = (n + P + 4) eps (|x_t| + eta a_t),   a_t,i = (1/n) sum_s |d f_s / d x_i (x_t)|,
  // of the exact step, coordinate-wise (Higham's bound for a sum of n + P terms, plus the
  // scalings and the final subtraction), so the two differ by at most 2 delta_t per step.
  // The exact step x -> (I - eta H) x + eta c is non-expansive in the 2-norm when
  // eta <= 2 / lambda_max(H) (checked below), so after T steps
  //   |x_gossip - x_dp|_2 <= sum_t 2 |delta_t|_2
  // with the a_t of the exact iterates, here those of a reference run (they differ from the
  // exact ones by rounding, a second-order change to the bound).
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

  const std::size_t d = model.dimension(), n = model.num_samples();
  const double eps = std::numeric_limits<double>::epsilon();
  // eta lambda_max(H) <= 2: the Hessian of least squares, column by column.
  Eigen::MatrixXd hessian(d, d);
  const std::vector<double> origin(d, 0.0);
  for (std::size_t j = 0; j < d; ++j) {
    std::vector<double> e(d, 0.0), column(d);
    e[j] = 1;
    model.hessian_vector(origin, e, column);
    for (std::size_t i = 0; i < d; ++i) hessian(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = column[i];
  }
  ASSERT_LE(lr * Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(hessian).eigenvalues().maxCoeff(), 2.0);
  // The bound along a reference gradient-descent run.
  std::vector<std::size_t> all(n);
  for (std::size_t s = 0; s < n; ++s) all[s] = s;
  std::vector<double> reference(d, 0.0), g(d), per_sample(n * d);
  double bound = 0;
  for (int t = 0; t < steps; ++t) {
    model.per_sample_gradients(reference, all, per_sample);
    double squared = 0;
    for (std::size_t i = 0; i < d; ++i) {
      double a = 0;
      for (std::size_t s = 0; s < n; ++s) a += std::abs(per_sample[s * d + i]) / double(n);
      const double delta = double(n + p + 4) * eps * (std::abs(reference[i]) + lr * a);
      squared += delta * delta;
    }
    bound += 2 * std::sqrt(squared);
    model.value_and_gradient(reference, g);
    for (std::size_t i = 0; i < d; ++i) reference[i] -= lr * g[i];
  }
  for (int r = 0; r < p; ++r) {
    double squared = 0;
    for (std::size_t i = 0; i < d; ++i) {
      const double diff = gossip[static_cast<std::size_t>(r)][i] - x.flat()[i];
      squared += diff * diff;
    }
    EXPECT_LE(std::sqrt(squared), bound) << "rank " << r;
  }
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
