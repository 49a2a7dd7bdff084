// STREAM-triad probe, a[i] = b[i] + s * c[i] over float arrays far larger than the caches:
// the memory bandwidth an elementwise optimizer step can hope to reach on this machine.
// bench/peers divides descent's optimizer_step bytes_per_second by this number.
//
// Byte count: 12 bytes per element (read b, read c, write a), the STREAM convention.
// The write-allocate read of a (the cache line is fetched before it is overwritten, unless
// the compiler emits non-temporal stores) is NOT counted, exactly as optimizer_step_bench
// does not count it for its written vectors, so the two bandwidths compare like with like.
//
//   stream_triad_bench --benchmark_filter=triad/100000000
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "descent/core/aligned_buffer.hpp"

namespace {

void stream_triad(benchmark::State& bench) {
  const auto n = static_cast<std::ptrdiff_t>(bench.range(0));
  descent::AlignedBuffer<float> a(static_cast<std::size_t>(n));
  descent::AlignedBuffer<float> b(static_cast<std::size_t>(n));
  descent::AlignedBuffer<float> c(static_cast<std::size_t>(n));
  float* const pa = a.data();
  float* const pb = b.data();
  float* const pc = c.data();
  // AlignedBuffer's constructor already touched every page (serially, as descent's own
  // buffers are); this fill gives b and c non-zero values and is not timed.
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    pa[i] = 0.0F;
    pb[i] = 1.0F;
    pc[i] = 2.0F;
  }
  const float s = 3.0F;

  for (auto _ : bench) {
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::DoNotOptimize(pa);
    benchmark::ClobberMemory();
  }
  const auto steps = static_cast<std::int64_t>(bench.iterations());
  bench.SetItemsProcessed(steps * n);
  bench.SetBytesProcessed(steps * n * static_cast<std::int64_t>(3 * sizeof(float)));
}

}  // namespace

// 5e7 floats: 600 MB over the three arrays; 1e8: 1.2 GB, for machines whose last-level
// cache reaches hundreds of MiB (some cloud Xeons report 480 MiB of L3).
BENCHMARK(stream_triad)
    ->Name("triad")
    ->Arg(50'000'000)
    ->Arg(100'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();  // worker threads run while the main thread waits: CPU time would mislead

int main(int argc, char** argv) {
  // Same thread knob as descent (OMP_NUM_THREADS), reported so peers can check it matches.
  benchmark::AddCustomContext("omp_threads", std::to_string(omp_get_max_threads()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
