// Full-batch passes of logistic regression, the kernels second-order and quasi-Newton
// solvers (TRON, L-BFGS) spend their time in: value_and_gradient over all rows, and one
// product with the Hessian operator hessian_at(x) (its per-sample curvatures computed once,
// before the clock), in float and double, on 1 and 2 OpenMP threads.
//
// Data: Fashion-MNIST's training set (60000 x 784, class 0 against the rest, standardized
// with its own statistics) from --data (default /usr/share/datasets/fashion-mnist, Debian's
// dataset-fashion-mnist), or, when it is not there, synthetic data of the same shape
// (N(0, 1) features, labels from a random hyperplane). The context line `data` says which.
//
// Both passes read every feature once: bytes_per_second counts n d sizeof(T) bytes per pass
// (the labels and the cached curvatures, n values each, are not counted: 1/784 of it). The
// read probe, read_probe/<fp32|fp64>/threads:<t>, sums an array of the same size as the
// features (in sixteen independent lanes per thread, so that only the memory limits it):
// the read bandwidth a pass can hope for on this machine, measured in the same binary.
//
//   descent_model_pass_bench [--data DIR] [--rows N] [--benchmark_filter=fp64]
//
// --rows N keeps the first N rows (default 60000; the smoke test uses a few thousand).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/parallel.hpp"
#include "descent/core/random.hpp"
#include "descent/data/dataset.hpp"
#include "descent/data/idx_reader.hpp"
#include "descent/data/preprocess.hpp"
#include "descent/model/logistic_regression.hpp"
#include "fashion_mnist_bench_main.hpp"

namespace {

constexpr std::size_t kFeatures = 784;

descent_bench::DataOptions g_data;

// Synthetic data of Fashion-MNIST's shape: standard normal features (already standardized),
// labels 1 where a random hyperplane scores the row positive, else 0.
template <class T>
descent::Dataset<T> synthetic_data() {
  descent::Random rng(1, descent::Stream::data, 0);
  std::vector<double> normal(kFeatures);
  for (double& v : normal) v = rng.normal();
  descent::DenseFeatures<T> features{g_data.rows, kFeatures, descent::AlignedBuffer<T>(g_data.rows * kFeatures)};
  std::vector<T> labels(g_data.rows);
  for (std::size_t i = 0; i < g_data.rows; ++i) {
    double score = 0;
    for (std::size_t j = 0; j < kFeatures; ++j) {
      const double value = rng.normal();
      features.values[i * kFeatures + j] = static_cast<T>(value);
      score += value * normal[j];
    }
    labels[i] = score > 0 ? T(1) : T(0);
  }
  return descent::Dataset<T>(std::move(features), std::move(labels), "synthetic");
}

template <class T>
descent::Dataset<T> load_data() {
  if (!g_data.have_fashion_mnist()) return synthetic_data<T>();
  auto data = descent::read_idx_dataset<T>(g_data.dir + "/train-images-idx3-ubyte.gz",
                                           g_data.dir + "/train-labels-idx1-ubyte.gz");
  if (g_data.rows < data.size()) {
    std::vector<std::size_t> first(g_data.rows);
    for (std::size_t i = 0; i < g_data.rows; ++i) first[i] = i;
    data = data.subset(first);
  }
  descent::Standardizer<T>::fit(data).apply(data);
  descent::one_vs_rest(data, T(0), descent::BinaryEncoding::zero_one);
  return data;
}

// The dataset and model of one precision, built on first use and kept for every case.
template <class T>
struct Problem {
  descent::Dataset<T> data = load_data<T>();
  descent::LogisticRegression<T> model{data, {.l2 = 1e-4}};
  std::vector<T> x, v;

  Problem() {
    // A point where the curvatures vary over rows (neither all 1/4 as at 0 nor saturated),
    // and a direction with every coordinate nonzero.
    descent::Random rng(2, descent::Stream::init, 0);
    x.resize(model.dimension());
    v.resize(model.dimension());
    for (T& value : x) value = static_cast<T>(0.02 * rng.normal());
    for (T& value : v) value = static_cast<T>(rng.normal());
  }
  std::int64_t bytes_per_pass() const { return static_cast<std::int64_t>(data.size() * data.dimension() * sizeof(T)); }
};

template <class T>
Problem<T>& problem() {
  static Problem<T> instance;
  return instance;
}

// Sets the thread count for one case and restores it after.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : before_(descent::num_threads()) { descent::set_num_threads(threads); }
  ~ThreadScope() { descent::set_num_threads(before_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int before_;
};

template <class T>
void value_and_gradient(benchmark::State& state) {
  Problem<T>& p = problem<T>();
  const ThreadScope threads(static_cast<int>(state.range(0)));
  std::vector<T> gradient(p.model.dimension());
  p.model.value_and_gradient(p.x, gradient);  // grows the workspaces, starts the threads
  for (auto _ : state) {
    benchmark::DoNotOptimize(p.model.value_and_gradient(p.x, gradient));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * p.bytes_per_pass());
}

template <class T>
void hessian_apply(benchmark::State& state) {
  Problem<T>& p = problem<T>();
  const ThreadScope threads(static_cast<int>(state.range(0)));
  if (!p.model.has_hessian_vector()) {
    state.SkipWithError("this model has no Hessian-vector products");
    return;
  }
  const auto hessian = p.model.hessian_at(p.x);
  std::vector<T> out(p.model.dimension());
  hessian->apply(p.v, out);
  for (auto _ : state) {
    hessian->apply(p.v, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * p.bytes_per_pass());
}

// Sum of `count` values in sixteen independent lanes per thread (vectorized, so that the
// adds keep up with any memory system): a plain read of the array.
template <class T>
double threaded_sum(const T* values, std::size_t count) {
  constexpr std::size_t kLanes = 16;
  double total = 0;
#pragma omp parallel reduction(+ : total)
  {
    T lane[kLanes] = {};
    const auto blocks = static_cast<std::ptrdiff_t>(count / kLanes);
#pragma omp for schedule(static)
    for (std::ptrdiff_t b = 0; b < blocks; ++b)
      for (std::size_t k = 0; k < kLanes; ++k) lane[k] += values[kLanes * static_cast<std::size_t>(b) + k];
    for (std::size_t k = 0; k < kLanes; ++k) total += static_cast<double>(lane[k]);
  }
  for (std::size_t i = count / kLanes * kLanes; i < count; ++i) total += static_cast<double>(values[i]);
  return total;
}

// The features' own buffer is summed, so the probe reads the same bytes at the same
// addresses as the passes.
template <class T>
void read_probe(benchmark::State& state) {
  Problem<T>& p = problem<T>();
  const ThreadScope threads(static_cast<int>(state.range(0)));
  const T* values = p.data.dense().values.data();
  const std::size_t count = p.data.size() * p.data.dimension();
  benchmark::DoNotOptimize(threaded_sum(values, count));
  for (auto _ : state) benchmark::DoNotOptimize(threaded_sum(values, count));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * p.bytes_per_pass());
}

template <class T>
void register_precision(const char* precision) {
  const std::string suffix = std::string("/") + precision;
  for (const auto& [name, run] :
       {std::pair{"read_probe", &read_probe<T>}, std::pair{"logistic_value_and_gradient", &value_and_gradient<T>},
        std::pair{"logistic_hessian_apply", &hessian_apply<T>}})
    benchmark::RegisterBenchmark((name + suffix).c_str(), run)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();  // OpenMP threads work while the main thread waits: CPU time would mislead
}

}  // namespace

int main(int argc, char** argv) {
  return descent_bench::run_benchmarks(argc, argv, "model_pass_bench", g_data, [] {
    register_precision<double>("fp64");
    register_precision<float>("fp32");
  });
}
