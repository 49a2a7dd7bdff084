// What the Fashion-MNIST benchmarks share: where the data is, how many rows they use, and a
// main() that takes --data DIR and --rows N and hands every other argument to Google
// Benchmark. Without the files the benchmarks run on synthetic data of the same shape.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "descent/core/parallel.hpp"

namespace descent_bench {

struct DataOptions {
  std::string dir = "/usr/share/datasets/fashion-mnist";
  std::size_t rows = 60000;

  bool have_fashion_mnist() const {
    return std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz") &&
           std::filesystem::exists(dir + "/train-labels-idx1-ubyte.gz");
  }
};

// Parses --data and --rows into `options`, registers the benchmarks and runs those the
// filter selects; `name` prefixes the messages. Returns main()'s exit status.
inline int run_benchmarks(int argc, char** argv, const char* name, DataOptions& options,
                          const std::function<void()>& register_benchmarks) {
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
      options.dir = argv[++i];
    } else if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
      const long rows = std::strtol(argv[++i], nullptr, 10);
      if (rows < 1) {
        std::fprintf(stderr, "%s: --rows must be a positive number of rows\n", name);
        return 1;
      }
      options.rows = static_cast<std::size_t>(rows);
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_count = static_cast<int>(rest.size());
  register_benchmarks();
  benchmark::AddCustomContext("data", options.have_fashion_mnist()
                                          ? "fashion-mnist train (" + options.dir + ")"
                                          : "synthetic " + std::to_string(options.rows) + " x 784");
  benchmark::AddCustomContext("descent_threads", std::to_string(descent::num_threads()));
  benchmark::Initialize(&rest_count, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_count, rest.data())) return 1;
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (ran == 0) {
    std::fprintf(stderr, "%s: no benchmark matched the filter\n", name);
    return 1;
  }
  return 0;
}

}  // namespace descent_bench
