// Decentralized SGD (D-SGD), simulated in one process: n nodes, each holding a shard of a
// finite sum's samples, its own copy x_i of the parameters and its own sampling stream,
// talking only to its neighbours in a gossip matrix W (mixing_matrix.hpp). Per iteration t,
// with eta_t the learning rate and g_j a minibatch gradient of node j's shard at x_j:
//
//   adapt then combine (the default):  x_i <- sum_j W_ij (x_j - eta_t g_j)
//   combine then adapt:                x_i <- sum_j W_ij x_j - eta_t g_i
//
// Adapt-then-combine (a local SGD step, then one gossip round on the results) is the form
// analysed by Le Bars, Bellet, Tommasi, Scaman & Neglia, "Improved stability and
// generalization guarantees of the decentralized SGD algorithm" (ICML 2024), and by
// Koloskova et al., "A unified theory of decentralized SGD with changing topology and local
// updates" (ICML 2020). Combine-then-adapt is D-PSGD of Lian et al. (NeurIPS 2017), where the
// gossip round and the gradient can overlap in time; it is behind `order`.
//
// Because W is doubly stochastic the average xbar = (1/n) sum_i x_i follows, in both forms,
// plain SGD with the average of the nodes' gradients, xbar <- xbar - eta_t (1/n) sum_j g_j,
// but with the gradients taken at the x_j, not at xbar. How far the x_j are from xbar is the
// consensus error (1/n) sum_i |x_i - xbar|^2. Each gossip round shrinks it by lambda^2
// (lambda = 1 - spectral gap, spectral_gap()), and each local step adds disagreement of
// size eta |g_j - gbar|, so at a constant step it settles at
//   O( eta^2 lambda^2 (zeta^2 / (1 - lambda)^2 + sigma^2 / (1 - lambda^2)) )
// with zeta^2 the spread of the nodes' full local gradients (data heterogeneity) and sigma^2
// the minibatch variance: the order of the consensus bounds in the analyses above.
// docs/distributed.md derives it for quadratics with identity Hessians, where it is exact.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/distributed/mixing_matrix.hpp"
#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct DecentralizedSgdOptions {
  static constexpr const char* kName = "DecentralizedSgdOptions";
  SchedulePtr learning_rate = constant(0.1);  // eta_t > 0: a number or a schedule of the iteration
  std::int64_t batch_size = 1;                // per node and iteration, with replacement; 0: the whole shard
  std::int64_t iterations = 100;              // >= 0
  std::string order = "adapt_then_combine";   // or "combine_then_adapt" (see above)
  // Node i samples from Random(seed, Stream::sampling, i). Not in the field table: as for
  // the estimators, the seed is the run's, not the spec's.
  std::uint64_t seed = 0;
  static const std::vector<Field<DecentralizedSgdOptions>>& fields();
  // The table's ranges (ConfigError "DecentralizedSgdOptions::batch_size = -1 violates ...").
  void validate() const;
};

// Samples 0..samples-1 split into `nodes` contiguous runs whose sizes differ by at most 1
// (the first samples % nodes get one more). MismatchError when a shard would be empty
// (samples < nodes) and ConfigError for nodes = 0.
std::vector<std::vector<std::size_t>> contiguous_shards(std::size_t samples, std::size_t nodes);

// What the observer sees after each iteration.
template <class T>
struct DecentralizedIterate {
  std::int64_t iteration = 0;  // iterations done
  double learning_rate = 0;    // eta of the iteration just done
  T average_value = 0;         // f(xbar) over all samples of the objective
  double consensus_error = 0;  // (1/n) sum_i |x_i - xbar|^2
  std::span<const T> average;  // xbar
  std::span<const T> models;   // x_0, ..., x_{n-1}, one after the other (n x d, row-major)
};

template <class T>
class DecentralizedSgd {
 public:
  // Node i holds the samples shards[i] (indices into the objective; need not partition it,
  // so a non-IID split is any list of index lists) and starts at `start`: d values (every
  // node the same) or n * d (node after node). Throws MismatchError for a mixing matrix whose
  // size is not the number of shards, an empty shard, an index beyond the objective's
  // samples, or a start of another length; ConfigError for bad options. The objective must
  // outlive this object.
  DecentralizedSgd(const FiniteSum<T>& objective, MixingMatrix mixing, std::vector<std::vector<std::size_t>> shards,
                   std::span<const T> start, DecentralizedSgdOptions options);

  // One iteration (the update at the top of this file), whatever options.iterations says.
  void step();

  std::int64_t iteration() const noexcept { return iteration_; }
  std::size_t nodes() const noexcept { return shards_.size(); }
  std::size_t dimension() const noexcept { return dimension_; }
  std::span<const T> model(std::size_t node) const;
  std::span<const T> models() const noexcept { return models_; }
  // xbar, accumulated in double.
  std::vector<T> average() const;
  double consensus_error() const;
  // The sample indices node `node` used in the last step (its shard for batch_size = 0;
  // empty before the first step).
  std::span<const std::size_t> batch(std::size_t node) const { return batches_.at(node); }
  const std::vector<std::size_t>& shard(std::size_t node) const { return shards_.at(node); }
  const MixingMatrix& mixing() const noexcept { return mixing_; }
  const DecentralizedSgdOptions& options() const noexcept { return options_; }

 private:
  void draw_batch(std::size_t node);

  const FiniteSum<T>& objective_;
  MixingMatrix mixing_;
  std::vector<std::vector<std::size_t>> shards_;
  DecentralizedSgdOptions options_;
  bool adapt_first_ = true;
  std::size_t dimension_ = 0;
  std::int64_t iteration_ = 0;
  std::vector<T> models_;                          // n x d
  std::vector<T> gradients_;                       // n x d, the last step's g_j
  std::vector<double> local_;                      // n x d: x_j - eta g_j (adapt first) or x_j
  std::vector<Random> streams_;                    // one sampling stream per node
  std::vector<std::vector<std::size_t>> batches_;  // the last step's batches
};

template <class T>
struct DecentralizedResult {
  std::int64_t iterations = 0;  // done (fewer than asked when the observer stopped the run)
  bool stopped = false;         // the observer returned true
  std::vector<T> models;        // n x d, node after node
  std::vector<T> average;       // xbar
  T average_value = 0;          // f(xbar)
  double consensus_error = 0;
};

// Runs options.iterations steps of DecentralizedSgd (constructor's checks and errors), calling
// `on_iterate` after each when given (which costs a full pass for f(xbar)); a true answer
// stops the run.
template <class T>
DecentralizedResult<T> decentralized_sgd(const FiniteSum<T>& objective, const MixingMatrix& mixing,
                                         std::vector<std::vector<std::size_t>> shards, std::span<const T> start,
                                         const DecentralizedSgdOptions& options,
                                         const std::function<bool(const DecentralizedIterate<T>&)>& on_iterate = {});

}  // namespace descent
