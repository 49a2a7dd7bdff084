// Results are a function of the inputs only: not of the OpenMP thread count, nor of what
// the model computed before (its workspaces are reused across calls and batch sizes).
#include <gtest/gtest.h>

#include "descent/core/parallel.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "model_test_support.hpp"

namespace descent::testing {
namespace {

struct Pass {
  float value = 0;
  std::vector<float> gradient;
  std::vector<float> norms;
};

Pass run(const Model<float>& model, std::span<const float> x, std::span<const std::size_t> batch) {
  Pass pass;
  pass.gradient.resize(model.dimension());
  pass.norms.resize(batch.size());
  pass.value = model.batch_value_and_gradient(x, batch, pass.gradient);
  model.per_sample_gradient_norms(x, batch, pass.norms);
  return pass;
}

std::vector<std::size_t> scattered_batch(std::size_t size, std::size_t n, std::size_t stride) {
  std::vector<std::size_t> batch(size);
  for (std::size_t k = 0; k < size; ++k) batch[k] = (k * stride + 3) % n;
  return batch;
}

// Sizes where Eigen's own product would run threaded (and block the depth differently):
// 128 x 96 by 96 x 64 is ~800k multiply-adds, above its threshold of 50k per thread.
TEST(Determinism, ResultsDoNotDependOnTheThreadCount) {
  const std::size_t n = 400, d = 96;
  const auto data = dense_dataset<float>(random_features(n, d, 80, 0.1), d, class_labels(n, 10, 80));
  const Mlp<float> model(data, {.hidden = {64, 32}, .activation = Activation::gelu});
  const auto params = model.initial_parameters(81);
  const auto batch = scattered_batch(128, n, 7);
  const int threads_before = num_threads();
  set_num_threads(1);
  const Pass one = run(model, params.flat(), batch);
  set_num_threads(2);
  const Pass two = run(model, params.flat(), batch);
  set_num_threads(threads_before);
  EXPECT_EQ(one.value, two.value);
  EXPECT_EQ(one.gradient, two.gradient);
  EXPECT_EQ(one.norms, two.norms);
}

TEST(Determinism, WorkspaceReuseAcrossBatchSizesDoesNotChangeResults) {
  const std::size_t n = 600, d = 20;
  const auto data = dense_dataset<float>(random_features(n, d, 82), d, class_labels(n, 5, 82));
  const auto sparse = sparse_dataset<float>(random_features(n, d, 82), d, class_labels(n, 5, 82));
  for (const Dataset<float>* set : {&data, &sparse}) {
    const Mlp<float> model(*set, {.hidden = {16, 8}});
    const Mlp<float> fresh(*set, {.hidden = {16, 8}});
    const auto params = model.initial_parameters(83);
    const auto big = scattered_batch(128, n, 11);
    const auto huge = scattered_batch(600, n, 7);  // three chunks
    const auto tiny = scattered_batch(5, n, 13);
    const Pass first = run(model, params.flat(), big);
    run(model, params.flat(), huge);
    run(model, params.flat(), tiny);
    const Pass again = run(model, params.flat(), big);
    const Pass from_fresh = run(fresh, params.flat(), big);
    EXPECT_EQ(first.value, again.value);
    EXPECT_EQ(first.gradient, again.gradient);
    EXPECT_EQ(first.norms, again.norms);
    EXPECT_EQ(first.gradient, from_fresh.gradient);
  }
}

}  // namespace
}  // namespace descent::testing
