// Time of one optimizer step, descent::apply(), for the common optimizers in fp32 and
// fp64 from 1e5 (cache resident) to 5e7 (memory bound) parameters.
//
// An elementwise step is memory bound once the vectors leave the caches, so the counter
// that matters is bytes_per_second: the bytes the step cannot avoid moving, divided by
// its time. Compare it with the machine's stream bandwidth (DESIGN.md: Adam moves 28
// bytes per fp32 parameter). Names read optimizer_step/<optimizer>/<fp32|fp64>/<n>, and
// optimizer_step_blocks10/<optimizer>/fp32/<n> for the same n split into ten blocks (the
// shape of a small network, and what PyTorch's "10 tensors" peer in bench/peers times),
// optimizer_step_layers/<case>/fp32/<n> for five weight matrices, each followed by a bias of
// 1000 (an MLP's layout), where partition(...) cases run beside the transform they split,
// norm_pass/<fp32|fp64>/<n> for the read of g that a leading global-norm clip adds, and
// muon_step/mlp_784_256_128_10/<fp32|fp64> for one Muon step on the Fashion-MNIST MLP's three
// weight matrices (its peer: bench/torch_muon_step.py).
//
//   optimizer_step_bench --benchmark_filter='adam/fp32'
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/parallel.hpp"
#include "descent/core/parameter_layout.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/muon.hpp"
#include "descent/transform/sgd.hpp"
#include "descent/transform/weight_decay.hpp"

namespace {

struct OptimizerCase {
  std::string name;
  std::function<descent::TransformPtr()> make;
  // Vector elements each parameter's step must read or write, counted as one per read
  // plus one per write of a full-length vector (g = direction, p = parameters, state slots).
  int elements_moved;
  // Hand apply() the direction's squared norm, as minimize() does (it computes the
  // gradient norm anyway): a leading global-norm clip then makes no pass of its own.
  bool norm_known = false;
};

std::vector<OptimizerCase> optimizer_cases() {
  using namespace descent;
  return {
      // read g, p; write p.
      {"sgd", [] { return sgd(); }, 3},
      // read g, b, p; write b, p.
      {"momentum", [] { return momentum(1e-2, 0.9); }, 5},
      // read g, m, v, p; write m, v, p.
      {"adam", [] { return adam(); }, 7},
      // as adam: the decoupled decay reads p, which is read anyway.
      {"adamw", [] { return adamw(); }, 7},
      // the global norm needs a read of g before any update (1), then the adam pass (7);
      // weight_decay runs on the same tiles and adds no traffic.
      {"chain_clip_adam_wd",
       [] { return chain(clip_by_global_norm(1.0), adam({.lr = constant(1e-3)}), weight_decay(1e-4)); }, 8},
      // the same chain inside the training loop, which knows ||g||^2: Adam's traffic only.
      {"chain_clip_adam_wd_norm_known",
       [] { return chain(clip_by_global_norm(1.0), adam({.lr = constant(1e-3)}), weight_decay(1e-4)); }, 7, true},
  };
}

// partition(...) on an MLP's layout beside what it splits. Biases alone in a group run
// block by block in place (their transform is elementwise); weights under a clip of their
// own norm are gathered into scratch and scattered back (one more read and write of them).
std::vector<OptimizerCase> layer_cases() {
  using descent::parse_transform;
  return {
      {"adamw", [] { return parse_transform("adamw"); }, 7},
      {"partition_bias_adam_rest_adamw",
       [] { return parse_transform("partition(group('*.bias', adam), default=adamw)"); }, 7},
      {"chain_clip_adamw", [] { return parse_transform("chain(clip_by_global_norm(1), adamw)"); }, 8},
      {"partition_weights_clip_adamw",
       [] {
         return parse_transform("partition(group('*.weight', chain(clip_by_global_norm(1), adamw)), default=adamw)");
       },
       8},
  };
}

// Five (weight, bias) pairs: weights of n/5 - 1000 elements, biases of 1000.
descent::ParameterLayout layer_layout(std::size_t n) {
  descent::ParameterLayout layout;
  for (std::size_t l = 0; l < 5; ++l) {
    layout.add("layer" + std::to_string(l) + ".weight", {n / 5 - 1000});
    layout.add("layer" + std::to_string(l) + ".bias", {1000});
  }
  return layout;
}

// A gradient-like direction with |g| in [0.5, 1) and mixed signs: no zeros and no
// subnormals (whose slow paths would distort timings). apply() leaves a single-pass
// direction untouched, so it stays the same gradient every step.
template <class T>
void fill_direction(std::span<T> g) {
  std::uint32_t x = 0x9E3779B9U;
  for (auto& v : g) {
    x ^= x << 13;  // xorshift32: cheap, deterministic filler, not a statistical generator
    x ^= x >> 17;
    x ^= x << 5;
    const T magnitude = T(0.5) + T(0.5) * static_cast<T>(x >> 8) / static_cast<T>(1U << 24);
    v = (x & 1U) ? magnitude : -magnitude;
  }
}

// `blocks` equal vector blocks (n must be a multiple); 1 gives the flat layout.
descent::ParameterLayout blocked_layout(std::size_t n, std::size_t blocks) {
  if (blocks == 1) return descent::ParameterLayout::flat(n);
  descent::ParameterLayout layout;
  for (std::size_t b = 0; b < blocks; ++b) layout.add("block" + std::to_string(b), {n / blocks});
  return layout;
}

// blocks = 0: the layer layout.
template <class T>
void optimizer_step(benchmark::State& bench, const OptimizerCase& which, std::size_t blocks) {
  const auto n = static_cast<std::size_t>(bench.range(0));
  const descent::ParameterLayout layout = blocks == 0 ? layer_layout(n) : blocked_layout(n, blocks);
  const descent::TransformPtr optimizer = which.make();
  descent::TransformState<T> state = descent::init_state<T>(*optimizer, layout);
  descent::AlignedBuffer<T> params(n, T(0.25));
  descent::AlignedBuffer<T> direction(n);
  fill_direction(direction.span());
  // One untimed step: first-use work (scratch for reductions, thread start-up) is not
  // what a step in a long run costs.
  std::optional<double> squared_norm;
  if (which.norm_known) squared_norm = descent::sum_of_squares(std::span<const T>(direction.span()));
  descent::apply(*optimizer, state, direction.span(), params.span(), layout, squared_norm);

  for (auto _ : bench) {
    descent::apply(*optimizer, state, direction.span(), params.span(), layout, squared_norm);
    benchmark::DoNotOptimize(params.data());
    benchmark::ClobberMemory();
  }
  const auto steps = static_cast<std::int64_t>(bench.iterations());
  bench.SetItemsProcessed(steps * static_cast<std::int64_t>(n));
  bench.SetBytesProcessed(steps * static_cast<std::int64_t>(n) * which.elements_moved *
                          static_cast<std::int64_t>(sizeof(T)));
}

// The pass a leading global-norm clip adds: one read of g (descent::sum_of_squares, the
// same tiles and kernel as the clip's reduction). The chain's cost minus Adam's should be
// about this.
template <class T>
void norm_pass(benchmark::State& bench) {
  const auto n = static_cast<std::size_t>(bench.range(0));
  descent::AlignedBuffer<T> direction(n);
  fill_direction(direction.span());
  std::vector<double> partials(descent::tile_count(n));
  double total = descent::sum_of_squares(std::span<const T>(direction.span()), std::span<double>(partials));
  for (auto _ : bench) {
    total = descent::sum_of_squares(std::span<const T>(direction.span()), std::span<double>(partials));
    benchmark::DoNotOptimize(total);
  }
  const auto steps = static_cast<std::int64_t>(bench.iterations());
  bench.SetItemsProcessed(steps * static_cast<std::int64_t>(n));
  bench.SetBytesProcessed(steps * static_cast<std::int64_t>(n) * static_cast<std::int64_t>(sizeof(T)));
}

// One Muon step (defaults: 5 quintic Newton-Schulz steps, Nesterov) on the weight matrices of the
// Fashion-MNIST MLP 784-256-128-10, in PyTorch's (out, in) shapes. The biases are not Muon's
// (partition them to AdamW): they are left out, as in torch_muon_step.py. The work is the
// iteration's matrix products, 2 m^2 q + m^3 multiply-adds per NS step for an m x q block
// (m <= q): 5 * (2 * 256^2 * 784 + 256^3 + 2 * 128^2 * 256 + 128^3 + ...) = 0.65e9 per step.
template <class T>
void muon_step(benchmark::State& bench) {
  descent::ParameterLayout layout;
  layout.add("fc1.weight", {256, 784});
  layout.add("fc2.weight", {128, 256});
  layout.add("fc3.weight", {10, 128});
  const std::size_t n = layout.size();
  const descent::TransformPtr optimizer = descent::muon({.lr = descent::constant(0.02)});
  descent::TransformState<T> state = descent::init_state<T>(*optimizer, layout);
  descent::AlignedBuffer<T> params(n, T(0.25));
  descent::AlignedBuffer<T> direction(n);
  fill_direction(direction.span());
  descent::AlignedBuffer<T> gradient = direction;
  descent::apply(*optimizer, state, direction.span(), params.span(), layout);  // warm: scratch, threads
  for (auto _ : bench) {
    // apply() uses the direction as scratch: restore the gradient, as a training loop writes it.
    std::copy(gradient.begin(), gradient.end(), direction.begin());
    descent::apply(*optimizer, state, direction.span(), params.span(), layout);
    benchmark::DoNotOptimize(params.data());
    benchmark::ClobberMemory();
  }
  bench.SetItemsProcessed(static_cast<std::int64_t>(bench.iterations()) * static_cast<std::int64_t>(n));
}

template <class T>
void register_precision(const OptimizerCase& which, const char* precision, std::size_t blocks = 1) {
  const std::string family = blocks == 0   ? "optimizer_step_layers/"
                             : blocks == 1 ? "optimizer_step/"
                                           : "optimizer_step_blocks" + std::to_string(blocks) + "/";
  const std::string name = family + which.name + "/" + precision;
  benchmark::RegisterBenchmark(name.c_str(),
                               [which, blocks](benchmark::State& s) { optimizer_step<T>(s, which, blocks); })
      ->Arg(100'000)
      ->Arg(1'000'000)
      ->Arg(10'000'000)
      ->Arg(50'000'000)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();  // OpenMP threads work while the main thread waits: CPU time would mislead
}

}  // namespace

int main(int argc, char** argv) {
  for (const OptimizerCase& which : optimizer_cases()) {
    register_precision<float>(which, "fp32");
    register_precision<double>(which, "fp64");
    register_precision<float>(which, "fp32", 10);  // every size above is a multiple of 10
  }
  for (const OptimizerCase& which : layer_cases()) register_precision<float>(which, "fp32", 0);
  for (const auto& [precision, run] : {std::pair{"fp32", &norm_pass<float>}, std::pair{"fp64", &norm_pass<double>}}) {
    const std::string name = std::string("norm_pass/") + precision;
    benchmark::RegisterBenchmark(name.c_str(), run)
        ->Arg(100'000)
        ->Arg(1'000'000)
        ->Arg(10'000'000)
        ->Arg(50'000'000)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("muon_step/mlp_784_256_128_10/fp32", muon_step<float>)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("muon_step/mlp_784_256_128_10/fp64", muon_step<double>)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::AddCustomContext("descent_threads", std::to_string(descent::num_threads()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (ran == 0) {
    std::fprintf(stderr, "optimizer_step_bench: no benchmark matched the filter\n");
    return 1;  // a smoke test whose filter matches nothing must not pass
  }
  return 0;
}
