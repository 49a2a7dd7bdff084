// All-reduce and data-parallel step times against the number of MPI ranks (issue 14, "Scale,
// measured"). Run the same program under mpirun for each rank count:
//
//   mpirun --oversubscribe --allow-run-as-root -x OMP_NUM_THREADS=1 -np P \
//       build/mpi/bench/descent_distributed_allreduce_bench [--lengths 1000,10000,...] [--csv FILE]
//
// Cases (rank 0 writes one CSV row per case, appending to --csv or to stdout):
//   allreduce/ordered_leaves_P  descent's ordered_all_reduce with one leaf per rank
//   allreduce/ordered_leaves_8  the same with 8 leaves (data-parallel's default shards), so a
//                               rank first adds its 8/P leaves along the fixed tree
//   allreduce/mpi_allreduce     MPI_Allreduce(MPI_SUM, MPI_FLOAT) of one vector per rank: the
//                               baseline every MPI program has
//   step/<model>                one data-parallel step (DataParallel::estimate, batch 256, 8
//                               shards) on synthetic data of Fashion-MNIST's shape, with its
//                               parts timed apart: the shards' gradients (compute) and the
//                               ordered all-reduce of them (communicate)
//
// A repetition starts after MPI_Barrier and counts the slowest rank (each rank's time, then
// the maximum over ranks, outside the clock); the row gives the median and the minimum over
// repetitions. Bytes: what a rank hands to the transport for other ranks per call, the
// largest over ranks, counted by a Communicator that wraps MPI's ("measured"), against the
// count the algorithm's structure gives ("formula") and the ring all-reduce's 2 (P-1)/P n
// (MPI_Allreduce's own traffic cannot be seen from outside Open MPI, which picks its
// algorithm by message size: its byte columns are left empty, the ring figure given).
//
// The vectors hold small integers, so every sum is exact in float whatever its order: each
// case checks its first result element by element and the program fails (exit status 1,
// "check failed") when one differs. That is what the smoke test relies on.
//
// With more ranks than cores (this machine has 2), ranks take turns on the cores: the times
// then measure the protocol's overhead on one machine, not what a cluster would do.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/parallel.hpp"
#include "descent/core/random.hpp"
#include "descent/data/dataset.hpp"
#include "descent/distributed/data_parallel.hpp"
#include "descent/distributed/mpi_communicator.hpp"
#include "descent/distributed/ordered_sum.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct Options {
  std::vector<std::size_t> lengths = {1000, 10000, 100000, 1000000, 10000000};
  std::vector<std::string> models = {"softmax", "mlp"};
  double min_seconds = 0.3;  // per case, repetitions included
  int min_repetitions = 5;
  int max_repetitions = 200;
  int steps = 20;  // timed data-parallel steps per model (after 3 untimed)
  std::size_t rows = 4096;
  std::string csv;  // empty: stdout
};

// Forwards to another communicator and counts the bytes this rank sends to other ranks.
class CountingCommunicator final : public descent::Communicator {
 public:
  explicit CountingCommunicator(descent::CommunicatorPtr inner) : inner_(std::move(inner)) {}
  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  std::string transport() const override { return inner_->transport(); }
  void exchange(std::span<const descent::Outgoing> out, std::span<const descent::Incoming> in,
                std::string_view what) override {
    for (const descent::Outgoing& o : out)
      if (o.peer != rank()) sent_ += o.bytes.size();
    inner_->exchange(out, in, what);
  }
  [[noreturn]] void abort(const std::string& message, int exit_code) override {
    inner_->abort(message, exit_code);
    std::abort();  // not reached: the inner abort does not return, but its attribute is not inherited
  }
  std::uint64_t sent() const { return sent_; }
  void reset() { sent_ = 0; }

 private:
  descent::CommunicatorPtr inner_;
  std::uint64_t sent_ = 0;
};

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int world_size() {
  int p = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &p);
  return p;
}

double max_over_ranks(double value) {
  double out = 0;
  MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return out;
}
std::uint64_t max_over_ranks(std::uint64_t value) {
  unsigned long long in = value, out = 0;
  MPI_Allreduce(&in, &out, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  return out;
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "distributed_allreduce_bench: rank %d: %s\n", world_rank(), message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

// Times `call` after a barrier on every rank, `repetitions` times; per repetition the slowest
// rank's seconds. The count comes from rank 0's first (untimed) call so that every rank runs
// the same number: enough repetitions to fill min_seconds, within the bounds.
template <class F>
std::vector<double> time_repetitions(const Options& options, F&& call) {
  MPI_Barrier(MPI_COMM_WORLD);
  auto start = clock_type::now();
  call();
  const double first = max_over_ranks(std::chrono::duration<double>(clock_type::now() - start).count());
  int repetitions = std::clamp(static_cast<int>(options.min_seconds / std::max(first, 1e-9)), options.min_repetitions,
                               options.max_repetitions);
  MPI_Bcast(&repetitions, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<double> seconds;
  for (int k = 0; k < repetitions; ++k) {
    MPI_Barrier(MPI_COMM_WORLD);
    start = clock_type::now();
    call();
    seconds.push_back(max_over_ranks(std::chrono::duration<double>(clock_type::now() - start).count()));
  }
  return seconds;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t m = values.size();
  return m % 2 == 1 ? values[m / 2] : 0.5 * (values[m / 2 - 1] + values[m / 2]);
}

struct Row {
  std::string case_name, method;
  int ranks = 1;
  std::size_t floats = 0;
  std::vector<double> seconds;
  double compute = -1, communicate = -1;  // step rows only
  std::uint64_t bytes_measured = 0, bytes_formula = 0;
};

void write_row(FILE* out, const Row& row) {
  const double p = row.ranks;
  const double ring = 2.0 * (p - 1) / p * static_cast<double>(row.floats) * sizeof(float);
  auto optional = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", v);
    return v < 0 ? std::string() : std::string(text);
  };
  auto bytes = [&](std::uint64_t v) { return row.method == "mpi_allreduce" ? std::string() : std::to_string(v); };
  std::fprintf(out, "%s,%s,%d,%zu,%zu,%.9g,%.9g,%s,%s,%s,%s,%.0f\n", row.case_name.c_str(), row.method.c_str(),
               row.ranks, row.floats, row.seconds.size(), median(row.seconds),
               *std::min_element(row.seconds.begin(), row.seconds.end()), optional(row.compute).c_str(),
               optional(row.communicate).c_str(), bytes(row.bytes_measured).c_str(), bytes(row.bytes_formula).c_str(),
               ring);
  std::fflush(out);
}

// Bytes rank r sends in ordered_all_reduce (ordered_sum.cpp's two rounds): the slices of its
// covering nodes for the other segments' owners, then its own segment to every other rank.
std::uint64_t ordered_bytes_formula(std::size_t leaves, std::size_t length, int p) {
  if (p == 1) return 0;
  std::uint64_t most = 0;
  for (int r = 0; r < p; ++r) {
    const std::size_t nodes = descent::covering_nodes(leaves, descent::segment_of(leaves, p, r)).size();
    const std::size_t own = descent::segment_of(length, p, r).size();
    most =
        std::max<std::uint64_t>(most, sizeof(float) * (nodes * (length - own) + own * static_cast<std::size_t>(p - 1)));
  }
  return most;
}

// Leaf k's element i: an integer below 17, so that sums of up to 2^20 leaves are exact in float.
float leaf_value(std::size_t k, std::size_t i) { return static_cast<float>((k * 31 + i) % 17); }

void check_sum(const std::vector<float>& out, std::size_t leaves, const char* what) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    float expected = 0;
    for (std::size_t k = 0; k < leaves; ++k) expected += leaf_value(k, i);
    if (out[i] != expected)
      fail(std::string("check failed: ") + what + " element " + std::to_string(i) + " is " + std::to_string(out[i]) +
           ", expected " + std::to_string(expected));
  }
}

void all_reduce_cases(const Options& options, CountingCommunicator& comm, FILE* out) {
  const int p = comm.size(), me = comm.rank();
  for (const std::size_t n : options.lengths) {
    for (const std::size_t leaves : {static_cast<std::size_t>(p), std::size_t{8}}) {
      if (leaves == 8 && p == 8) continue;  // the same case as leaves = P
      const descent::Segment mine = descent::segment_of(leaves, p, me);
      std::vector<float> rows(mine.size() * n), result(n);
      for (std::size_t k = mine.begin; k < mine.end; ++k)
        for (std::size_t i = 0; i < n; ++i) rows[(k - mine.begin) * n + i] = leaf_value(k, i);
      descent::ordered_all_reduce<float>(comm, leaves, n, rows, result, "benchmark");
      check_sum(result, leaves, "ordered_all_reduce");
      comm.reset();
      Row row{"allreduce", leaves == static_cast<std::size_t>(p) ? "ordered_leaves_P" : "ordered_leaves_8", p, n};
      row.seconds = time_repetitions(
          options, [&] { descent::ordered_all_reduce<float>(comm, leaves, n, rows, result, "benchmark"); });
      row.bytes_measured = max_over_ranks(comm.sent() / (row.seconds.size() + 1));
      row.bytes_formula = ordered_bytes_formula(leaves, n, p);
      if (me == 0) write_row(out, row);
    }
    // MPI_Allreduce of one vector per rank: rank r's is its share of P leaves.
    std::vector<float> mine(n), result(n);
    for (std::size_t i = 0; i < n; ++i) mine[i] = leaf_value(static_cast<std::size_t>(me), i);
    auto call = [&] {
      if (MPI_Allreduce(mine.data(), result.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) !=
          MPI_SUCCESS)
        fail("MPI_Allreduce failed");
    };
    call();
    check_sum(result, static_cast<std::size_t>(p), "MPI_Allreduce");
    Row row{"allreduce", "mpi_allreduce", p, n};
    row.seconds = time_repetitions(options, call);
    if (me == 0) write_row(out, row);
  }
}

// Synthetic data of Fashion-MNIST's shape: N(0, 1) pixels, labels 0..9.
descent::Dataset<float> synthetic_fashion_mnist(std::size_t rows) {
  constexpr std::size_t features = 784;
  descent::Random rng(1, descent::Stream::data, 0);
  descent::DenseFeatures<float> x{rows, features, descent::AlignedBuffer<float>(rows * features)};
  std::vector<float> labels(rows);
  for (std::size_t i = 0; i < rows * features; ++i) x.values[i] = static_cast<float>(rng.normal());
  for (std::size_t i = 0; i < rows; ++i) labels[i] = static_cast<float>(i < 10 ? i : rng.below(10));
  return descent::Dataset<float>(std::move(x), std::move(labels), "synthetic");
}

void step_cases(const Options& options, const std::shared_ptr<CountingCommunicator>& comm, FILE* out) {
  const int p = comm->size(), me = comm->rank();
  constexpr std::size_t batch = 256, shards = 8;
  const descent::Dataset<float> data = synthetic_fashion_mnist(options.rows);
  for (const std::string& name : options.models) {
    std::unique_ptr<descent::Model<float>> model;
    if (name == "mlp")
      model = std::make_unique<descent::Mlp<float>>(
          data, descent::MlpOptions{.hidden = {256, 128}, .activation = descent::Activation::relu, .num_classes = 10});
    else if (name == "softmax")
      model = std::make_unique<descent::SoftmaxRegression<float>>(data,
                                                                  descent::SoftmaxRegressionOptions{.num_classes = 10});
    else
      fail("unknown model " + name + " (softmax, mlp)");
    const std::size_t d = model->dimension(), row = d + 1;
    std::vector<float> x(d), direction(d);
    descent::Random rng(3, descent::Stream::init, 0);
    for (float& v : x) v = static_cast<float>(0.05 * rng.normal());

    // The parts, as DataParallel::estimate does them: this rank's shards of a batch of 256...
    const descent::Segment mine = descent::segment_of(shards, p, me);
    std::vector<std::size_t> samples(batch);
    for (std::size_t i = 0; i < batch; ++i) samples[i] = (i * 7919) % data.size();
    std::vector<float> leaves(mine.size() * row), total(row);
    auto compute = [&] {
      for (std::size_t k = mine.begin; k < mine.end; ++k) {
        const descent::Segment at = descent::segment_of(batch, static_cast<int>(shards), static_cast<int>(k));
        std::span<float> leaf(leaves.data() + (k - mine.begin) * row, row);
        const float mean = model->batch_value_and_gradient(
            x, std::span<const std::size_t>(samples.data() + at.begin, at.size()), leaf.first(d));
        const auto count = static_cast<float>(at.size());
        for (std::size_t i = 0; i < d; ++i) leaf[i] *= count;
        leaf[d] = mean * count;
      }
    };
    // ...and their ordered sum; then the estimator itself, which does both.
    auto communicate = [&] { descent::ordered_all_reduce<float>(*comm, shards, row, leaves, total, "benchmark"); };
    descent::DataParallel<float> estimator(
        descent::DataParallelOptions{.batch_size = batch, .shards = shards, .seed = 1}, comm);
    estimator.bind(*model);
    auto step = [&] { estimator.estimate(*model, x, direction); };

    std::vector<double> compute_s, communicate_s, step_s;
    auto timed = [](auto&& f) {
      MPI_Barrier(MPI_COMM_WORLD);
      const auto start = clock_type::now();
      f();
      return max_over_ranks(std::chrono::duration<double>(clock_type::now() - start).count());
    };
    for (int s = 0; s < 3; ++s) {  // grows the models' workspaces and starts the threads
      compute();
      communicate();
      step();
    }
    const std::uint64_t sent_before = estimator.bytes_sent();
    for (int s = 0; s < options.steps; ++s) {
      compute_s.push_back(timed(compute));
      communicate_s.push_back(timed(communicate));
      step_s.push_back(timed(step));
    }
    Row result{"step", name, p, row, step_s};
    result.compute = median(compute_s);
    result.communicate = median(communicate_s);
    result.bytes_measured =
        max_over_ranks((estimator.bytes_sent() - sent_before) / static_cast<std::uint64_t>(options.steps));
    result.bytes_formula = ordered_bytes_formula(shards, row, p);
    if (me == 0) write_row(out, result);
  }
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    if (comma > at) parts.push_back(text.substr(at, comma - at));
    at = comma + 1;
  }
  return parts;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--lengths" && has_value) {
      options.lengths.clear();
      for (const std::string& n : split(argv[++i])) {
        const double value = std::strtod(n.c_str(), nullptr);
        if (!(value >= 1)) fail("--lengths wants positive numbers of floats, got " + n);
        options.lengths.push_back(static_cast<std::size_t>(value));
      }
    } else if (arg == "--models" && has_value) {
      options.models = split(argv[++i]);
    } else if (arg == "--min-seconds" && has_value) {
      options.min_seconds = std::strtod(argv[++i], nullptr);
    } else if (arg == "--repetitions" && has_value) {  // min,max
      const auto parts = split(argv[++i]);
      if (parts.size() != 2) fail("--repetitions wants MIN,MAX");
      options.min_repetitions = std::max(1, std::atoi(parts[0].c_str()));
      options.max_repetitions = std::max(options.min_repetitions, std::atoi(parts[1].c_str()));
    } else if (arg == "--steps" && has_value) {
      options.steps = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--rows" && has_value) {
      options.rows = static_cast<std::size_t>(std::max(256L, std::strtol(argv[++i], nullptr, 10)));
    } else if (arg == "--csv" && has_value) {
      options.csv = argv[++i];
    } else {
      fail("unknown argument " + arg +
           " (--lengths N,N.. --models softmax,mlp --min-seconds S --repetitions MIN,MAX --steps N --rows N --csv "
           "FILE)");
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  // descent's MPI world initializes MPI; this program's own MPI calls come after it.
  auto comm = std::make_shared<CountingCommunicator>(descent::mpi_world());
  const Options options = parse(argc, argv);
  // Ranks share the cores already: one thread each unless OMP_NUM_THREADS says otherwise.
  if (std::getenv("OMP_NUM_THREADS") == nullptr) descent::set_num_threads(1);
  FILE* out = stdout;
  if (world_rank() == 0 && !options.csv.empty()) {
    const bool fresh = !std::filesystem::exists(options.csv);
    out = std::fopen(options.csv.c_str(), "a");
    if (out == nullptr) fail("cannot open " + options.csv);
    if (fresh)
      std::fprintf(out,
                   "case,method,ranks,floats,repetitions,median_s,min_s,compute_s,communicate_s,bytes_sent,"
                   "bytes_formula,bytes_ring\n");
  } else if (world_rank() == 0) {
    std::fprintf(out,
                 "case,method,ranks,floats,repetitions,median_s,min_s,compute_s,communicate_s,bytes_sent,"
                 "bytes_formula,bytes_ring\n");
  }
  if (world_size() != comm->size()) fail("descent's world and MPI_COMM_WORLD differ in size");
  all_reduce_cases(options, *comm, out);
  if (!options.models.empty()) step_cases(options, comm, out);
  if (out != stdout) std::fclose(out);
  return 0;
}
