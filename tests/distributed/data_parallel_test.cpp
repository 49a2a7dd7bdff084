#include "descent/distributed/data_parallel.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

#include "descent/distributed/thread_group.hpp"
#include "descent/loop/train.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/transform/sgd.hpp"
#include "support/logistic_data.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;

const Dataset<double>& data() {
  static const Dataset<double> d = testing::logistic_data(300, 6, 4.0, 11);
  return d;
}

// Trains `epochs` epochs of data-parallel SGD with momentum on `ranks` thread ranks and
// returns rank 0's parameters after checking that every rank ended with the same bits.
std::vector<double> train_on(int ranks, std::int64_t epochs, std::int64_t shards, const std::string& checkpoint = "",
                             const std::string& resume = "") {
  std::vector<std::vector<double>> finals(static_cast<std::size_t>(ranks));
  run_ranks(ranks, [&](Communicator& comm) {
    // A model per rank, as each MPI process has its own: models keep workspaces, so one
    // model must not be evaluated by two threads at once.
    LogisticRegression<double> model(data(), {.l2 = 1e-3});
    // Each rank needs its own handle on the group: a shared_ptr that does not own it.
    const CommunicatorPtr handle(&comm, [](Communicator*) {});
    Parameters<double> x(model.layout());
    TrainOptions<double> o;
    o.epochs = epochs;
    o.batch_size = 40;
    o.estimator = std::make_shared<DataParallel<double>>(
        DataParallelOptions{.batch_size = 40, .shards = shards, .seed = 5}, handle);
    o.quiet = true;
    o.progress = false;
    if (comm.rank() == 0) o.checkpoint = checkpoint;  // rank 0 writes; every rank resumes
    o.resume_from = resume;
    train<double>(model, x, *momentum(0.5, 0.9), o);
    finals[static_cast<std::size_t>(comm.rank())].assign(x.flat().begin(), x.flat().end());
  });
  for (int r = 1; r < ranks; ++r)
    EXPECT_EQ(std::memcmp(finals[r].data(), finals[0].data(), finals[0].size() * sizeof(double)), 0)
        << "rank " << r << " of " << ranks << " drifted from rank 0";
  return finals[0];
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(DataParallel, DirectionIsTheGlobalBatchMean) {
  // The update rule: direction = (1/|B|) sum_{i in B} grad f_i(x) over the global batch B,
  // whichever rank computed which shard. The reference draws the same batch from a sampler
  // with the same seed and takes the model's own batch mean.
  LogisticRegression<double> model(data(), {.l2 = 1e-3});
  const std::size_t d = model.dimension();
  std::vector<double> x(d);
  for (std::size_t i = 0; i < d; ++i) x[i] = 0.1 * double(i) - 0.2;
  SamplerPtr sampler = shuffle_sampler(40, 5);
  sampler->bind(model.num_samples());
  std::vector<std::size_t> batch;
  sampler->next(batch);
  std::vector<double> expected(d);
  const double expected_value = model.batch_value_and_gradient(x, batch, expected);
  // Bound: both sides add the same 40 per-sample gradients, in different orders and with a
  // scaling by the shard size and its inverse; each result is within (40 + 4) eps
  // sum_i |grad f_i| / 40 of the exact mean (Higham's bound for recursive summation, plus
  // the scalings), so the two differ by at most twice that.
  std::vector<double> per_sample(batch.size() * d);
  model.per_sample_gradients(x, batch, per_sample);
  std::vector<double> abs_mean(d);
  for (std::size_t k = 0; k < batch.size(); ++k)
    for (std::size_t i = 0; i < d; ++i) abs_mean[i] += std::abs(per_sample[k * d + i]) / double(batch.size());
  const double eps = std::numeric_limits<double>::epsilon();
  for (int p : {1, 3}) {
    run_ranks(p, [&](Communicator& comm) {
      const CommunicatorPtr handle(&comm, [](Communicator*) {});
      LogisticRegression<double> own_model(data(), {.l2 = 1e-3});  // a model per rank (see train_on)
      DataParallel<double> estimator({.batch_size = 40, .shards = 4, .seed = 5}, handle);
      estimator.bind(own_model);
      std::vector<double> direction(d);
      const Estimate<double> e = estimator.estimate(own_model, x, direction);
      EXPECT_EQ(e.sample_gradients, 40);
      EXPECT_NEAR(e.value, expected_value, 2 * 44 * eps * std::abs(expected_value) + 1e-300);
      for (std::size_t i = 0; i < d; ++i)
        EXPECT_NEAR(direction[i], expected[i], 2 * 44 * eps * abs_mean[i] + 1e-300) << "coordinate " << i;
    });
  }
}

TEST(DataParallel, SameBitsOnAnyNumberOfRanks) {
  // Three epochs of SGD with momentum: the state after 24 steps is bitwise the same on 1
  // to 5 ranks, so the sums were (a single rounding difference in one step would grow).
  const std::vector<double> one = train_on(1, 3, 8);
  for (int p = 2; p <= 5; ++p) EXPECT_TRUE(same_bits(train_on(p, 3, 8), one)) << p << " ranks";
  // And the training did something: the parameters left the origin.
  double norm = 0;
  for (double v : one) norm += v * v;
  EXPECT_GT(norm, 0.1);
}

TEST(DataParallel, ShardCountIsPartOfTheResult) {
  // The bits are defined by the shards, not the ranks: another cut of the batch is another
  // (equally valid) order of additions. Checked so the test above cannot pass vacuously.
  EXPECT_FALSE(same_bits(train_on(1, 3, 8), train_on(1, 3, 3)));
}

TEST(DataParallel, CheckpointResumesOnAnotherRankCount) {
  const fs::path dir = fs::temp_directory_path() / ("descent_dp_resume_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string checkpoint = (dir / "checkpoint.bin").string();
  const std::vector<double> straight = train_on(1, 4, 8);
  train_on(3, 2, 8, checkpoint);                                          // 2 epochs on 3 ranks
  const std::vector<double> resumed = train_on(2, 4, 8, "", checkpoint);  // 2 more on 2 ranks
  EXPECT_TRUE(same_bits(resumed, straight));
  fs::remove_all(dir);
}

TEST(DataParallel, BadOptionsNameTheField) {
  try {
    DataParallel<double>({.batch_size = 0}, nullptr);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("DataParallelOptions::batch_size = 0 violates"), std::string::npos);
  }
  EXPECT_THROW(DataParallel<double>({.shards = 0}, nullptr), ConfigError);
  DataParallel<double> estimator({}, nullptr);
  EXPECT_EQ(estimator.spec(), "data_parallel(batch_size=128, shards=8)");
}

}  // namespace
}  // namespace descent
