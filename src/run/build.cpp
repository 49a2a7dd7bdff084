#include "descent/run/build.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "descent/core/error.hpp"
#include "descent/distributed/data_parallel.hpp"
#include "descent/distributed/gossip.hpp"
#include "descent/distributed/graph.hpp"
#include "descent/distributed/world.hpp"
#include "descent/spec/model_kind.hpp"

namespace descent {
namespace {

// The seed of this process's streams: the run's, or for decentralized SGD the run's + rank
// (each node draws its own batches from its own shard).
std::uint64_t sampling_seed(const RunSpec& run) {
  if (run.distributed && run.distributed->method == "dsgd")
    return run.training.seed + static_cast<std::uint64_t>(world_communicator()->rank());
  return run.training.seed;
}

// Every number of the optimizer's canonical spec must survive the conversion to T: a
// float run with lr=1e300 would step by infinity, and lr=1e-50 by exactly 0.
template <class T>
void check_fits_precision(const std::string& spec) {
  if constexpr (std::is_same_v<T, float>) {
    std::string key = "a value";
    for (std::size_t i = 0; i < spec.size();) {
      const unsigned char c = static_cast<unsigned char>(spec[i]);
      if (std::isalpha(c) || c == '_') {
        std::size_t end = i;
        while (end < spec.size() && (std::isalnum(static_cast<unsigned char>(spec[end])) || spec[end] == '_')) ++end;
        if (end < spec.size() && spec[end] == '=') key = spec.substr(i, end - i);
        i = end;
        continue;
      }
      if (std::isdigit(c) || ((c == '-' || c == '+' || c == '.') && i + 1 < spec.size() &&
                              (std::isdigit(static_cast<unsigned char>(spec[i + 1])) || spec[i + 1] == '.'))) {
        char* end = nullptr;
        const double v = std::strtod(spec.c_str() + i, &end);
        const std::string text = spec.substr(i, static_cast<std::size_t>(end - (spec.c_str() + i)));
        const double magnitude = std::abs(v);
        if (magnitude > std::numeric_limits<float>::max())
          throw ConfigError("optimizer " + spec + ": " + key + " = " + text +
                            " overflows float precision (largest about 3.4e38): use double precision");
        if (magnitude != 0 && magnitude < std::numeric_limits<float>::denorm_min())
          throw ConfigError("optimizer " + spec + ": " + key + " = " + text +
                            " rounds to 0 in float precision: use double precision");
        i += std::max<std::size_t>(text.size(), 1);
        continue;
      }
      ++i;
    }
  }
}

}  // namespace

template <class T>
std::unique_ptr<Model<T>> build_model(const ModelSpec& spec, const Dataset<T>& data) {
  return find_model_kind(spec.kind).make<T>(spec, data);
}

template <class T>
Parameters<T> initial_parameters(const ModelSpec& spec, const Model<T>& model) {
  return find_model_kind(spec.kind).initial_parameters<T>(model, spec.init_seed);
}

template <class T>
EstimatorPtr<T> build_estimator(const RunSpec& run) {
  if (run.distributed && run.distributed->method == "dsgd")  // any estimator, on this node's stream
    return run.estimator ? run.estimator->make<T>(sampling_seed(run)) : nullptr;
  if (run.distributed) {
    // data_parallel distributes the minibatch gradient of [training]: its batch, its seed.
    if (run.estimator)
      throw ConfigError("distributed " + run.distributed->spec() +
                        " computes the minibatch gradient itself; it "
                        "does not take an estimator (" +
                        run.estimator->canonical() + ")");
    if (run.training.sampling != Sampling::shuffle)
      throw ConfigError("distributed " + run.distributed->spec() + " draws shuffled epochs; sampling " +
                        to_string(run.training.sampling) + " is not available with it");
    CommunicatorPtr comm = world_communicator();
    return std::make_shared<DataParallel<T>>(
        DataParallelOptions{.batch_size = static_cast<std::int64_t>(run.training.batch_size),
                            .shards = run.distributed->data_parallel.shards,
                            .seed = run.training.seed},
        std::move(comm));
  }
  return run.estimator ? run.estimator->make<T>(run.training.seed) : nullptr;
}

template <class T>
std::vector<std::shared_ptr<Callback<T>>> build_callbacks(const RunSpec& run) {
  std::vector<std::shared_ptr<Callback<T>>> out;
  if (run.distributed && run.distributed->method == "dsgd") {
    // Gossip first: the other callbacks (averaging, stopping rules) see the mixed parameters.
    // The graph comes from the run's seed, the same on every rank.
    const CommunicatorPtr comm = world_communicator();
    const Graph graph =
        parse_graph(run.distributed->graph_spec(), static_cast<std::size_t>(comm->size()), run.training.seed);
    out.push_back(std::make_shared<Gossip<T>>(comm, MixingMatrix::metropolis_hastings(graph)));
  }
  for (const CallbackSpec& c : run.callbacks) out.push_back(c.make<T>());
  return out;
}

template <class T>
TrainOptions<T> train_options(const RunSpec& run) {
  if (run.optimizer) check_fits_precision<T>(run.optimizer->spec());
  TrainOptions<T> o;
  o.epochs = run.training.epochs;
  o.batch_size = run.training.batch_size;
  o.sampling = run.training.sampling;
  o.seed = sampling_seed(run);  // train()'s own minibatches when there is no estimator
  o.estimator = build_estimator<T>(run);
  o.full_objective = run.training.full_objective;
  o.callbacks = build_callbacks<T>(run);
  return o;
}

SolverRun solver_run(const RunSpec& run, std::int64_t max_steps, std::function<bool()> stop) {
  SolverRun r;
  r.max_steps = max_steps;
  r.seed = run.training.seed;
  r.stop = std::move(stop);
  return r;
}

#define DESCENT_INSTANTIATE(T)                                                            \
  template std::unique_ptr<Model<T>> build_model<T>(const ModelSpec&, const Dataset<T>&); \
  template Parameters<T> initial_parameters<T>(const ModelSpec&, const Model<T>&);        \
  template EstimatorPtr<T> build_estimator<T>(const RunSpec&);                            \
  template std::vector<std::shared_ptr<Callback<T>>> build_callbacks<T>(const RunSpec&);  \
  template TrainOptions<T> train_options<T>(const RunSpec&);
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
#undef DESCENT_INSTANTIATE

}  // namespace descent
