#include "descent/distributed/federated.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/model/model.hpp"
#include "descent/transform/apply.hpp"

// FedLEx: what the paper leaves open, and what this implementation assumes.
// The method section of the paper was only partly accessible; the rule implemented follows its
// abstract (clients compute per-parameter deviations, the server forms a guidance matrix that
// rescales the clients' gradients in later rounds), a summary of its method (an exploration phase
// of C_exp of the clients for E_exp local epochs, then G_global guiding the gradient updates) and
// the authors' public code, which computes the spread mean_k (y_k - base)^2 per parameter,
// min-max normalizes it per parameter tensor and multiplies it into each local gradient.
// Assumed here:
//   - the base of the deviations is the server's initial x_0, from which every explorer starts
//     (the authors' code measures them from a base model trained for one epoch by one client);
//   - G is built once, from all explorers, and kept for every round;
//   - normalization is per FiniteSum::parameter_groups() group (a layer's weight and bias
//     together) rather than per tensor; a group whose spread is constant gets G = 1 there (the
//     formula would divide by zero);
//   - explorers and clients run plain SGD with the rounds' local learning rate and batch size
//     (the paper's experiments use Adam locally);
//   - FedLEx is combined with FedAvg's aggregation (the paper applies the guidance on top of
//     several algorithms; other combinations are not offered).

namespace descent {

const std::vector<std::string>& FederatedOptions::algorithm_choices() {
  static const std::vector<std::string> c = {"fedavg", "fedprox", "scaffold", "fedlex"};
  return c;
}

const std::vector<Field<FederatedOptions>>& FederatedOptions::fields() {
  using O = FederatedOptions;
  static const std::vector<Field<O>> f = {
      {"algorithm", &O::algorithm, Range::any(),
       "the local direction: fedavg g, fedprox g + mu (y - x), scaffold g - c_k + c, fedlex G * g",
       &algorithm_choices()},
      {"rounds", &O::rounds, Range::non_negative(), "communication rounds"},
      {"clients_per_round", &O::clients_per_round, Range::at_least(1),
       "m: clients sampled without replacement per round"},
      {"local_epochs", &O::local_epochs, Range::at_least(1),
       "passes over the client's samples per round (when local_steps = 0)"},
      {"local_steps", &O::local_steps, Range::non_negative(),
       "> 0: exactly this many local steps per client and round, whatever its size"},
      {"local_batch_size", &O::local_batch_size, Range::at_least(1), "B: samples per local step (at most n_k)"},
      {"local_learning_rate", &O::local_learning_rate, Range::positive(), "eta_l: y <- y - eta_l d"},
      {"mu", &O::mu, Range::non_negative(), "fedprox: weight of mu/2 |y - x|^2 in the local objective"},
      {"exploration_fraction", &O::exploration_fraction, Range{0, 1, true, false},
       "fedlex: C_exp, the share of clients that explore before round 1"},
      {"exploration_epochs", &O::exploration_epochs, Range::at_least(1),
       "fedlex: E_exp, local passes of each explorer"},
      {"seed", &O::seed, Range::non_negative(), "client sampling and local shuffles"}};
  return f;
}

void FederatedOptions::validate() const { descent::validate(*this); }

namespace {

enum class Algorithm { fedavg, fedprox, scaffold, fedlex };

Algorithm algorithm_of(const std::string& name) {
  if (name == "fedprox") return Algorithm::fedprox;
  if (name == "scaffold") return Algorithm::scaffold;
  if (name == "fedlex") return Algorithm::fedlex;
  return Algorithm::fedavg;
}

// Each round's local shuffles read their own window of 2^40 draws of a client's stream.
constexpr unsigned kRoundWindowBits = 40;

// In place: spread -> guidance, min-max within each group.
template <class T>
void normalize_groups(std::vector<double>& spread, std::span<const std::size_t> bounds, std::vector<T>& guidance) {
  guidance.assign(spread.size(), T(1));
  for (std::size_t g = 0; g + 1 < bounds.size(); ++g) {
    const std::size_t lo = bounds[g], hi = bounds[g + 1];
    if (lo >= hi) continue;
    const auto [min_it, max_it] = std::minmax_element(spread.begin() + lo, spread.begin() + hi);
    const double min = *min_it, range = *max_it - *min_it;
    if (!(range > 0)) continue;  // constant spread: no information, G = 1
    for (std::size_t j = lo; j < hi; ++j) guidance[j] = static_cast<T>((spread[j] - min) / range);
  }
}

template <class T>
class FederatedRun {
 public:
  FederatedRun(const FiniteSum<T>& objective, const ClientSplit& split, std::span<T> x, const FederatedOptions& options,
               const Transform& server)
      : f_(objective),
        split_(split),
        x_(x),
        o_(options),
        server_(server),
        algorithm_(algorithm_of(options.algorithm)),
        d_(x.size()),
        layout_(layout_for(objective, x.size())),
        state_(init_state<T>(server, layout_)),
        sampler_(static_cast<std::uint64_t>(options.seed), Stream::sampling, 0),
        order_(split.num_clients()),
        y_(d_),
        g_(d_),
        delta_(d_),
        average_(d_) {
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    if (algorithm_ == Algorithm::scaffold) {
      c_.assign(d_, T(0));
      c_delta_.assign(d_, 0.0);
      c_client_.resize(split.num_clients());
    }
  }

  FederatedResult run(const FederatedObserver<T>& observer) {
    FederatedResult result;
    if (algorithm_ == Algorithm::fedlex) explore();
    result.value = static_cast<double>(f_.value(x_));
    for (std::int64_t round = 1; round <= o_.rounds; ++round) {
      FederatedRound<T> report = one_round(round);
      result.rounds = round;
      result.value = report.value;
      if (observer && observer(report)) {
        result.stopped = true;
        break;
      }
    }
    result.bytes = bytes_;
    return result;
  }

 private:
  static ParameterLayout layout_for(const FiniteSum<T>& objective, std::size_t d) {
    if (const auto* model = dynamic_cast<const Model<T>*>(&objective)) return model->layout();
    return ParameterLayout::flat(d);
  }

  // m distinct client ids, in increasing order (partial Fisher-Yates on the persistent order_:
  // a random permutation of a permutation is still uniform, so order_ is never reset).
  std::vector<std::size_t> sample_clients(std::size_t m) {
    const std::size_t k = order_.size();
    for (std::size_t i = 0; i < m; ++i) std::swap(order_[i], order_[i + sampler_.below(k - i)]);
    std::vector<std::size_t> chosen(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(m));
    std::sort(chosen.begin(), chosen.end());
    return chosen;
  }

  // Client k's local training from x_ into y_, for `passes` shuffled passes or, when steps > 0,
  // exactly `steps` steps. Returns the steps taken. `direction` turns the batch gradient g_
  // (at y_) into the local direction in place.
  template <class Direction>
  std::int64_t local_train(std::size_t k, std::int64_t round, std::int64_t passes, std::int64_t steps,
                           Direction direction) {
    const auto data = split_.client(k);
    const std::size_t n_k = data.size();
    const std::size_t batch = std::min<std::size_t>(static_cast<std::size_t>(o_.local_batch_size), n_k);
    const std::int64_t per_pass = static_cast<std::int64_t>((n_k + batch - 1) / batch);
    const std::int64_t total = steps > 0 ? steps : passes * per_pass;
    perm_.assign(data.begin(), data.end());
    Random random(static_cast<std::uint64_t>(o_.seed), Stream::sampling, static_cast<std::uint32_t>(k + 1));
    random.seek(static_cast<std::uint64_t>(round) << kRoundWindowBits);
    std::copy(x_.begin(), x_.end(), y_.begin());
    const T eta = static_cast<T>(o_.local_learning_rate);
    std::size_t position = n_k;
    for (std::int64_t s = 0; s < total; ++s) {
      if (position >= n_k) {
        for (std::size_t i = n_k; i > 1; --i) std::swap(perm_[i - 1], perm_[random.below(i)]);
        position = 0;
      }
      const std::size_t len = std::min(batch, n_k - position);
      f_.batch_value_and_gradient(y_, std::span<const std::size_t>(perm_).subspan(position, len), g_);
      position += len;
      direction(std::span<T>(g_));
      for (std::size_t j = 0; j < d_; ++j) y_[j] -= eta * g_[j];
    }
    return total;
  }

  // FedLEx's exploration phase (see the comment at the top of this file).
  void explore() {
    const std::size_t k = split_.num_clients();
    const auto m =
        std::min<std::size_t>(k, static_cast<std::size_t>(std::ceil(o_.exploration_fraction * static_cast<double>(k))));
    std::vector<double> spread(d_, 0.0);
    std::size_t explorers = 0;
    for (std::size_t client : sample_clients(m)) {
      if (split_.client_size(client) == 0) continue;
      local_train(client, 0, o_.exploration_epochs, 0, [](std::span<T>) {});
      for (std::size_t j = 0; j < d_; ++j) {
        const double dev = static_cast<double>(y_[j]) - static_cast<double>(x_[j]);
        spread[j] += dev * dev;
      }
      ++explorers;
      bytes_ += 2 * d_ * sizeof(T);
    }
    if (explorers == 0) {  // every explorer was empty: no information, unguided steps
      guidance_.assign(d_, T(1));
      return;
    }
    for (double& s : spread) s /= static_cast<double>(explorers);
    const auto bounds = f_.parameter_groups();
    normalize_groups(spread, bounds, guidance_);
  }

  FederatedRound<T> one_round(std::int64_t round) {
    const auto clients = sample_clients(static_cast<std::size_t>(o_.clients_per_round));
    std::size_t total = 0;
    for (std::size_t k : clients) total += split_.client_size(k);
    std::fill(average_.begin(), average_.end(), 0.0);
    if (algorithm_ == Algorithm::scaffold) std::fill(c_delta_.begin(), c_delta_.end(), 0.0);
    const double n_split = static_cast<double>(split_.num_assigned());
    const T mu = static_cast<T>(o_.mu);
    double drift = 0;
    std::size_t participants = 0;
    for (std::size_t k : clients) {
      const std::size_t n_k = split_.client_size(k);
      if (n_k == 0) continue;  // an empty client: skipped (client_split.hpp)
      ++participants;
      std::int64_t steps = 0;
      switch (algorithm_) {
        case Algorithm::fedavg:
          steps = local_train(k, round, o_.local_epochs, o_.local_steps, [](std::span<T>) {});
          break;
        case Algorithm::fedprox:
          steps = local_train(k, round, o_.local_epochs, o_.local_steps, [&](std::span<T> g) {
            for (std::size_t j = 0; j < d_; ++j) g[j] += mu * (y_[j] - x_[j]);
          });
          break;
        case Algorithm::scaffold: {
          const std::vector<T>& ck = c_client_[k];
          steps = local_train(k, round, o_.local_epochs, o_.local_steps, [&](std::span<T> g) {
            if (ck.empty()) {
              for (std::size_t j = 0; j < d_; ++j) g[j] += c_[j];
            } else {
              for (std::size_t j = 0; j < d_; ++j) g[j] += c_[j] - ck[j];
            }
          });
          update_control_variate(k, steps, static_cast<double>(n_k) / n_split);
          break;
        }
        case Algorithm::fedlex:
          steps = local_train(k, round, o_.local_epochs, o_.local_steps, [&](std::span<T> g) {
            for (std::size_t j = 0; j < d_; ++j) g[j] *= guidance_[j];
          });
          break;
      }
      const double w = static_cast<double>(n_k) / static_cast<double>(total);
      double moved = 0;
      for (std::size_t j = 0; j < d_; ++j) {
        average_[j] += w * static_cast<double>(y_[j]);
        const double step = static_cast<double>(y_[j]) - static_cast<double>(x_[j]);
        moved += step * step;
      }
      drift += w * std::sqrt(moved);
      bytes_ += (algorithm_ == Algorithm::scaffold ? 4 : 2) * d_ * sizeof(T);
    }
    if (participants > 0) {
      for (std::size_t j = 0; j < d_; ++j) delta_[j] = static_cast<T>(static_cast<double>(x_[j]) - average_[j]);
      apply(server_, state_, std::span<T>(delta_), x_, layout_);
      if (algorithm_ == Algorithm::scaffold)
        for (std::size_t j = 0; j < d_; ++j) c_[j] = static_cast<T>(static_cast<double>(c_[j]) + c_delta_[j]);
    }
    FederatedRound<T> report;
    report.round = round;
    report.value = static_cast<double>(f_.value(x_));
    report.bytes = bytes_;
    report.participants = participants;
    report.client_drift = drift;
    report.x = x_;
    return report;
  }

  // SCAFFOLD option II after client k's `steps` local steps (y_ holds its result):
  // c_k+ = c_k - c + (x - y) / (steps eta_l); the server's correction gathers weight (c_k+ - c_k).
  void update_control_variate(std::size_t k, std::int64_t steps, double weight) {
    std::vector<T>& ck = c_client_[k];
    if (ck.empty()) ck.assign(d_, T(0));
    const double scale = 1.0 / (static_cast<double>(steps) * o_.local_learning_rate);
    for (std::size_t j = 0; j < d_; ++j) {
      const double change =
          -static_cast<double>(c_[j]) + (static_cast<double>(x_[j]) - static_cast<double>(y_[j])) * scale;
      ck[j] = static_cast<T>(static_cast<double>(ck[j]) + change);
      c_delta_[j] += weight * change;
    }
  }

  const FiniteSum<T>& f_;
  const ClientSplit& split_;
  std::span<T> x_;
  const FederatedOptions& o_;
  const Transform& server_;
  Algorithm algorithm_;
  std::size_t d_;
  ParameterLayout layout_;
  TransformState<T> state_;
  Random sampler_;
  std::vector<std::size_t> order_;
  std::vector<std::size_t> perm_;
  std::vector<T> y_, g_, delta_;
  std::vector<double> average_;
  std::vector<T> c_;                      // scaffold: the server's control variate
  std::vector<double> c_delta_;           // scaffold: this round's sum of weighted c_k changes
  std::vector<std::vector<T>> c_client_;  // scaffold: c_k, empty until client k is sampled
  std::vector<T> guidance_;               // fedlex: G
  std::uint64_t bytes_ = 0;
};

}  // namespace

template <class T>
FederatedResult federated_train(const FiniteSum<T>& objective, const ClientSplit& split, std::span<T> x,
                                const FederatedOptions& options, const Transform& server,
                                const FederatedObserver<T>& observer) {
  options.validate();
  require(static_cast<std::uint64_t>(options.clients_per_round) <= split.num_clients(), FederatedOptions::kName,
          "clients_per_round", static_cast<double>(options.clients_per_round),
          "clients_per_round <= clients (" + std::to_string(split.num_clients()) + ")");
  if (x.size() != objective.dimension())
    throw MismatchError("federated_train: x has " + std::to_string(x.size()) + " entries, but '" + objective.name() +
                        "' has dimension " + std::to_string(objective.dimension()));
  if (split.num_samples() != objective.num_samples())
    throw MismatchError("federated_train: the client split was made for " + std::to_string(split.num_samples()) +
                        " samples, but '" + objective.name() + "' has " + std::to_string(objective.num_samples()));
  FederatedRun<T> run(objective, split, x, options, server);
  return run.run(observer);
}

template <class T>
std::vector<T> fedlex_guidance(std::span<const T> start, const std::vector<std::vector<T>>& explored,
                               std::span<const std::size_t> group_bounds) {
  if (explored.empty()) throw MismatchError("fedlex_guidance: no explorer's result");
  if (group_bounds.size() < 2 || group_bounds.front() != 0 || group_bounds.back() != start.size())
    throw MismatchError("fedlex_guidance: the group bounds must run from 0 to " + std::to_string(start.size()));
  std::vector<double> spread(start.size(), 0.0);
  for (std::size_t k = 0; k < explored.size(); ++k) {
    if (explored[k].size() != start.size())
      throw MismatchError("fedlex_guidance: explorer " + std::to_string(k) + " has " +
                          std::to_string(explored[k].size()) + " parameters, the start " +
                          std::to_string(start.size()));
    for (std::size_t j = 0; j < start.size(); ++j) {
      const double dev = static_cast<double>(explored[k][j]) - static_cast<double>(start[j]);
      spread[j] += dev * dev;
    }
  }
  for (double& s : spread) s /= static_cast<double>(explored.size());
  std::vector<T> guidance;
  normalize_groups(spread, group_bounds, guidance);
  return guidance;
}

template FederatedResult federated_train<float>(const FiniteSum<float>&, const ClientSplit&, std::span<float>,
                                                const FederatedOptions&, const Transform&,
                                                const FederatedObserver<float>&);
template FederatedResult federated_train<double>(const FiniteSum<double>&, const ClientSplit&, std::span<double>,
                                                 const FederatedOptions&, const Transform&,
                                                 const FederatedObserver<double>&);
template std::vector<float> fedlex_guidance<float>(std::span<const float>, const std::vector<std::vector<float>>&,
                                                   std::span<const std::size_t>);
template std::vector<double> fedlex_guidance<double>(std::span<const double>, const std::vector<std::vector<double>>&,
                                                     std::span<const std::size_t>);

}  // namespace descent
