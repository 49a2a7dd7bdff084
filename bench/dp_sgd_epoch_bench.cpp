// One epoch of DP-SGD against one epoch of ordinary minibatch SGD, same model, same batch
// size (256), same threads: what private training costs (issue 13's goal: <= 1.3x).
//
// Cases, for softmax regression (784 -> 10) and the MLP 784-256-128-10 (relu), in float:
//   minibatch       Minibatch over shuffled epochs of 256 (batch_value_and_gradient)
//   dp_shuffle      DpSgd, shuffle(256): ghost clipping + Philox noise, the same batches
//   dp_poisson      DpSgd, poisson(q = 256 / n): n / 256 steps, batches of 256 on average
//   dp_secure       dp_shuffle with secure=true: the noise from getrandom(2)
//   dp_materialized the same clipped sum formed the slow way (FiniteSum's default: one
//                   per-sample gradient at a time), for scale: what ghost clipping saves
// and noise_235146/{philox,secure}: one step's noise for the MLP alone (items = normals).
// Each step is the estimator's direction and a plain SGD update x -= 0.01 direction (the
// transform is the same for every case). One iteration = one epoch = ceil(n / 256) steps.
//
// Data: Fashion-MNIST's training set (60000 x 784, standardized) from --data (default
// /usr/share/datasets/fashion-mnist), or synthetic N(0, 1) data of the same shape with
// random labels when it is not there; the context line `data` says which. --rows N keeps the
// first N rows.
//
//   descent_dp_sgd_epoch_bench [--data DIR] [--rows N] [--benchmark_filter=mlp]
#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/parallel.hpp"
#include "descent/core/random.hpp"
#include "descent/data/dataset.hpp"
#include "descent/data/idx_reader.hpp"
#include "descent/data/preprocess.hpp"
#include "descent/estimator/dp_sgd.hpp"
#include "descent/estimator/minibatch.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "fashion_mnist_bench_main.hpp"

namespace {

constexpr std::size_t kFeatures = 784;
constexpr std::size_t kBatch = 256;

descent_bench::DataOptions g_data;

descent::Dataset<float> load_data() {
  if (!g_data.have_fashion_mnist()) {
    descent::Random rng(1, descent::Stream::data, 0);
    descent::DenseFeatures<float> features{g_data.rows, kFeatures,
                                           descent::AlignedBuffer<float>(g_data.rows * kFeatures)};
    std::vector<float> labels(g_data.rows);
    for (std::size_t i = 0; i < g_data.rows * kFeatures; ++i) features.values[i] = static_cast<float>(rng.normal());
    for (std::size_t i = 0; i < g_data.rows; ++i) labels[i] = static_cast<float>(i < 10 ? i : rng.below(10));
    return descent::Dataset<float>(std::move(features), std::move(labels), "synthetic");
  }
  auto data = descent::read_idx_dataset<float>(g_data.dir + "/train-images-idx3-ubyte.gz",
                                               g_data.dir + "/train-labels-idx1-ubyte.gz");
  if (g_data.rows < data.size()) {
    std::vector<std::size_t> first(g_data.rows);
    for (std::size_t i = 0; i < g_data.rows; ++i) first[i] = i;
    data = data.subset(first);
  }
  descent::Standardizer<float>::fit(data).apply(data);
  return data;
}

const descent::Dataset<float>& data() {
  static const descent::Dataset<float> instance = load_data();
  return instance;
}

std::unique_ptr<descent::Model<float>> make_model(bool mlp) {
  if (mlp)
    return std::make_unique<descent::Mlp<float>>(
        data(), descent::MlpOptions{.hidden = {256, 128}, .activation = descent::Activation::relu, .num_classes = 10});
  return std::make_unique<descent::SoftmaxRegression<float>>(data(),
                                                             descent::SoftmaxRegressionOptions{.num_classes = 10});
}

// The clipped sum by the default, materializing path (FiniteSum::clipped_gradient_sum), with
// the rest of the model's interface forwarded: the baseline ghost clipping replaces.
class Materialized final : public descent::FiniteSum<float> {
 public:
  explicit Materialized(const descent::Model<float>& model) : model_(model) {}
  std::string name() const override { return model_.name(); }
  std::size_t dimension() const override { return model_.dimension(); }
  std::size_t num_samples() const override { return model_.num_samples(); }
  float batch_value_and_gradient(std::span<const float> x, std::span<const std::size_t> batch,
                                 std::span<float> gradient) const override {
    return model_.batch_value_and_gradient(x, batch, gradient);
  }
  void add_unclipped_gradient(std::span<const float> x, std::span<float> out) const override {
    model_.add_unclipped_gradient(x, out);
  }
  std::vector<std::size_t> parameter_groups() const override { return model_.parameter_groups(); }

 private:
  const descent::Model<float>& model_;
};

enum class Kind { minibatch, dp_shuffle, dp_poisson, dp_secure, dp_materialized };

void epoch(benchmark::State& state, bool mlp, Kind kind) {
  const auto model = make_model(mlp);
  const Materialized materialized(*model);
  const descent::FiniteSum<float>& objective =
      kind == Kind::dp_materialized ? static_cast<const descent::FiniteSum<float>&>(materialized) : *model;
  const std::size_t n = model->num_samples();
  std::shared_ptr<descent::Estimator<float>> estimator;
  descent::DpSgdOptions dp{
      .clip_norm = 1, .noise_multiplier = 1, .sampling = "shuffle", .batch_size = static_cast<std::int64_t>(kBatch)};
  switch (kind) {
    case Kind::minibatch:
      estimator =
          std::make_shared<descent::Minibatch<float>>(descent::MinibatchOptions{.batch_size = kBatch, .seed = 1});
      break;
    case Kind::dp_poisson:
      dp.sampling = "poisson";
      dp.rate = static_cast<double>(kBatch) / static_cast<double>(n);
      estimator = std::make_shared<descent::DpSgd<float>>(dp, 1);
      break;
    case Kind::dp_secure:
      dp.secure = true;
      estimator = std::make_shared<descent::DpSgd<float>>(dp, 1);
      break;
    case Kind::dp_shuffle:
    case Kind::dp_materialized:
      estimator = std::make_shared<descent::DpSgd<float>>(dp, 1);
      break;
  }
  estimator->bind(objective);
  std::vector<float> x(model->dimension()), direction(model->dimension());
  descent::Random rng(3, descent::Stream::init, 0);
  for (float& v : x) v = static_cast<float>(0.05 * rng.normal());
  const std::size_t steps = (n + kBatch - 1) / kBatch;
  estimator->estimate(objective, x, direction);  // grows the workspaces, starts the threads
  for (auto _ : state) {
    for (std::size_t s = 0; s < steps; ++s) {
      estimator->estimate(objective, x, direction);
      for (std::size_t j = 0; j < x.size(); ++j) x[j] -= 0.01f * direction[j];
    }
    benchmark::ClobberMemory();
  }
  state.counters["steps"] = static_cast<double>(steps);
}

// The noise alone, one step's worth for the MLP's 235146 parameters: Philox or getrandom(2).
void noise(benchmark::State& state, bool secure) {
  std::vector<float> out(235146, 0.0f);
  std::uint64_t position = 0;
  for (auto _ : state) {
    if (secure) {
      descent::add_secure_gaussian_noise(1.0f, std::span<float>(out));
    } else {
      position += descent::add_gaussian_noise(1, position, 1.0f, std::span<float>(out));
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(out.size()));
}

void register_cases() {
  for (bool secure : {false, true})
    benchmark::RegisterBenchmark(secure ? "noise_235146/secure" : "noise_235146/philox",
                                 [secure](benchmark::State& state) { noise(state, secure); })
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  for (bool mlp : {false, true}) {
    const std::string model = mlp ? "mlp_784_256_128_10" : "softmax_784_10";
    for (const auto& [name, kind] : {std::pair{"minibatch", Kind::minibatch}, std::pair{"dp_shuffle", Kind::dp_shuffle},
                                     std::pair{"dp_poisson", Kind::dp_poisson}, std::pair{"dp_secure", Kind::dp_secure},
                                     std::pair{"dp_materialized", Kind::dp_materialized}}) {
      benchmark::RegisterBenchmark((model + "/" + name).c_str(),
                                   [mlp, kind](benchmark::State& state) { epoch(state, mlp, kind); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();  // OpenMP threads work while the main thread waits: CPU time would mislead
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  return descent_bench::run_benchmarks(argc, argv, "dp_sgd_epoch_bench", g_data, [] { register_cases(); });
}
