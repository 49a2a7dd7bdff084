// Results are a function of the inputs only: not of the OpenMP thread count, nor of what
// the model computed before (its workspaces are reused across calls and batch sizes).
//
// The thread-count tests run at sizes where the threaded paths are taken: products cut into
// panels (src/model/panel_gemm.hpp) and elementwise or per-sample work run in tiles on
// threads (src/model/work_costs.hpp decides when). Each test computes its sizes from those
// thresholds and asserts that they are passed, so that a retuned threshold cannot silently
// turn the test into a single-threaded one.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "../../src/model/layer_stack.hpp"
#include "../../src/model/panel_gemm.hpp"
#include "../../src/model/work_costs.hpp"
#include "descent/core/parallel.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "model_cases.hpp"
#include "model_test_support.hpp"

namespace descent::testing {
namespace {

using detail::plan_panels;
using detail::worth_threads;

template <class T>
struct Pass {
  T value = 0;
  std::vector<T> gradient;
  std::vector<T> norms;
};

template <class T>
Pass<T> run(const Model<T>& model, std::span<const T> x, std::span<const std::size_t> batch) {
  Pass<T> pass;
  pass.gradient.resize(model.dimension());
  pass.norms.resize(batch.size());
  pass.value = model.batch_value_and_gradient(x, batch, pass.gradient);
  model.per_sample_gradient_norms(x, batch, pass.norms);
  return pass;
}

// The same pass with 1, 2 and 3 OpenMP threads (3 does not divide the panel counts, which
// are powers of two), bitwise equal.
template <class T>
void expect_same_with_1_2_3_threads(const Model<T>& model, std::span<const T> x, std::span<const std::size_t> batch) {
  const int threads_before = num_threads();
  set_num_threads(1);
  const Pass<T> one = run(model, x, batch);
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    const Pass<T> other = run(model, x, batch);
    EXPECT_EQ(one.value, other.value) << threads << " threads";
    EXPECT_EQ(one.gradient, other.gradient) << threads << " threads";
    EXPECT_EQ(one.norms, other.norms) << threads << " threads";
  }
  set_num_threads(threads_before);
}

std::vector<std::size_t> scattered_batch(std::size_t size, std::size_t n, std::size_t stride) {
  std::vector<std::size_t> batch(size);
  for (std::size_t k = 0; k < size; ++k) batch[k] = (k * stride + 3) % n;
  return batch;
}

constexpr std::size_t kChunk = detail::LayerStack<double>::kChunkRows;

// Every product of an MLP is cut into panels, and the gelu activations (the costliest) run
// on threads: the smallest sizes (powers of two) where every product has the work and the
// width of two panels (128 x 128 x 32 = 2 kMinPanelWork multiply-adds).
TEST(Determinism, MlpWithEveryProductCutIntoPanels) {
  const std::size_t n = 300, d = 128, h1 = 128, h2 = 128, classes = 32, m = 128;
  // (rows, outputs, depth) of every product of the pass: forward, backward, weight gradient.
  const std::vector<std::array<std::size_t, 3>> products = {
      {m, h1, d},  {m, h2, h1},      {m, classes, h2},   // Z_l = A_{l-1} W_l^T
      {m, h1, h2}, {m, h2, classes},                     // D_{l-1} = D_l W_l
      {h1, d, m},  {h2, h1, m},      {classes, h2, m}};  // grad W_l = D_l^T A_{l-1}
  for (const auto& [rows, cols, depth] : products)
    ASSERT_GT(plan_panels<float>(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols),
                                 static_cast<Eigen::Index>(depth))
                  .count,
              1)
        << rows << " x " << cols << " x " << depth;
  ASSERT_TRUE(worth_threads(static_cast<double>(m * h2) * detail::activation_ns(Activation::gelu)));
  const auto data = dense_dataset<float>(random_features(n, d, 80, 0.1), d, class_labels(n, classes, 80));
  const Mlp<float> model(data, {.hidden = {h1, h2}, .activation = Activation::gelu, .l2 = 0.01});
  const auto params = model.initial_parameters(81);
  expect_same_with_1_2_3_threads<float>(model, params.flat(), scattered_batch(m, n, 7));
}

// Many classes: the softmax head's rows run on threads, and their losses are still added in
// row order.
TEST(Determinism, SoftmaxHeadWithManyClasses) {
  const std::size_t n = 400, d = 40, classes = 64, m = kChunk;
  ASSERT_TRUE(worth_threads(static_cast<double>(m) * detail::kSoftmaxClassNs * classes));
  const auto data = dense_dataset<float>(random_features(n, d, 84), d, class_labels(n, classes, 84));
  const SoftmaxRegression<float> model(data, {});
  const auto x = random_parameters<float>(model.dimension(), 85);
  expect_same_with_1_2_3_threads<float>(model, x, scattered_batch(m, n, 11));
}

// Every model configuration, with as many input features as it takes for its first layer
// (the only wide one) to run threaded: cut into panels where it is a GEMM (dense data, at
// least 8 outputs), else its row-by-row dot products on threads; in both cases the
// per-sample norms run on threads too.
class ThreadCount : public ::testing::TestWithParam<ModelCase> {};

// Outputs of the first layer: its weight block is {outputs, inputs}, or {inputs} for the
// single-output models.
std::size_t first_layer_outputs(const ModelCase& c) {
  const auto tiny = case_dataset(c, 20, 2, 1);
  const auto model = c.make(tiny);
  const auto& shape = model->layout().blocks().front().shape;
  return shape.size() == 2 ? shape[0] : 1;
}

// Whether the first layer's work in a chunk of `rows` runs threaded, for `data`.
bool first_layer_threaded(const Dataset<double>& data, std::size_t outputs, std::size_t rows) {
  // Per-sample norms: each row's cost includes the squared norm of its input.
  const bool norms = worth_threads(static_cast<double>(rows) * detail::input_norm_ns(data));
  if (!data.is_sparse() && outputs >= detail::LayerStack<double>::kMinGemmOutputs) {
    const auto m = static_cast<Eigen::Index>(rows), out = static_cast<Eigen::Index>(outputs),
               d = static_cast<Eigen::Index>(data.dimension());
    return norms && plan_panels<double>(m, out, d).count > 1 && plan_panels<double>(out, d, m).count > 1;
  }
  return norms && worth_threads(static_cast<double>(rows * outputs) * detail::input_dot_ns(data));
}

// n x d features, about half of them 0 and the rest spread over [-1, 1), from a 64-bit linear
// congruential generator (Knuth's MMIX constants): these tests need wide rows quickly (the
// Philox normals of random_features cost most of a debug build's time here), not good
// randomness.
std::vector<double> wide_features(std::size_t n, std::size_t d) {
  std::vector<double> values(n * d);
  std::uint64_t state = 90;
  for (double& v : values) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    const std::uint64_t bits = state >> 32;
    v = (bits & 1) != 0 ? 0.0 : static_cast<double>(bits >> 1) / 1073741824.0 - 1;
  }
  return values;
}

Dataset<double> wide_dataset(const ModelCase& c, std::size_t n, std::size_t d) {
  const auto values = wide_features(n, d);
  const auto labels = make_labels(c.labels, n, c.classes, 90);
  return c.sparse ? sparse_dataset<double>(values, d, labels) : dense_dataset<double>(values, d, labels);
}

TEST_P(ThreadCount, ValueGradientAndNormsDoNotDependOnIt) {
  const ModelCase& c = GetParam();
  // A full chunk of rows drawn from fewer rows (with repeats): wide rows are what matter.
  const std::size_t n = 97, outputs = first_layer_outputs(c);
  const auto batch = scattered_batch(kChunk, n, 7);
  // The fewest features, in steps of 64, that make the first layer threaded.
  std::size_t d = 64;
  Dataset<double> data = wide_dataset(c, n, d);
  while (!first_layer_threaded(data, outputs, kChunk)) {
    d += 64;
    ASSERT_LE(d, 8192u) << "the thresholds no longer fit a test-sized dataset";
    data = wide_dataset(c, n, d);
  }
  const auto model = c.make(data);
  const auto x = random_parameters<double>(model->dimension(), 91, 0.1);
  expect_same_with_1_2_3_threads<double>(*model, x, batch);
}

INSTANTIATE_TEST_SUITE_P(AllModels, ThreadCount, ::testing::ValuesIn(model_cases()), case_name);

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
    const Pass<float> first = run<float>(model, params.flat(), big);
    run<float>(model, params.flat(), huge);
    run<float>(model, params.flat(), tiny);
    const Pass<float> again = run<float>(model, params.flat(), big);
    const Pass<float> from_fresh = run<float>(fresh, params.flat(), big);
    EXPECT_EQ(first.value, again.value);
    EXPECT_EQ(first.gradient, again.gradient);
    EXPECT_EQ(first.norms, again.norms);
    EXPECT_EQ(first.gradient, from_fresh.gradient);
  }
}

}  // namespace
}  // namespace descent::testing
