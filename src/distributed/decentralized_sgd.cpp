#include "descent/distributed/decentralized_sgd.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

namespace {

const std::vector<std::string> kOrders = {"adapt_then_combine", "combine_then_adapt"};

[[noreturn]] void mismatch(const std::string& what) { throw MismatchError("decentralized_sgd: " + what); }

}  // namespace

const std::vector<Field<DecentralizedSgdOptions>>& DecentralizedSgdOptions::fields() {
  using O = DecentralizedSgdOptions;
  static const std::vector<Field<O>> f = {
      {"learning_rate", &O::learning_rate, Range::positive(), "eta_t in x_i <- sum_j W_ij (x_j - eta_t g_j)"},
      {"batch_size", &O::batch_size, Range::at_least(0),
       "samples per node and iteration, with replacement; 0: the node's whole shard"},
      {"iterations", &O::iterations, Range::at_least(0), "gossip iterations (one local step and one round each)"},
      {"order", &O::order, Range::any(),
       "adapt_then_combine: gossip the stepped models; combine_then_adapt: step after", &kOrders}};
  return f;
}

void DecentralizedSgdOptions::validate() const { descent::validate(*this); }

std::vector<std::vector<std::size_t>> contiguous_shards(std::size_t samples, std::size_t nodes) {
  require(nodes >= 1, "contiguous_shards", "nodes", static_cast<double>(nodes), "nodes >= 1");
  if (samples < nodes)
    mismatch("cannot split " + std::to_string(samples) + " samples among " + std::to_string(nodes) +
             " nodes without an empty shard");
  std::vector<std::vector<std::size_t>> shards(nodes);
  const std::size_t base = samples / nodes, extra = samples % nodes;
  std::size_t next = 0;
  for (std::size_t i = 0; i < nodes; ++i) {
    const std::size_t count = base + (i < extra ? 1 : 0);
    for (std::size_t k = 0; k < count; ++k) shards[i].push_back(next++);
  }
  return shards;
}

template <class T>
DecentralizedSgd<T>::DecentralizedSgd(const FiniteSum<T>& objective, MixingMatrix mixing,
                                      std::vector<std::vector<std::size_t>> shards, std::span<const T> start,
                                      DecentralizedSgdOptions options)
    : objective_(objective), mixing_(std::move(mixing)), shards_(std::move(shards)), options_(std::move(options)) {
  options_.validate();
  adapt_first_ = options_.order == "adapt_then_combine";
  const std::size_t n = shards_.size(), samples = objective_.num_samples();
  dimension_ = objective_.dimension();
  if (n == 0) mismatch("no shards: at least one node is needed");
  if (mixing_.size() != n)
    mismatch("the mixing matrix has " + std::to_string(mixing_.size()) + " nodes but " + std::to_string(n) +
             " shards were given");
  for (std::size_t i = 0; i < n; ++i) {
    if (shards_[i].empty()) mismatch("the shard of node " + std::to_string(i) + " is empty");
    for (std::size_t s : shards_[i])
      if (s >= samples)
        mismatch("the shard of node " + std::to_string(i) + " holds sample " + std::to_string(s) + ", beyond the " +
                 std::to_string(samples) + " samples of '" + objective_.name() + "'");
  }
  const std::size_t d = dimension_;
  if (start.size() != d && start.size() != n * d)
    mismatch("the start has " + std::to_string(start.size()) + " values; expected " + std::to_string(d) +
             " (one model for every node) or " + std::to_string(n * d) + " (" + std::to_string(n) + " models of " +
             std::to_string(d) + ")");
  models_.resize(n * d);
  for (std::size_t i = 0; i < n; ++i)
    std::copy_n(start.begin() + static_cast<std::ptrdiff_t>(start.size() == d ? 0 : i * d), d,
                models_.begin() + static_cast<std::ptrdiff_t>(i * d));
  gradients_.resize(n * d);
  local_.resize(n * d);
  batches_.resize(n);
  streams_.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    streams_.emplace_back(options_.seed, Stream::sampling, static_cast<std::uint32_t>(i));
}

template <class T>
void DecentralizedSgd<T>::draw_batch(std::size_t node) {
  const auto& shard = shards_[node];
  auto& batch = batches_[node];
  if (options_.batch_size == 0) {
    batch = shard;
    return;
  }
  batch.resize(static_cast<std::size_t>(options_.batch_size));
  for (auto& index : batch) index = shard[streams_[node].below(shard.size())];
}

template <class T>
void DecentralizedSgd<T>::step() {
  const std::size_t n = nodes(), d = dimension_;
  const double eta = options_.learning_rate->value(iteration_);
  // Every node's gradient at its own model, before any model changes: the nodes act
  // simultaneously, as they would on separate machines.
  for (std::size_t j = 0; j < n; ++j) {
    draw_batch(j);
    const std::span<const T> x(models_.data() + j * d, d);
    const std::span<T> g(gradients_.data() + j * d, d);
    objective_.batch_value_and_gradient(x, batches_[j], g);
    for (std::size_t k = 0; k < d; ++k) {
      const double xk = static_cast<double>(x[k]);
      local_[j * d + k] = adapt_first_ ? xk - eta * static_cast<double>(g[k]) : xk;
    }
  }
  // One gossip round over the sparse rows, accumulated in double and rounded to T once.
  for (std::size_t i = 0; i < n; ++i) {
    T* out = models_.data() + i * d;
    for (std::size_t k = 0; k < d; ++k) {
      double mixed = 0;
      for (const GossipWeight& w : mixing_.row(i)) mixed += w.weight * local_[w.node * d + k];
      if (!adapt_first_) mixed -= eta * static_cast<double>(gradients_[i * d + k]);
      out[k] = static_cast<T>(mixed);
    }
  }
  ++iteration_;
}

template <class T>
std::span<const T> DecentralizedSgd<T>::model(std::size_t node) const {
  if (node >= nodes())
    mismatch("node " + std::to_string(node) + " asked for, but there are " + std::to_string(nodes()) + " nodes");
  return std::span<const T>(models_.data() + node * dimension_, dimension_);
}

template <class T>
std::vector<T> DecentralizedSgd<T>::average() const {
  const std::size_t n = nodes(), d = dimension_;
  std::vector<T> mean(d);
  for (std::size_t k = 0; k < d; ++k) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(models_[i * d + k]);
    mean[k] = static_cast<T>(sum / static_cast<double>(n));
  }
  return mean;
}

template <class T>
double DecentralizedSgd<T>::consensus_error() const {
  const std::size_t n = nodes(), d = dimension_;
  double total = 0;
  for (std::size_t k = 0; k < d; ++k) {
    // The mean in double, not the rounded average(): in float the rounding of xbar would
    // otherwise add up to (ulp/2)^2 per coordinate to an error that may be far smaller.
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(models_[i * d + k]);
    const double mean = sum / static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double diff = static_cast<double>(models_[i * d + k]) - mean;
      total += diff * diff;
    }
  }
  return total / static_cast<double>(n);
}

template <class T>
DecentralizedResult<T> decentralized_sgd(const FiniteSum<T>& objective, const MixingMatrix& mixing,
                                         std::vector<std::vector<std::size_t>> shards, std::span<const T> start,
                                         const DecentralizedSgdOptions& options,
                                         const std::function<bool(const DecentralizedIterate<T>&)>& on_iterate) {
  DecentralizedSgd<T> run(objective, mixing, std::move(shards), start, options);
  DecentralizedResult<T> result;
  for (std::int64_t t = 0; t < options.iterations; ++t) {
    run.step();
    if (!on_iterate) continue;
    const std::vector<T> mean = run.average();
    DecentralizedIterate<T> iterate;
    iterate.iteration = run.iteration();
    iterate.learning_rate = options.learning_rate->value(t);
    iterate.average_value = objective.value(mean);
    iterate.consensus_error = run.consensus_error();
    iterate.average = mean;
    iterate.models = run.models();
    if (on_iterate(iterate)) {
      result.stopped = true;
      break;
    }
  }
  result.iterations = run.iteration();
  result.models.assign(run.models().begin(), run.models().end());
  result.average = run.average();
  result.average_value = objective.value(result.average);
  result.consensus_error = run.consensus_error();
  return result;
}

template class DecentralizedSgd<float>;
template class DecentralizedSgd<double>;
template DecentralizedResult<float> decentralized_sgd(const FiniteSum<float>&, const MixingMatrix&,
                                                      std::vector<std::vector<std::size_t>>, std::span<const float>,
                                                      const DecentralizedSgdOptions&,
                                                      const std::function<bool(const DecentralizedIterate<float>&)>&);
template DecentralizedResult<double> decentralized_sgd(const FiniteSum<double>&, const MixingMatrix&,
                                                       std::vector<std::vector<std::size_t>>, std::span<const double>,
                                                       const DecentralizedSgdOptions&,
                                                       const std::function<bool(const DecentralizedIterate<double>&)>&);

}  // namespace descent
