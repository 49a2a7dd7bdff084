#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "descent/core/parallel.hpp"
#include "descent/estimator/full_gradient.hpp"
#include "descent/estimator/minibatch.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/transform/adam.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

using testing::CentresSum;
using testing::DiagonalQuadratic;

// Records which samples each batch touched.
class RecordingSum : public CentresSum<double> {
 public:
  RecordingSum(std::size_t n, std::size_t d) : CentresSum<double>(n, d) {}
  double batch_value_and_gradient(std::span<const double> x, std::span<const std::size_t> batch,
                                  std::span<double> g) const override {
    seen.insert(seen.end(), batch.begin(), batch.end());
    sizes.push_back(batch.size());
    return CentresSum<double>::batch_value_and_gradient(x, batch, g);
  }
  mutable std::vector<std::size_t> seen;
  mutable std::vector<std::size_t> sizes;
};

TEST(FullGradient, IsTheExactGradientAndCountsOnePassForFiniteSums) {
  CentresSum<double> f(10, 3);
  FullGradient<double> est;
  est.bind(f);
  std::vector<double> x{0.3, -0.2, 0.1}, g(3), expected(3);
  const auto e = est.estimate(f, x, g);
  const double value = f.value_and_gradient(x, expected);
  EXPECT_EQ(e.value, value);
  EXPECT_EQ(g, expected);
  EXPECT_EQ(e.objective_calls, 1);
  EXPECT_EQ(e.sample_gradients, 10);
  DiagonalQuadratic<double> q(3, 2.0);
  est.bind(q);
  EXPECT_EQ(est.estimate(q, x, g).sample_gradients, 0);
}

TEST(Minibatch, EachEpochVisitsEverySampleExactlyOnce) {
  RecordingSum f(23, 2);
  Minibatch<double> est({.batch_size = 5, .seed = 9});
  est.bind(f);
  std::vector<double> x(2), g(2);
  for (int step = 0; step < 15; ++step) est.estimate(f, x, g);  // 3 epochs of 5 batches (5,5,5,5,3)
  ASSERT_EQ(f.seen.size(), 3u * 23u);
  EXPECT_EQ(f.sizes[4], 3u);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<std::size_t> part(f.seen.begin() + epoch * 23, f.seen.begin() + (epoch + 1) * 23);
    std::sort(part.begin(), part.end());
    for (std::size_t i = 0; i < 23; ++i) EXPECT_EQ(part[i], i);
  }
  // Two epochs are not in the same order (probability 1/23! of a false failure).
  EXPECT_FALSE(std::equal(f.seen.begin(), f.seen.begin() + 23, f.seen.begin() + 23));
  EXPECT_EQ(est.epochs(), 3);
}

TEST(Minibatch, BatchGradientIsTheMeanOfItsSamples) {
  CentresSum<double> f(8, 3);
  Minibatch<double> est({.batch_size = 8, .seed = 1});
  est.bind(f);
  std::vector<double> x{1, 2, 3}, g(3), full(3);
  est.estimate(f, x, g);  // one batch = the whole epoch = the full gradient
  f.value_and_gradient(x, full);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(g[j], full[j], 1e-15 * 8);
}

TEST(Minibatch, RefusesObjectivesThatAreNotFiniteSumsAndBadOptions) {
  DiagonalQuadratic<double> q(3, 2.0);
  Minibatch<double> est({.batch_size = 4});
  try {
    est.bind(q);
    FAIL();
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("'diagonal_quadratic' is not one"), std::string::npos) << e.what();
  }
  try {
    Minibatch<double>({.batch_size = 0});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "MinibatchOptions::batch_size = 0 violates batch_size >= 1");
  }
}

TEST(Minibatch, LoadRejectsInconsistentStateAndKeepsItsOwn) {
  CentresSum<double> f(6, 2);
  Minibatch<double> est({.batch_size = 2, .seed = 3});
  est.bind(f);
  BinaryWriter out;
  out.u64(0);
  out.u64(99);  // cursor beyond the epoch
  out.i64(1);
  const std::vector<std::size_t> order{0, 1, 2, 3, 4, 5};
  out.array(std::span<const std::size_t>(order));
  BinaryReader in(out.bytes(), "state");
  EXPECT_THROW(est.load(in), FormatError);
  std::vector<double> x(2), g(2);
  EXPECT_NO_THROW(est.estimate(f, x, g));
}

TEST(Minibatch, TrainingIsBitwiseIndependentOfTheThreadCount) {
  CentresSum<float> f(101, 40000);  // 40 tiles: enough for the threaded path
  auto opt = adam({.lr = constant(0.01)});
  std::vector<std::vector<float>> finals;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    Parameters<float> x(ParameterLayout::flat(40000), 0.5f);
    MinimizeOptions<float> options{.max_steps = 30};
    options.estimator = std::make_shared<Minibatch<float>>(MinibatchOptions{.batch_size = 16, .seed = 4});
    minimize(f, x, *opt, options);
    finals.emplace_back(x.flat().begin(), x.flat().end());
  }
  set_num_threads(2);
  EXPECT_EQ(std::memcmp(finals[0].data(), finals[1].data(), 40000 * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(finals[0].data(), finals[2].data(), 40000 * sizeof(float)), 0);
}

}  // namespace
}  // namespace descent
