// Runs on every rank of `mpirun -np P`: the MPI transport must give the bits the thread
// transport and a single process give.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/distributed/collectives.hpp"
#include "descent/distributed/data_parallel.hpp"
#include "descent/distributed/mpi_communicator.hpp"
#include "descent/distributed/ordered_sum.hpp"
#include "descent/loop/train.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/transform/sgd.hpp"
#include "support/logistic_data.hpp"

namespace descent {
namespace {

TEST(MpiWorld, SizeIsWhatTheLauncherStarted) {
  const CommunicatorPtr world = mpi_world();
  EXPECT_EQ(world->size(), launcher_world_size());
  EXPECT_EQ(world->transport(), "mpi");
  EXPECT_EQ(mpi_world(), world);  // one world per process
}

TEST(MpiWorld, OrderedSumHasTheBitsOfOneProcess) {
  // Every rank makes the same leaves (same seed), takes its share, and must get the
  // single-process tree sum of all of them.
  const CommunicatorPtr world = mpi_world();
  const std::size_t leaves = 11, length = 1000;
  Random rng(3, Stream::data);
  std::vector<double> all(leaves * length);
  for (double& v : all) v = rng.normal() * std::ldexp(1.0, static_cast<int>(rng.uniform() * 30) - 15);
  std::vector<double> alone(length);
  covering_node_values<double>(leaves, {0, leaves}, length, all, alone);  // one node: the root
  const Segment mine = segment_of(leaves, world->size(), world->rank());
  const std::vector<double> rows(all.begin() + static_cast<long>(mine.begin * length),
                                 all.begin() + static_cast<long>(mine.end * length));
  std::vector<double> out(length);
  ordered_all_reduce<double>(*world, leaves, length, rows, out, "the ordered-sum test");
  EXPECT_EQ(std::memcmp(out.data(), alone.data(), length * sizeof(double)), 0);
}

std::vector<double> train_with(const CommunicatorPtr& comm) {
  static const Dataset<double> data = testing::logistic_data(400, 8, 4.0, 21);
  LogisticRegression<double> model(data, {.l2 = 1e-3});
  Parameters<double> x(model.layout());
  TrainOptions<double> o;
  o.epochs = 3;
  o.batch_size = 50;
  o.estimator =
      std::make_shared<DataParallel<double>>(DataParallelOptions{.batch_size = 50, .shards = 8, .seed = 9}, comm);
  o.quiet = true;
  o.progress = false;
  train<double>(model, x, *momentum(0.5, 0.9), o);
  return {x.flat().begin(), x.flat().end()};
}

TEST(MpiWorld, DataParallelSgdHasTheBitsOfOneProcess) {
  const std::vector<double> together = train_with(mpi_world());
  const std::vector<double> alone = train_with(self_communicator());
  ASSERT_EQ(together.size(), alone.size());
  EXPECT_EQ(std::memcmp(together.data(), alone.data(), alone.size() * sizeof(double)), 0)
      << "rank " << mpi_world()->rank() << " of " << mpi_world()->size();
}

TEST(MpiWorld, BroadcastAndSameSettings) {
  const CommunicatorPtr world = mpi_world();
  std::vector<float> x(5, float(world->rank()));
  if (world->rank() == 0) x = {1, 2, 3, 4, 5};
  broadcast(*world, std::span<float>(x), 0, "the broadcast test");
  EXPECT_EQ(x, (std::vector<float>{1, 2, 3, 4, 5}));
  EXPECT_NO_THROW(check_same_on_every_rank(*world, "same", "the settings test"));
  if (world->size() > 1)
    EXPECT_THROW(check_same_on_every_rank(*world, world->rank() == 1 ? "other" : "same", "the settings test"),
                 MismatchError);
}

}  // namespace
}  // namespace descent
