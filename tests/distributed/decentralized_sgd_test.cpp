#include "descent/distributed/decentralized_sgd.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "support/error_of.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kUnit = kEps / 2;  // unit roundoff of double

// The consensus error of n <= 16 models that are equal to the bit is not exactly 0: the
// mean is a rounded sum of n copies of x, within (n - 1) u |x| of x per coordinate. For
// |x| <= 3 and d = 2 that gives at most 2 (15 u 3)^2 = 5e-29.
constexpr double kEqualModelsConsensus = 1e-28;

using testing::error_of;

// f_s(x) = 1/2 (a_s . x - b_s)^2 with the rows a_s and targets b_s given: small enough to
// write every gradient by hand. Batch gradients are (1/|B|) sum_{s in B} (a_s . x - b_s) a_s,
// summed in batch order in double.
template <class T>
class TinyLeastSquares final : public FiniteSum<T> {
 public:
  TinyLeastSquares(std::vector<std::vector<double>> rows, std::vector<double> targets)
      : rows_(std::move(rows)), targets_(std::move(targets)) {}
  std::string name() const override { return "tiny_least_squares"; }
  std::size_t dimension() const override { return rows_.front().size(); }
  std::size_t num_samples() const override { return rows_.size(); }
  T batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                             std::span<T> gradient) const override {
    const std::size_t d = dimension();
    std::vector<double> g(d, 0.0);
    double value = 0;
    for (std::size_t s : batch) {
      const double r = residual(x, s);
      value += 0.5 * r * r;
      for (std::size_t k = 0; k < d; ++k) g[k] += r * rows_[s][k];
    }
    const double scale = batch.empty() ? 0.0 : 1.0 / static_cast<double>(batch.size());
    for (std::size_t k = 0; k < d; ++k) gradient[k] = static_cast<T>(g[k] * scale);
    return static_cast<T>(value * scale);
  }
  double residual(std::span<const T> x, std::size_t s) const {
    double dot = 0;
    for (std::size_t k = 0; k < dimension(); ++k) dot += rows_[s][k] * static_cast<double>(x[k]);
    return dot - targets_[s];
  }
  const std::vector<double>& row(std::size_t s) const { return rows_[s]; }

 private:
  std::vector<std::vector<double>> rows_;
  std::vector<double> targets_;
};

// Least squares with the identity as design: f_s(x) = 1/2 |x - c_s|^2, the minimizer of the
// sum being the mean of the c_s. Node i's local objective (the mean over its shard) is
// 1/2 |x - a_i|^2 + const with a_i the mean of its c_s, so its gradient is x - a_i: every
// Hessian is I, and D-SGD with whole-shard batches is linear with a closed-form fixed point.
template <class T>
class Centers final : public FiniteSum<T> {
 public:
  Centers(std::size_t samples, std::size_t dimension) : d_(dimension), centers_(samples * dimension) {
    // Targets sorted along the sample index: contiguous shards then hold different parts
    // of the data (a non-IID split), the first coordinate a ramp, the second a wave.
    for (std::size_t s = 0; s < samples; ++s) {
      const double t = static_cast<double>(s) / static_cast<double>(samples);
      centers_[s * d_] = 4 * t - 2;
      for (std::size_t k = 1; k < d_; ++k) centers_[s * d_ + k] = std::sin(3 * t * static_cast<double>(k + 1));
    }
  }
  std::string name() const override { return "centers"; }
  std::size_t dimension() const override { return d_; }
  std::size_t num_samples() const override { return centers_.size() / d_; }
  T batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                             std::span<T> gradient) const override {
    std::vector<double> g(d_, 0.0);
    double value = 0;
    for (std::size_t s : batch)
      for (std::size_t k = 0; k < d_; ++k) {
        const double r = static_cast<double>(x[k]) - centers_[s * d_ + k];
        value += 0.5 * r * r;
        g[k] += r;
      }
    const double scale = batch.empty() ? 0.0 : 1.0 / static_cast<double>(batch.size());
    for (std::size_t k = 0; k < d_; ++k) gradient[k] = static_cast<T>(g[k] * scale);
    return static_cast<T>(value * scale);
  }
  // a_i: the mean of the centers of a shard.
  std::vector<double> shard_mean(const std::vector<std::size_t>& shard) const {
    std::vector<double> mean(d_, 0.0);
    for (std::size_t s : shard)
      for (std::size_t k = 0; k < d_; ++k) mean[k] += centers_[s * d_ + k] / static_cast<double>(shard.size());
    return mean;
  }

 private:
  std::size_t d_;
  std::vector<double> centers_;
};

// Three nodes on a path 0 - 1 - 2, two samples each, d = 2.
TinyLeastSquares<double> path_problem() {
  return TinyLeastSquares<double>({{1, 2}, {0.5, -1}, {2, 0.25}, {-1, 1}, {1.5, 0.5}, {0.25, -2}},
                                  {1, -0.5, 2, 0.75, -1, 0.5});
}
Graph path_graph() { return Graph(3, std::vector<Graph::Edge>{{0, 1}, {1, 2}}, "path"); }

// Metropolis-Hastings on the path, by hand: degrees 1, 2, 1, so both edges weigh
// 1 / (1 + 2) = 1/3 and the diagonal is 1 - 1/3 = 2/3, 1 - 2/3 = 1/3, 2/3.
const double kPathW[3][3] = {{2.0 / 3, 1.0 / 3, 0}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, {0, 1.0 / 3, 2.0 / 3}};

// grad of node j's batch at x, written from the formula (1/|B|) sum (a_s . x - b_s) a_s.
std::vector<double> hand_gradient(const TinyLeastSquares<double>& f, std::span<const double> x,
                                  std::span<const std::size_t> batch) {
  std::vector<double> g(2, 0.0);
  for (std::size_t s : batch) {
    const double r = f.residual(x, s);
    g[0] += r * f.row(s)[0] / static_cast<double>(batch.size());
    g[1] += r * f.row(s)[1] / static_cast<double>(batch.size());
  }
  return g;
}

// One iteration against x_i <- sum_j W_ij (x_j - eta g_j) (adapt then combine) or
// x_i <- sum_j W_ij x_j - eta g_i (combine then adapt), from different starting points, for
// whole-shard batches and for sampled ones (the batch the node reports is the one the hand
// formula uses). Both sides compute the same sums in different orders, each value below 10 in
// magnitude with at most 8 terms: agreement within 8 * 10 * 2 eps = 160 eps absolute; 1e-13.
TEST(DecentralizedSgd, OneIterationMatchesTheUpdateFormula) {
  const auto f = path_problem();
  const std::vector<double> start = {0.5, -1, 1, 0.25, -0.5, 2};  // x_0, x_1, x_2
  for (const std::string order : {"adapt_then_combine", "combine_then_adapt"}) {
    for (std::int64_t batch_size : {0, 1, 3}) {
      DecentralizedSgdOptions options;
      options.learning_rate = constant(0.1);
      options.batch_size = batch_size;
      options.order = order;
      options.seed = 5;
      DecentralizedSgd<double> run(f, MixingMatrix::metropolis_hastings(path_graph()), contiguous_shards(6, 3), start,
                                   options);
      run.step();
      std::vector<std::vector<double>> g(3);
      for (std::size_t j = 0; j < 3; ++j) {
        const auto batch = run.batch(j);
        ASSERT_EQ(batch.size(), batch_size == 0 ? 2u : static_cast<std::size_t>(batch_size));
        for (std::size_t s : batch) EXPECT_TRUE(s / 2 == j) << "node " << j << " sampled outside its shard";
        g[j] = hand_gradient(f, std::span<const double>(start.data() + 2 * j, 2), batch);
      }
      for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t k = 0; k < 2; ++k) {
          double expected = 0;
          if (order == "adapt_then_combine") {
            for (std::size_t j = 0; j < 3; ++j) expected += kPathW[i][j] * (start[2 * j + k] - 0.1 * g[j][k]);
          } else {
            for (std::size_t j = 0; j < 3; ++j) expected += kPathW[i][j] * start[2 * j + k];
            expected -= 0.1 * g[i][k];
          }
          EXPECT_NEAR(run.model(i)[k], expected, 1e-13) << order << " batch " << batch_size << " node " << i;
        }
    }
  }
}

// The schedule is read at the 0-based iteration: two steps under eta_t = 0.2 * 0.5^t use
// 0.2, then 0.1 (whole-shard batches; tolerance as above, twice).
TEST(DecentralizedSgd, LearningRateFollowsTheSchedule) {
  const auto f = path_problem();
  const std::vector<double> start = {0.5, -1, 1, 0.25, -0.5, 2};
  DecentralizedSgdOptions options;
  options.learning_rate = exponential(0.2, 0.5);
  options.batch_size = 0;
  DecentralizedSgd<double> run(f, MixingMatrix::metropolis_hastings(path_graph()), contiguous_shards(6, 3), start,
                               options);
  std::vector<double> x = start;
  const std::vector<std::vector<std::size_t>> shards = contiguous_shards(6, 3);
  for (double eta : {0.2, 0.1}) {
    run.step();
    std::vector<double> next(6, 0.0);
    for (std::size_t j = 0; j < 3; ++j) {
      const auto g = hand_gradient(f, std::span<const double>(x.data() + 2 * j, 2), shards[j]);
      for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t k = 0; k < 2; ++k) next[2 * i + k] += kPathW[i][j] * (x[2 * j + k] - eta * g[k]);
    }
    x = next;
  }
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(run.models()[i], x[i], 2e-13);
}

// Equivalence: with W = 1 1^T / n (MH on the complete graph with n = 4 gives exactly 1/4
// everywhere: 1/(1+3) and 1 - 3/4 are exact), equal shards and a common start, every node
// runs centralized minibatch SGD with the average of the nodes' batch gradients, i.e. the
// gradient of their union (equal batch sizes). Every row of W lists the same weights in the
// same order, so the nodes stay equal to the bit; against the centralized iterate the
// difference e_t obeys
//   e_{t+1} = (I - eta H_B) e_t + delta_t,
// with H_B the union batch's Hessian (||H_B|| <= max |a_s|^2, so ||I - eta H_B|| <= 1 for
// eta <= 1 / max |a_s|^2) and delta_t the rounding of one step: the residuals, the
// batch sums and the 4-term gossip sum each round to within (d + |B| + n + 4) u of the
// magnitudes involved, at most S = |x|_inf + eta max|a|_inf (|a|_1 |x|_inf + |b|_inf) per
// coordinate. So ||e_T||_inf <= ||e_T||_2 <= sum_t sqrt(d) (d + |B| + n + 4) u S_t * 2
// (the 2 for the centralized side's own roundings).
TEST(DecentralizedSgd, CompleteGraphEqualsCentralizedMinibatchSgd) {
  const auto f = path_problem();
  // Four nodes need more samples: repeat the six rows twice (12 samples, 3 per node).
  std::vector<std::vector<double>> rows;
  std::vector<double> targets;
  for (int copy = 0; copy < 2; ++copy)
    for (std::size_t s = 0; s < 6; ++s) {
      rows.push_back(f.row(s));
      targets.push_back(0.3 * static_cast<double>(s) - copy);
    }
  const TinyLeastSquares<double> problem(rows, targets);
  double max_row_norm2 = 0, max_entry = 0, max_row_l1 = 0, max_target = 0;
  for (std::size_t s = 0; s < rows.size(); ++s) {
    max_row_norm2 = std::max(max_row_norm2, rows[s][0] * rows[s][0] + rows[s][1] * rows[s][1]);
    max_entry = std::max({max_entry, std::abs(rows[s][0]), std::abs(rows[s][1])});
    max_row_l1 = std::max(max_row_l1, std::abs(rows[s][0]) + std::abs(rows[s][1]));
    max_target = std::max(max_target, std::abs(targets[s]));
  }
  const std::size_t n = 4, d = 2, batch_size = 2, steps = 30;
  DecentralizedSgdOptions options;
  options.learning_rate = constant(1.0 / max_row_norm2);
  options.batch_size = static_cast<std::int64_t>(batch_size);
  options.seed = 11;
  const double eta = 1.0 / max_row_norm2;
  const std::vector<double> start = {1.5, -0.75};
  DecentralizedSgd<double> run(problem, MixingMatrix::metropolis_hastings(complete(n)), contiguous_shards(12, n), start,
                               options);
  std::vector<double> x = start;  // the centralized iterate
  double bound = 0;
  const std::size_t union_size = n * batch_size;
  for (std::size_t t = 0; t < steps; ++t) {
    run.step();
    std::vector<std::size_t> union_batch;
    for (std::size_t j = 0; j < n; ++j) union_batch.insert(union_batch.end(), run.batch(j).begin(), run.batch(j).end());
    ASSERT_EQ(union_batch.size(), union_size);
    std::vector<double> g(d);
    problem.batch_value_and_gradient(x, union_batch, g);
    const double x_inf = std::max(std::abs(x[0]), std::abs(x[1]));
    const double scale = x_inf + eta * max_entry * (max_row_l1 * x_inf + max_target);
    bound += 2 * std::sqrt(static_cast<double>(d)) * static_cast<double>(d + union_size + n + 4) * kUnit * scale;
    for (std::size_t k = 0; k < d; ++k) x[k] -= eta * g[k];
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t k = 0; k < d; ++k) {
        EXPECT_EQ(run.model(i)[k], run.model(0)[k]) << "nodes should agree to the bit";
        EXPECT_NEAR(run.model(i)[k], x[k], bound) << "step " << t;
      }
    }
  }
  EXPECT_LE(run.consensus_error(), kEqualModelsConsensus);
}

// Steady state of D-SGD with whole-shard batches on Centers (gradients x_i - a_i), adapt then
// combine: X <- W ((1 - eta) X + eta A), rows of X and A being the nodes. It converges (the
// map contracts by (1 - eta) ||W|| = 1 - eta) to
//   X* = eta (I - (1 - eta) W)^{-1} W A,
// whose component along an eigenvector v_k of W (eigenvalue lambda_k) is
//   c_k = eta lambda_k / (1 - lambda_k + eta lambda_k) times A's component.
// For k >= 2, |c_k| <= eta lambda / (1 - lambda) (lambda_k >= 0: the denominator is
// >= 1 - lambda_k >= 1 - lambda; lambda_k < 0: it is >= 1), so the consensus error obeys
//   (1/n) |X* - 1 xbar^T|_F^2 <= (eta lambda / (1 - lambda))^2 zeta^2,
//   zeta^2 = (1/n) sum_i |a_i - abar|^2 = (1/n) sum_i |grad f_i(x) - grad f(x)|^2,
// the eta^2 / (1 - lambda)^2 law of the D-SGD consensus bounds, with the heterogeneity zeta^2.
struct SteadyState {
  double simulated = 0;    // consensus error after the run
  double closed_form = 0;  // of X*
  double bound = 0;        // (eta lambda / (1 - lambda))^2 zeta^2
  double average_gap = 0;  // f(xbar) - f* at the end
};

SteadyState steady_state(const Graph& graph, double eta, std::int64_t iterations) {
  const std::size_t n = graph.size(), d = 2, samples = 4 * n;
  const Centers<double> f(samples, d);
  const MixingMatrix mixing = MixingMatrix::metropolis_hastings(graph);
  const auto shards = contiguous_shards(samples, n);
  Eigen::MatrixXd a(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
  for (std::size_t i = 0; i < n; ++i) {
    const auto mean = f.shard_mean(shards[i]);
    for (std::size_t k = 0; k < d; ++k) a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)) = mean[k];
  }
  const Eigen::MatrixXd w = mixing.dense();
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(w.rows(), w.cols());
  const Eigen::MatrixXd fixed = (identity - (1 - eta) * w).partialPivLu().solve(eta * w * a);
  const Eigen::RowVectorXd center = fixed.colwise().mean();
  SteadyState out;
  out.closed_form = (fixed.rowwise() - center).squaredNorm() / static_cast<double>(n);
  const Eigen::RowVectorXd abar = a.colwise().mean();
  const double zeta2 = (a.rowwise() - abar).squaredNorm() / static_cast<double>(n);
  const double lambda = spectral_gap(w).lambda;
  out.bound = std::pow(eta * lambda / (1 - lambda), 2) * zeta2;

  DecentralizedSgdOptions options;
  options.learning_rate = constant(eta);
  options.batch_size = 0;
  options.iterations = iterations;
  const std::vector<double> start(d, 0.0);
  const auto result = decentralized_sgd<double>(f, mixing, shards, start, options);
  out.simulated = result.consensus_error;
  // f* = f(abar) (the mean of all centers: equal shards make it the mean of the a_i).
  const std::vector<double> optimum(abar.data(), abar.data() + d);
  out.average_gap = result.average_value - f.value(optimum);
  return out;
}

TEST(DecentralizedSgd, SteadyConsensusErrorFollowsTheGraphAndTheBound) {
  // eta = 0.05 and 700 iterations: the distance to X* shrinks by 0.95^700 < 3e-16 of where
  // it started (|X_0 - X*| is O(1)), so the simulated error matches the closed form to a
  // relative 1e-9 (rounding then dominates: each step adds O(u) to an X of size O(1),
  // i.e. O(u / eta) in steady state against consensus errors of at least 1e-5 here).
  const double eta = 0.05;
  const std::int64_t iterations = 700;
  const SteadyState ring_state = steady_state(ring(16), eta, iterations);
  const SteadyState torus_state = steady_state(torus(4, 4), eta, iterations);
  const SteadyState exponential_state = steady_state(exponential(16), eta, iterations);
  const SteadyState complete_state = steady_state(complete(16), eta, iterations);
  // The table of docs/distributed.md, printed so that its numbers come from this code.
  std::printf("| graph | consensus error (simulated) | closed form | bound |\n|---|---|---|---|\n");
  const char* names[] = {"ring", "torus 4 x 4", "exponential", "complete"};
  const SteadyState* states[] = {&ring_state, &torus_state, &exponential_state, &complete_state};
  for (int k = 0; k < 4; ++k)
    std::printf("| %s | %.4g | %.4g | %.4g |\n", names[k], states[k]->simulated, states[k]->closed_form,
                states[k]->bound);
  for (const SteadyState* s : {&ring_state, &torus_state, &exponential_state}) {
    EXPECT_NEAR(s->simulated, s->closed_form, 1e-9 * s->closed_form);
    EXPECT_LE(s->simulated, s->bound);
    // The average follows gradient descent on f exactly (W keeps the mean), so
    // f(xbar_T) - f* = (1 - eta)^{2T} (f(xbar_0) - f*) ~ 1e-31: zero up to rounding of the
    // O(1) values f(xbar) and f* (a few eps).
    EXPECT_NEAR(s->average_gap, 0.0, 1e-13);
  }
  EXPECT_GT(ring_state.simulated, torus_state.simulated);
  EXPECT_GT(torus_state.simulated, exponential_state.simulated);
  // Complete: MH gives exactly 1/16 everywhere (1/(1+15), and 1 - 15/16 summed exactly), every
  // row lists them in the same order, so one round leaves all models equal to the bit.
  EXPECT_LE(complete_state.simulated, kEqualModelsConsensus);
}

TEST(DecentralizedSgd, SteadyConsensusErrorScalesWithTheSquareOfTheStep) {
  // The bound's eta^2 law, on the ring (1 - lambda = 0.0507) with eta well below the gap:
  // per mode, the factor c_k^2 changes between eta and eta / 2 by
  //   4 ((1 - lambda_k + eta lambda_k / 2) / (1 - lambda_k + eta lambda_k))^2,
  // which lies in [4 r^2, 4 (1 + eta / 2)^2] with r = (1 - l2 + eta l2 / 2) / (1 - l2 + eta l2)
  // for l2 = lambda_2 the mode slowest to mix (positive modes shrink the ratio most for the
  // largest lambda_k; negative ones raise it by at most (1 + eta/2)^2). The error is a
  // positive mix of the modes, so its ratio lies in the same interval.
  const double eta = 0.01;
  const Graph g = ring(16);
  // 0.99^4000 and 0.995^4000 are below 2e-9: converged well within the interval's width.
  const SteadyState large = steady_state(g, eta, 4000);
  const SteadyState small = steady_state(g, eta / 2, 4000);
  const double l2 = spectral_gap(MixingMatrix::metropolis_hastings(g)).eigenvalues[1];
  const double r = (1 - l2 + eta * l2 / 2) / (1 - l2 + eta * l2);
  const double ratio = large.simulated / small.simulated;
  EXPECT_GE(ratio, 4 * r * r);
  EXPECT_LE(ratio, 4 * (1 + eta / 2) * (1 + eta / 2));
  EXPECT_GT(4 * r * r, 3.3);  // the interval is tight enough to say "eta^2"
}

// With sampled batches the nodes also disagree through their minibatch noise; averaged over
// the second half of a run, the consensus error is still ordered by the spectral gap
// (bound: eta^2 lambda^2 (zeta^2 / (1 - lambda)^2 + sigma^2 / (1 - lambda^2)), decreasing
// in the gap), and it vanishes on the complete graph (one round averages exactly). The
// noise has mean 0, so the expected error is the whole-shard steady state of the test above
// (ring 0.318, torus 0.0074 at this step: a factor 43) plus a nonnegative noise term of at
// most eta^2 sigma^2 / (1 - lambda^2) < 1e-3 (sigma^2 <= 0.02, the spread of 4 neighbouring
// centers); the factor 2 asked below leaves room for the fluctuation of a 400-step mean.
TEST(DecentralizedSgd, StochasticConsensusErrorIsOrderedByTheGraph) {
  const std::size_t n = 16, d = 2, samples = 4 * n;
  const Centers<double> f(samples, d);
  const auto mean_tail_error = [&](const Graph& graph) {
    DecentralizedSgdOptions options;
    options.learning_rate = constant(0.05);
    options.batch_size = 1;
    options.iterations = 800;
    options.seed = 3;
    double sum = 0;
    std::int64_t count = 0;
    const std::vector<double> start(d, 0.0);
    decentralized_sgd<double>(f, MixingMatrix::metropolis_hastings(graph), contiguous_shards(samples, n), start,
                              options, [&](const DecentralizedIterate<double>& it) {
                                EXPECT_EQ(it.models.size(), n * d);
                                if (it.iteration > 400) {
                                  sum += it.consensus_error;
                                  ++count;
                                }
                                return false;
                              });
    return sum / static_cast<double>(count);
  };
  const double ring_error = mean_tail_error(ring(16));
  const double torus_error = mean_tail_error(torus(4, 4));
  const double complete_error = mean_tail_error(complete(16));
  EXPECT_GT(ring_error, 2 * torus_error);
  EXPECT_GT(torus_error, 0.0);
  EXPECT_LE(complete_error, kEqualModelsConsensus);
}

TEST(DecentralizedSgd, ObserverSeesEveryIterationAndCanStop) {
  const Centers<double> f(8, 2);
  DecentralizedSgdOptions options;
  options.iterations = 10;
  std::vector<std::int64_t> seen;
  const std::vector<double> start = {1, 1};
  const auto result = decentralized_sgd<double>(f, MixingMatrix::metropolis_hastings(ring(4)), contiguous_shards(8, 4),
                                                start, options, [&](const DecentralizedIterate<double>& it) {
                                                  seen.push_back(it.iteration);
                                                  EXPECT_EQ(it.learning_rate, 0.1);
                                                  EXPECT_EQ(it.average_value, f.value(it.average));
                                                  return it.iteration == 3;
                                                });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.iterations, 3);
  EXPECT_EQ(result.models.size(), 8u);
}

// Float runs the same arithmetic (sums in double) but stores each model in float: after one
// step from the same start the two differ by the rounding of the stored values, a relative
// 2^-24 of values below 4 (plus the float rounding of the gradients: as much again); 1e-6.
TEST(DecentralizedSgd, FloatMatchesDoubleToFloatRounding) {
  const Centers<float> ff(12, 2);
  const Centers<double> fd(12, 2);
  DecentralizedSgdOptions options;
  options.batch_size = 2;
  const std::vector<float> start_f = {0.5f, -0.25f};
  const std::vector<double> start_d = {0.5, -0.25};
  DecentralizedSgd<float> run_f(ff, MixingMatrix::metropolis_hastings(ring(3)), contiguous_shards(12, 3), start_f,
                                options);
  DecentralizedSgd<double> run_d(fd, MixingMatrix::metropolis_hastings(ring(3)), contiguous_shards(12, 3), start_d,
                                 options);
  run_f.step();
  run_d.step();
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(run_f.models()[i], run_d.models()[i], 1e-6);
}

TEST(DecentralizedSgd, NonIidShardsMayBeGiven) {
  // Node 0 holds the even samples, node 1 the odd ones and sample 0 again.
  const Centers<double> f(6, 2);
  DecentralizedSgdOptions options;
  options.batch_size = 0;
  const std::vector<double> start = {0, 0};
  DecentralizedSgd<double> run(f, MixingMatrix::metropolis_hastings(ring(2)), {{0, 2, 4}, {1, 3, 5, 0}}, start,
                               options);
  run.step();
  EXPECT_EQ(std::vector<std::size_t>(run.batch(1).begin(), run.batch(1).end()), (std::vector<std::size_t>{1, 3, 5, 0}));
}

TEST(DecentralizedSgd, BadInputIsAClearError) {
  const Centers<double> f(8, 2);
  const std::vector<double> start = {0, 0};
  const DecentralizedSgdOptions options;
  const MixingMatrix ring4 = MixingMatrix::metropolis_hastings(ring(4));
  EXPECT_EQ(error_of([&] {
              DecentralizedSgd<double>(f, ring4, {{0, 1}, {2, 3}, {}, {4, 5}}, start, options);
            }),
            "decentralized_sgd: the shard of node 2 is empty");
  EXPECT_EQ(error_of([&] {
              DecentralizedSgd<double>(f, ring4, {{0, 1}, {2, 3}, {8}, {4, 5}}, start, options);
            }),
            "decentralized_sgd: the shard of node 2 holds sample 8, beyond the 8 samples of 'centers'");
  EXPECT_EQ(error_of([&] { DecentralizedSgd<double>(f, ring4, contiguous_shards(8, 2), start, options); }),
            "decentralized_sgd: the mixing matrix has 4 nodes but 2 shards were given");
  const std::vector<double> wrong = {0, 0, 0};
  EXPECT_EQ(error_of([&] { DecentralizedSgd<double>(f, ring4, contiguous_shards(8, 4), wrong, options); }),
            "decentralized_sgd: the start has 3 values; expected 2 (one model for every node) or 8 (4 models of 2)");
  EXPECT_THROW(contiguous_shards(3, 4), MismatchError);
  EXPECT_THROW(contiguous_shards(3, 0), ConfigError);
  EXPECT_THROW(DecentralizedSgd<double>(f, ring4, {}, start, options), MismatchError);

  const auto config_error = [&](DecentralizedSgdOptions o) {
    return error_of([&] { DecentralizedSgd<double>(f, ring4, contiguous_shards(8, 4), start, o); });
  };
  DecentralizedSgdOptions o;
  o.batch_size = -1;
  EXPECT_EQ(config_error(o), "DecentralizedSgdOptions::batch_size = -1 violates batch_size >= 0");
  o = {};
  o.learning_rate = constant(0);
  EXPECT_EQ(config_error(o), "DecentralizedSgdOptions::learning_rate = 0 violates learning_rate > 0");
  o = {};
  o.learning_rate = nullptr;
  EXPECT_EQ(config_error(o), "DecentralizedSgdOptions::learning_rate is not set");
  o = {};
  o.iterations = -2;
  EXPECT_EQ(config_error(o), "DecentralizedSgdOptions::iterations = -2 violates iterations >= 0");
  o = {};
  o.order = "gossip_first";
  EXPECT_EQ(config_error(o),
            "DecentralizedSgdOptions::order = 'gossip_first' is not one of adapt_then_combine, combine_then_adapt");
}

TEST(DecentralizedSgd, ContiguousShardsSplitEvenly) {
  const auto shards = contiguous_shards(10, 4);
  EXPECT_EQ(shards[0], (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(shards[1], (std::vector<std::size_t>{3, 4, 5}));
  EXPECT_EQ(shards[2], (std::vector<std::size_t>{6, 7}));
  EXPECT_EQ(shards[3], (std::vector<std::size_t>{8, 9}));
}

}  // namespace
}  // namespace descent
