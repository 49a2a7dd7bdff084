#include "descent/distributed/federated.hpp"

#include <gtest/gtest.h>

#include <utility>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/data/gaussian_clusters.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/model/softmax_regression.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/sgd.hpp"
#include "support/error_of.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// f_i(x) = 1/2 (a_i . x - b_i)^2 over explicit rows: a least-squares finite sum whose every
// number the tests can write down. Sums run in batch order, in double.
class RowsLeastSquares final : public FiniteSum<double> {
 public:
  RowsLeastSquares(std::vector<std::vector<double>> rows, std::vector<double> targets)
      : rows_(std::move(rows)), targets_(std::move(targets)) {}
  std::string name() const override { return "rows_least_squares"; }
  std::size_t dimension() const override { return rows_.front().size(); }
  std::size_t num_samples() const override { return rows_.size(); }
  double batch_value_and_gradient(std::span<const double> x, std::span<const std::size_t> batch,
                                  std::span<double> g) const override {
    std::fill(g.begin(), g.end(), 0.0);
    double f = 0;
    for (std::size_t i : batch) {
      double r = -targets_[i];
      for (std::size_t j = 0; j < x.size(); ++j) r += rows_[i][j] * x[j];
      f += 0.5 * r * r;
      for (std::size_t j = 0; j < x.size(); ++j) g[j] += r * rows_[i][j];
    }
    if (batch.empty()) return 0;
    for (double& gj : g) gj /= static_cast<double>(batch.size());
    return f / static_cast<double>(batch.size());
  }
  const std::vector<std::vector<double>>& rows() const { return rows_; }
  const std::vector<double>& targets() const { return targets_; }

 private:
  std::vector<std::vector<double>> rows_;
  std::vector<double> targets_;
};

using Vec = std::vector<double>;

// The tiny problem of the update-rule tests: d = 3, four samples, client 0 = {0, 1},
// client 1 = {2, 3}.
RowsLeastSquares tiny_problem() {
  return RowsLeastSquares({{1, 2, 0}, {0, 1, -1}, {2, 0, 1}, {1, -1, 1}}, {1, 0, 2, -1});
}
ClientSplit tiny_split() { return ClientSplit::from_lists({{0, 1}, {2, 3}}, 4); }
const Vec kStart = {0.5, -0.5, 0.25};

// grad f_k(y) = (1/2) sum_{i in S_k} a_i (a_i . y - b_i), written out for the two clients.
Vec client_gradient(const RowsLeastSquares& f, int client, const Vec& y) {
  Vec g(3, 0.0);
  for (int i = 2 * client; i < 2 * client + 2; ++i) {
    const auto& a = f.rows()[i];
    const double r = a[0] * y[0] + a[1] * y[1] + a[2] * y[2] - f.targets()[i];
    for (int j = 0; j < 3; ++j) g[j] += 0.5 * r * a[j];
  }
  return g;
}

// Tolerance of the update-rule tests. Every coordinate there passes through at most ~60
// roundings of numbers bounded by M = 4 (x, y, the gradients and the control variates), each
// error amplified by at most (1 + eta L)^4 <= 1.35^4 < 3.4 over four local steps (eta = 0.1,
// L <= lambda_max of a client's Hessian <= (|a_1|^2 + |a_2|^2) / 2 <= 3.5, so (1 + eta L) <= 1.35)
// and by 1 / (steps eta) = 5 in SCAFFOLD's c_k: 60 * 4 * 3.4 * 5 * eps < 4.1e3 eps = 9e-13.
constexpr double kRuleTol = 1e-12;

FederatedOptions tiny_options(const std::string& algorithm) {
  FederatedOptions o;
  o.algorithm = algorithm;
  o.rounds = 1;
  o.clients_per_round = 2;
  o.local_steps = 2;
  o.local_batch_size = 2;  // each client's whole data
  o.local_learning_rate = 0.1;
  o.mu = 0.7;
  return o;
}

std::vector<Vec> run_rounds(const FiniteSum<double>& f, const ClientSplit& split, const FederatedOptions& o,
                            const Transform& server, Vec x, FederatedResult* result = nullptr) {
  std::vector<Vec> iterates;
  const FederatedResult r = federated_train<double>(f, split, x, o, server, [&](const FederatedRound<double>& round) {
    iterates.emplace_back(round.x.begin(), round.x.end());
    return false;
  });
  if (result) *result = r;
  return iterates;
}

void expect_near(const Vec& actual, const Vec& expected, double tol, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t j = 0; j < actual.size(); ++j) EXPECT_NEAR(actual[j], expected[j], tol) << what << " [" << j << "]";
}

// Two local steps y <- y - eta d(y) of a client, d given.
template <class D>
Vec two_local_steps(const Vec& x, double eta, D direction) {
  Vec y = x;
  for (int s = 0; s < 2; ++s) {
    const Vec d = direction(y);
    for (int j = 0; j < 3; ++j) y[j] -= eta * d[j];
  }
  return y;
}

Vec average(const Vec& a, const Vec& b) { return {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2}; }

TEST(Federated, FedAvgIsTheSampleWeightedMeanOfLocalSgd) {
  const auto f = tiny_problem();
  const auto o = tiny_options("fedavg");
  FederatedResult result;
  const auto xs = run_rounds(f, tiny_split(), o, *sgd({.lr = constant(1.0)}), kStart, &result);
  Vec y[2];
  for (int k = 0; k < 2; ++k)
    y[k] = two_local_steps(kStart, 0.1, [&](const Vec& v) { return client_gradient(f, k, v); });
  ASSERT_EQ(xs.size(), 1u);
  expect_near(xs[0], average(y[0], y[1]), kRuleTol, "fedavg");
  // Two clients, each 2 d doubles: 2 * 2 * 3 * 8 bytes.
  EXPECT_EQ(result.bytes, 96u);
}

TEST(Federated, FedProxAddsTheProximalGradient) {
  const auto f = tiny_problem();
  const auto o = tiny_options("fedprox");
  const auto xs = run_rounds(f, tiny_split(), o, *sgd({.lr = constant(1.0)}), kStart);
  Vec y[2];
  for (int k = 0; k < 2; ++k)
    y[k] = two_local_steps(kStart, 0.1, [&](const Vec& v) {
      Vec g = client_gradient(f, k, v);
      for (int j = 0; j < 3; ++j) g[j] += 0.7 * (v[j] - kStart[j]);
      return g;
    });
  expect_near(xs[0], average(y[0], y[1]), kRuleTol, "fedprox");
}

// Two rounds, so that the control variates of round 1 steer round 2.
TEST(Federated, ScaffoldCorrectsLocalStepsWithControlVariates) {
  const auto f = tiny_problem();
  auto o = tiny_options("scaffold");
  o.rounds = 2;
  FederatedResult result;
  const auto xs = run_rounds(f, tiny_split(), o, *sgd({.lr = constant(1.0)}), kStart, &result);
  const double eta = 0.1, steps = 2;
  Vec c(3, 0.0), ck[2] = {Vec(3, 0.0), Vec(3, 0.0)};
  Vec x = kStart;
  std::vector<Vec> expected;
  for (int round = 0; round < 2; ++round) {
    Vec y[2], c_sum(3, 0.0);
    for (int k = 0; k < 2; ++k) {
      y[k] = two_local_steps(x, eta, [&](const Vec& v) {
        Vec g = client_gradient(f, k, v);
        for (int j = 0; j < 3; ++j) g[j] += c[j] - ck[k][j];
        return g;
      });
      // Option II: c_k+ = c_k - c + (x - y_k) / (K eta_l); the server adds |S|/N mean(c_k+ - c_k).
      for (int j = 0; j < 3; ++j) {
        const double next = ck[k][j] - c[j] + (x[j] - y[k][j]) / (steps * eta);
        c_sum[j] += next - ck[k][j];
        ck[k][j] = next;
      }
    }
    x = average(y[0], y[1]);
    for (int j = 0; j < 3; ++j) c[j] += (2.0 / 2.0) * (c_sum[j] / 2.0);
    expected.push_back(x);
  }
  ASSERT_EQ(xs.size(), 2u);
  expect_near(xs[0], expected[0], kRuleTol, "scaffold round 1");
  expect_near(xs[1], expected[1], kRuleTol, "scaffold round 2");
  // Two rounds of two clients, each 4 d doubles (x and c down, y and c_k's change up).
  EXPECT_EQ(result.bytes, 2u * 2u * 4u * 3u * 8u);
}

TEST(Federated, FedLexGuidesLocalGradientsByTheExploredSpread) {
  const auto f = tiny_problem();
  auto o = tiny_options("fedlex");
  o.exploration_fraction = 1;
  o.exploration_epochs = 1;  // one full-batch step per explorer
  FederatedResult result;
  const auto xs = run_rounds(f, tiny_split(), o, *sgd({.lr = constant(1.0)}), kStart, &result);
  // Exploration: y_k = x_0 - eta grad f_k(x_0); s_j = mean_k (y_kj - x_0j)^2; G = min-max of s
  // over the single parameter group.
  Vec s(3, 0.0);
  for (int k = 0; k < 2; ++k) {
    const Vec g = client_gradient(f, k, kStart);
    for (int j = 0; j < 3; ++j) s[j] += 0.5 * (0.1 * g[j]) * (0.1 * g[j]);
  }
  const double lo = std::min({s[0], s[1], s[2]}), hi = std::max({s[0], s[1], s[2]});
  Vec guidance(3);
  for (int j = 0; j < 3; ++j) guidance[j] = (s[j] - lo) / (hi - lo);
  Vec y[2];
  for (int k = 0; k < 2; ++k)
    y[k] = two_local_steps(kStart, 0.1, [&](const Vec& v) {
      Vec g = client_gradient(f, k, v);
      for (int j = 0; j < 3; ++j) g[j] *= guidance[j];
      return g;
    });
  // G is a ratio of differences of spreads ~1e-2 apart: its relative error is ~10 eps, well
  // inside the tolerance after the steps.
  expect_near(xs[0], average(y[0], y[1]), kRuleTol, "fedlex");
  // Exploration (2 clients) and one round (2 clients), 2 d doubles each.
  EXPECT_EQ(result.bytes, 4u * 2u * 3u * 8u);
}

TEST(Federated, FedLexGuidanceIsMinMaxPerGroup) {
  const Vec start = {0, 0, 0, 0, 0};
  const std::vector<Vec> explored = {{1, 2, 3, 1, 1}, {-1, 0, 1, 1, 1}};
  const std::vector<std::size_t> groups = {0, 3, 5};
  // Spreads: (1, 2, 5, 1, 1): group [0, 3) -> (0, 1/4, 1); group [3, 5) is constant -> 1.
  const auto g = fedlex_guidance<double>(start, explored, groups);
  expect_near(g, {0, 0.25, 1, 1, 1}, 0, "guidance");
  EXPECT_THROW(fedlex_guidance<double>(start, {}, groups), MismatchError);
  EXPECT_THROW(fedlex_guidance<double>(start, {{1, 2}}, groups), MismatchError);
}

// FedAdam: the server's adam sees Delta = x - mean(y_k). Its first step with bias correction is
// x - lr m_hat / (sqrt(v_hat) + eps), with m_hat = Delta and v_hat = Delta^2.
TEST(Federated, ServerAdamTakesThePseudoGradientAsItsDirection) {
  const auto f = tiny_problem();
  const auto o = tiny_options("fedavg");
  const auto xs = run_rounds(f, tiny_split(), o, *adam({.lr = constant(0.05)}), kStart);
  Vec y[2];
  for (int k = 0; k < 2; ++k)
    y[k] = two_local_steps(kStart, 0.1, [&](const Vec& v) { return client_gradient(f, k, v); });
  const Vec mean = average(y[0], y[1]);
  Vec expected(3);
  for (int j = 0; j < 3; ++j) {
    const double delta = kStart[j] - mean[j];
    expected[j] = kStart[j] - 0.05 * delta / (std::abs(delta) + 1e-8);
  }
  expect_near(xs[0], expected, kRuleTol, "fedadam");
}

// Random rows and targets; client k holds samples [k m, (k + 1) m). With `spread` > 0 the
// targets of client k come from its own optimum x*_k = x* + spread z_k: strong heterogeneity.
RowsLeastSquares heterogeneous_problem(std::size_t clients, std::size_t per_client, std::size_t d, double spread,
                                       std::uint64_t seed) {
  Random random(seed, Stream::user);
  std::vector<std::vector<double>> rows;
  std::vector<double> targets;
  Vec common(d);
  for (double& v : common) v = random.normal();
  for (std::size_t k = 0; k < clients; ++k) {
    Vec optimum = common;
    for (double& v : optimum) v += spread * random.normal();
    for (std::size_t i = 0; i < per_client; ++i) {
      Vec a(d);
      double b = 0;
      for (std::size_t j = 0; j < d; ++j) {
        a[j] = random.normal();
        b += a[j] * optimum[j];
      }
      rows.push_back(a);
      targets.push_back(b);
    }
  }
  return RowsLeastSquares(std::move(rows), std::move(targets));
}

ClientSplit contiguous_split(std::size_t clients, std::size_t per_client) {
  std::vector<std::vector<std::size_t>> lists(clients);
  for (std::size_t k = 0; k < clients; ++k)
    for (std::size_t i = 0; i < per_client; ++i) lists[k].push_back(k * per_client + i);
  return ClientSplit::from_lists(lists, clients * per_client);
}

// FedAvg with one local step on each client's whole data, every client sampled, equal sizes and
// server sgd(lr = 1) computes mean_k (x - eta g_k) = x - eta mean_k g_k = x - eta g_U, one SGD
// step on the union batch U. Rounding: each g_k and g_U has error at most gamma_(d+m+2) G_j in
// coordinate j, with G = mean_i |a_i| (|a_i| . |x| + |b_i|) (the absolute-value gradient, over
// U); the local step y_k = x - eta g_k, each client's row w_k (x - y_k), their tree sum Delta
// over K leaves (at most K - 1 additions on any path) and the server's x - Delta add
// gamma_(K+4) (|x_j| + eta G_j). So |difference| <= 2 gamma_(d+m+K+6) (|x_j| + eta G_j), and
// gamma_k = k eps / (1 - k eps).
TEST(Federated, OneFullBatchStepOfFedAvgIsOneSgdStepOnTheUnion) {
  constexpr std::size_t kClients = 4, kPer = 5, kDim = 6;
  const auto f = heterogeneous_problem(kClients, kPer, kDim, 1.0, 21);
  const auto split = contiguous_split(kClients, kPer);
  FederatedOptions o;
  o.rounds = 1;
  o.clients_per_round = kClients;
  o.local_steps = 1;
  o.local_batch_size = kPer;
  o.local_learning_rate = 0.05;
  Random random(5, Stream::user);
  Vec x(kDim);
  for (double& v : x) v = random.normal();
  const auto xs = run_rounds(f, split, o, *sgd({.lr = constant(1.0)}), x);

  std::vector<std::size_t> all(kClients * kPer);
  std::iota(all.begin(), all.end(), std::size_t{0});
  Vec g(kDim), abs_g(kDim, 0.0);
  f.batch_value_and_gradient(x, all, g);
  for (std::size_t i : all) {
    double r = std::abs(f.targets()[i]);
    for (std::size_t j = 0; j < kDim; ++j) r += std::abs(f.rows()[i][j] * x[j]);
    for (std::size_t j = 0; j < kDim; ++j) abs_g[j] += std::abs(f.rows()[i][j]) * r / all.size();
  }
  const double k = kDim + kPer + kClients + 6;
  const double gamma = k * kEps / (1 - k * kEps);
  for (std::size_t j = 0; j < kDim; ++j) {
    const double sgd_step = x[j] - 0.05 * g[j];
    EXPECT_NEAR(xs[0][j], sgd_step, 2 * gamma * (std::abs(x[j]) + 0.05 * abs_g[j])) << j;
  }
}

// f* and x* of a RowsLeastSquares by the normal equations (A^T A) x = A^T b, solved by Gaussian
// elimination with partial pivoting (d is small).
double least_squares_minimum(const RowsLeastSquares& f) {
  const std::size_t d = f.dimension(), n = f.num_samples();
  std::vector<Vec> m(d, Vec(d + 1, 0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t r = 0; r < d; ++r) {
      for (std::size_t c = 0; c < d; ++c) m[r][c] += f.rows()[i][r] * f.rows()[i][c];
      m[r][d] += f.rows()[i][r] * f.targets()[i];
    }
  for (std::size_t p = 0; p < d; ++p) {
    std::size_t best = p;
    for (std::size_t r = p + 1; r < d; ++r)
      if (std::abs(m[r][p]) > std::abs(m[best][p])) best = r;
    std::swap(m[p], m[best]);
    for (std::size_t r = p + 1; r < d; ++r) {
      const double factor = m[r][p] / m[p][p];
      for (std::size_t c = p; c <= d; ++c) m[r][c] -= factor * m[p][c];
    }
  }
  Vec x(d);
  for (std::size_t p = d; p-- > 0;) {
    double s = m[p][d];
    for (std::size_t c = p + 1; c < d; ++c) s -= m[p][c] * x[c];
    x[p] = s / m[p][p];
  }
  return f.value(x);
}

// Strong heterogeneity: each client's targets come from its own optimum. With several local
// steps FedAvg's clients drift towards their own optima, and its fixed point is not x*
// (Karimireddy et al. 2020, Section 3); SCAFFOLD's corrected steps follow the global gradient
// (for a quadratic with full local batches, g_k(y) - c_k + c = grad f(y) once the control
// variates have caught up), so the same rounds bring it closer to f*.
TEST(Federated, ScaffoldBeatsFedAvgUnderHeterogeneity) {
  constexpr std::size_t kClients = 10, kPer = 20, kDim = 5;
  const auto f = heterogeneous_problem(kClients, kPer, kDim, 3.0, 8);
  const auto split = contiguous_split(kClients, kPer);
  const double f_star = least_squares_minimum(f);
  FederatedOptions o;
  o.rounds = 60;
  o.clients_per_round = 5;
  o.local_steps = 10;
  o.local_batch_size = kPer;
  o.local_learning_rate = 0.05;
  const Vec x0(kDim, 0.0);
  double gap[2];
  for (int a = 0; a < 2; ++a) {
    o.algorithm = a == 0 ? "fedavg" : "scaffold";
    Vec x = x0;
    const auto r = federated_train<double>(f, split, x, o, *sgd({.lr = constant(1.0)}));
    gap[a] = r.value - f_star;
  }
  EXPECT_GT(gap[0], 0.0);
  EXPECT_LT(gap[1], gap[0]) << "fedavg gap " << gap[0] << ", scaffold gap " << gap[1];
}

// FedProx's drift shrinks as mu grows. For a quadratic client objective with Hessian H, full local
// batches and e_t = y_t - x, the local steps give e_(t+1) = (I - eta (H + mu I)) e_t - eta g_0, so
// after T steps e_T = -eta sum_(s<T) (I - eta (H + mu I))^s g_0. In H's eigenbasis every factor
// (1 - eta (lambda + mu))^s lies in [0, 1] when eta (L + mu) <= 1, and it decreases strictly in mu
// for s >= 1: each component of |e_T| shrinks, so |y_k - x| does for every client (T >= 2), and
// with it the sample-weighted mean the observer reports. Here L <= 3 (rows of 5 standard normals,
// 20 per client: lambda_max of A_k^T A_k / 20 is about (1 + sqrt(5/20))^2 = 2.25) and eta = 0.1,
// so mu <= 7 keeps eta (L + mu) <= 1. With mu = 0 FedProx is FedAvg, bit for bit (the proximal
// term adds 0 * (y - x) = 0).
TEST(Federated, FedProxDriftShrinksAsMuGrows) {
  constexpr std::size_t kClients = 4, kPer = 20, kDim = 5;
  const auto f = heterogeneous_problem(kClients, kPer, kDim, 3.0, 9);
  const auto split = contiguous_split(kClients, kPer);
  FederatedOptions o;
  o.algorithm = "fedprox";
  o.rounds = 1;
  o.clients_per_round = kClients;
  o.local_steps = 8;
  o.local_batch_size = kPer;
  o.local_learning_rate = 0.1;
  const Vec x0(kDim, 0.0);
  std::vector<double> drift;
  std::vector<Vec> results;
  for (double mu : {0.0, 0.5, 2.0, 6.0}) {
    o.mu = mu;
    Vec x = x0;
    federated_train<double>(f, split, x, o, *sgd({.lr = constant(1.0)}), [&](const FederatedRound<double>& r) {
      drift.push_back(r.client_drift);
      return false;
    });
    results.push_back(x);
  }
  for (std::size_t i = 1; i < drift.size(); ++i) EXPECT_LT(drift[i], drift[i - 1]) << "mu step " << i;
  o.algorithm = "fedavg";
  Vec x = x0;
  federated_train<double>(f, split, x, o, *sgd({.lr = constant(1.0)}));
  EXPECT_EQ(std::memcmp(x.data(), results[0].data(), x.size() * sizeof(double)), 0);
}

// Properties of the guidance: G_j in [0, 1] only shrinks local steps, and a coordinate with G_j = 0
// (the least-explored one of its group) is frozen for the whole run; where every spread is equal
// (a single parameter) G = 1 and FedLEx is FedAvg bit for bit (every client sampled, so the
// exploration's draws do not change the rounds' samples).
TEST(Federated, FedLexFreezesTheLeastExploredCoordinateAndReducesToFedAvg) {
  constexpr std::size_t kClients = 4, kPer = 10, kDim = 4;
  const auto f = heterogeneous_problem(kClients, kPer, kDim, 2.0, 10);
  const auto split = contiguous_split(kClients, kPer);
  FederatedOptions o;
  o.algorithm = "fedlex";
  o.rounds = 5;
  o.clients_per_round = kClients;
  o.local_steps = 3;
  o.local_batch_size = 4;
  o.local_learning_rate = 0.05;
  o.exploration_epochs = 2;
  Random random(2, Stream::user);
  Vec x0(kDim);
  for (double& v : x0) v = random.normal();
  Vec x = x0;
  federated_train<double>(f, split, x, o, *sgd({.lr = constant(1.0)}));
  std::size_t frozen = 0;
  for (std::size_t j = 0; j < kDim; ++j) frozen += x[j] == x0[j] ? 1 : 0;
  EXPECT_EQ(frozen, 1u);
  EXPECT_LT(f.value(x), f.value(x0));

  const RowsLeastSquares scalar({{1}, {2}, {-1}, {0.5}}, {1, 3, 0, 2});
  const ClientSplit two = ClientSplit::from_lists({{0, 1}, {2, 3}}, 4);
  FederatedOptions s;
  s.rounds = 3;
  s.clients_per_round = 2;
  s.local_steps = 2;
  s.local_batch_size = 1;
  s.local_learning_rate = 0.1;
  Vec fedavg = {0.3}, fedlex = {0.3};
  federated_train<double>(scalar, two, fedavg, s, *sgd({.lr = constant(1.0)}));
  s.algorithm = "fedlex";
  federated_train<double>(scalar, two, fedlex, s, *sgd({.lr = constant(1.0)}));
  EXPECT_EQ(fedavg[0], fedlex[0]);
}

// A Dirichlet split with small alpha leaves empty clients; sampled ones are skipped, cost nothing,
// and the run still trains.
TEST(Federated, EmptyClientsAreSkippedWhenSampled) {
  const auto f = heterogeneous_problem(1, 12, 3, 0.0, 12);
  const ClientSplit split = ClientSplit::from_lists({{0, 1, 2, 3, 4, 5}, {}, {6, 7, 8, 9, 10, 11}, {}}, 12);
  FederatedOptions o;
  o.rounds = 6;
  o.clients_per_round = 4;
  o.local_steps = 2;
  o.local_batch_size = 3;
  o.local_learning_rate = 0.1;
  Vec x(3, 0.0);
  std::vector<std::size_t> participants;
  const auto r =
      federated_train<double>(f, split, x, o, *sgd({.lr = constant(1.0)}), [&](const FederatedRound<double>& round) {
        participants.push_back(round.participants);
        return false;
      });
  for (std::size_t p : participants) EXPECT_EQ(p, 2u);
  EXPECT_EQ(r.bytes, 6u * 2u * 2u * 3u * 8u);
  EXPECT_LT(r.value, f.value(Vec(3, 0.0)));
}

TEST(Federated, ObserverStopsTheRun) {
  const auto f = tiny_problem();
  auto o = tiny_options("fedavg");
  o.rounds = 10;
  Vec x = kStart;
  int seen = 0;
  const auto r =
      federated_train<double>(f, tiny_split(), x, o, *sgd({.lr = constant(1.0)}),
                              [&](const FederatedRound<double>& round) { return ++seen == 3 && round.round == 3; });
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.rounds, 3);
}

// A model over a Dataset, in float: the split takes its classes from label_space() (the same
// split as from the dataset itself), the server state uses the model's layout, and a few rounds
// of every algorithm lower f. A regression model has no classes to deal.
TEST(Federated, TrainsAFloatModelSplitByItsLabels) {
  const auto data =
      gaussian_clusters<float>({.samples = 400, .features = 6, .classes = 4, .separation = 3.0, .seed = 2}, 0);
  const SoftmaxRegression<float> model(data.train);
  const ClientSplitOptions split_options{.clients = 8, .partition = "dirichlet", .alpha = 0.3};
  const ClientSplit split = split_clients(model, split_options, 6);
  const ClientSplit from_data = split_clients(data.train, split_options, 6);
  for (std::size_t k = 0; k < 8; ++k) {
    const auto a = split.client(k), b = from_data.client(k);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << "client " << k;
  }
  for (const char* algorithm : {"fedavg", "fedprox", "scaffold", "fedlex"}) {
    FederatedOptions o;
    o.algorithm = algorithm;
    o.rounds = 5;
    o.clients_per_round = 4;
    o.local_batch_size = 8;
    o.local_learning_rate = 0.1f;
    std::vector<float> x(model.dimension(), 0.0f);
    const float start = model.value(x);
    const auto r = federated_train<float>(model, split, x, o, *adam({.lr = constant(0.05)}));
    EXPECT_LT(r.value, start) << algorithm;
  }
  const LeastSquares<float> regression(data.train);
  EXPECT_THROW(split_clients(regression, split_options, 0), MismatchError);
}

template <class F>
std::string config_error_of(F&& f) {
  return testing::error_of<ConfigError>(std::forward<F>(f));
}

TEST(Federated, BadInputGivesClearErrors) {
  const auto f = tiny_problem();
  const auto split = tiny_split();
  const auto server = sgd({.lr = constant(1.0)});
  auto run = [&](FederatedOptions o) {
    Vec x = kStart;
    federated_train<double>(f, split, x, o, *server);
  };
  auto o = tiny_options("fedavg");
  o.clients_per_round = 3;
  EXPECT_NE(config_error_of([&] {
              run(o);
            }).find("FederatedOptions::clients_per_round = 3 violates clients_per_round <= clients (2)"),
            std::string::npos);
  o = tiny_options("fedavg");
  o.local_learning_rate = 0;
  EXPECT_NE(config_error_of([&] { run(o); }).find("FederatedOptions::local_learning_rate = 0"), std::string::npos);
  o = tiny_options("fedprox");
  o.mu = -1;
  EXPECT_NE(config_error_of([&] { run(o); }).find("FederatedOptions::mu = -1"), std::string::npos);
  o = tiny_options("fedavg");
  o.local_batch_size = 0;
  EXPECT_NE(config_error_of([&] { run(o); }).find("FederatedOptions::local_batch_size = 0"), std::string::npos);
  o = tiny_options("fedavg");
  o.local_epochs = 0;
  EXPECT_NE(config_error_of([&] { run(o); }).find("FederatedOptions::local_epochs = 0"), std::string::npos);
  o = tiny_options("fedavg");
  o.rounds = -1;
  EXPECT_NE(config_error_of([&] { run(o); }).find("FederatedOptions::rounds = -1"), std::string::npos);
  o = tiny_options("fedlex");
  o.exploration_fraction = 0;
  EXPECT_NE(config_error_of([&] { run(o); }).find("FederatedOptions::exploration_fraction = 0"), std::string::npos);
  o = tiny_options("fedavgx");
  EXPECT_NE(config_error_of([&] { run(o); }).find("FederatedOptions::algorithm = 'fedavgx' is not one of"),
            std::string::npos);
  Vec short_x = {1, 2};
  EXPECT_THROW(federated_train<double>(f, split, short_x, tiny_options("fedavg"), *server), MismatchError);
  Vec x = kStart;
  EXPECT_THROW(federated_train<double>(f, ClientSplit::from_lists({{0}, {1}}, 2), x, tiny_options("fedavg"), *server),
               MismatchError);
}

}  // namespace
}  // namespace descent
