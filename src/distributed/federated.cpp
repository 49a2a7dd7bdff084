#include "descent/distributed/federated.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "descent/distributed/collectives.hpp"
#include "descent/distributed/ordered_sum.hpp"
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

// The bytes this rank sends to other ranks, counted on the way through (a message to oneself
// is a copy, not traffic). Exact whatever the collectives do inside.
class CountingCommunicator final : public Communicator {
 public:
  explicit CountingCommunicator(Communicator& inner) : inner_(inner) { set_timeout_seconds(inner.timeout_seconds()); }
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  std::string transport() const override { return inner_.transport(); }
  void exchange(std::span<const Outgoing> out, std::span<const Incoming> in, std::string_view what) override {
    for (const Outgoing& o : out)
      if (o.peer != inner_.rank()) sent_ += o.bytes.size();
    inner_.exchange(out, in, what);
  }
  [[noreturn]] void abort(const std::string& message, int exit_code) override {
    inner_.abort(message, exit_code);
    throw CommunicationError(message, {});  // not reached: [[noreturn]] does not pass through a virtual call
  }
  std::uint64_t sent() const { return sent_; }

 private:
  Communicator& inner_;
  std::uint64_t sent_ = 0;
};

// One rank's share of a federated run. With one rank it is the whole simulation; with P ranks
// every rank holds the server's state (x, the transform state, c, G and the sampler), trains the
// round's clients segment_of(leaves, P, rank) and takes part in the ordered sums.
//
// SCAFFOLD's c_k travel with their client. The alternative, a fixed owner per client (k mod P),
// would keep c_k still, but the ranks' clients would then interleave in the round's sorted list,
// while ordered_all_reduce (and so the bits' independence of P) needs each rank's leaves to be a
// contiguous run: the rows would have to be moved instead, d values per client and round, where
// moving c_k costs d values only for the clients that change rank. Contiguous runs also balance
// every round (at most one client more per rank), which k mod P does not. Every rank knows where
// each c_k is (holder_: the rank that last ran client k), because the sampling is replicated.
template <class T>
class FederatedRun {
 public:
  FederatedRun(Communicator& comm, const FiniteSum<T>& objective, const ClientSplit& split, std::span<T> x,
               const FederatedOptions& options, const Transform& server)
      : comm_(comm),
        f_(objective),
        split_(split),
        x_(x),
        o_(options),
        server_(server),
        algorithm_(algorithm_of(options.algorithm)),
        d_(x.size()),
        row_(algorithm_ == Algorithm::scaffold ? 2 * d_ + 1 : d_ + 1),
        layout_(layout_for(objective, x.size())),
        state_(init_state<T>(server, layout_)),
        sampler_(static_cast<std::uint64_t>(options.seed), Stream::sampling, 0),
        order_(split.num_clients()),
        y_(d_),
        g_(d_),
        delta_(d_),
        sum_(row_) {
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    if (algorithm_ == Algorithm::scaffold) {
      c_.assign(d_, T(0));
      c_client_.resize(split.num_clients());
      holder_.assign(split.num_clients(), -1);
    }
  }

  FederatedResult run(const FederatedObserver<T>& observer) {
    FederatedResult result;
    check_same_on_every_rank(comm_, settings(), "checking the federated settings");
    broadcast(comm_, x_, 0, "broadcasting the initial parameters");
    if (algorithm_ == Algorithm::fedlex) explore();
    result.value = static_cast<double>(f_.value(x_));
    for (std::int64_t round = 1; round <= o_.rounds; ++round) {
      FederatedRound<T> report = one_round(round);
      result.rounds = round;
      result.value = report.value;
      const bool stop_here = observer && observer(report);
      // Every rank must leave after the same round: one rank's observer decides for all.
      const std::string what = "agreeing on a stop (federated round " + std::to_string(round) + ")";
      if (all_max(comm_, stop_here ? 1.0 : 0.0, what) > 0) {
        result.stopped = true;
        break;
      }
    }
    result.bytes = bytes_;
    result.rank_bytes_sent = comm_.sent();
    return result;
  }

 private:
  static ParameterLayout layout_for(const FiniteSum<T>& objective, std::size_t d) {
    if (const auto* model = dynamic_cast<const Model<T>*>(&objective)) return model->layout();
    return ParameterLayout::flat(d);
  }

  // What every rank must agree on (the objective's data cannot be compared cheaply; its shape is).
  std::string settings() const {
    return to_spec("federated", o_) + " server=" + server_.spec() + " objective=" + f_.name() +
           " d=" + std::to_string(d_) + " n=" + std::to_string(f_.num_samples()) +
           " clients=" + std::to_string(split_.num_clients()) + " assigned=" + std::to_string(split_.num_assigned()) +
           " bytes_per_value=" + std::to_string(sizeof(T));
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

  // The sampled clients that have samples: the leaves of the round's sums (empty clients are
  // skipped, client_split.hpp).
  std::vector<std::size_t> non_empty(const std::vector<std::size_t>& clients) const {
    std::vector<std::size_t> kept;
    for (std::size_t k : clients)
      if (split_.client_size(k) > 0) kept.push_back(k);
    return kept;
  }

  // The rank that trains leaf i of `leaves`.
  int rank_of_leaf(std::size_t i, std::size_t leaves) const {
    for (int r = 0; r < comm_.size(); ++r)
      if (i < segment_of(leaves, comm_.size(), r).end) return r;
    return comm_.size() - 1;
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

  // FedLEx's exploration phase (see the comment at the top of this file). The explorers' rows
  // (y_k - x_0)^2 are summed in the ordered tree, like a round's.
  void explore() {
    const std::size_t k = split_.num_clients();
    const auto m =
        std::min<std::size_t>(k, static_cast<std::size_t>(std::ceil(o_.exploration_fraction * static_cast<double>(k))));
    const std::vector<std::size_t> explorers = non_empty(sample_clients(m));
    bytes_ += explorers.size() * 2 * d_ * sizeof(T);
    if (explorers.empty()) {  // every explorer was empty: no information, unguided steps
      guidance_.assign(d_, T(1));
      return;
    }
    const Segment mine = segment_of(explorers.size(), comm_.size(), comm_.rank());
    rows_.assign(mine.size() * d_, T(0));
    for (std::size_t i = mine.begin; i < mine.end; ++i) {
      local_train(explorers[i], 0, o_.exploration_epochs, 0, [](std::span<T>) {});
      T* row = rows_.data() + (i - mine.begin) * d_;
      for (std::size_t j = 0; j < d_; ++j) {
        const double dev = static_cast<double>(y_[j]) - static_cast<double>(x_[j]);
        row[j] = static_cast<T>(dev * dev);
      }
    }
    std::vector<T> total(d_);
    ordered_all_reduce<T>(comm_, explorers.size(), d_, rows_, total, "summing the FedLEx explorers' spread");
    std::vector<double> spread(d_);
    for (std::size_t j = 0; j < d_; ++j)
      spread[j] = static_cast<double>(total[j]) / static_cast<double>(explorers.size());
    const auto bounds = f_.parameter_groups();
    normalize_groups(spread, bounds, guidance_);
  }

  // SCAFFOLD: brings the c_k of this rank's clients of the round from the ranks that hold them
  // (one exchange, skipped by every rank alike when no c_k changes rank). A client never run
  // has c_k = 0 and nothing to move.
  void move_control_variates(const std::vector<std::size_t>& leaves, std::int64_t round) {
    const int p = comm_.size(), me = comm_.rank();
    if (p == 1) return;
    std::vector<int> to(leaves.size());
    bool any = false;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      to[i] = rank_of_leaf(i, leaves.size());
      const int from = holder_[leaves[i]];
      any = any || (from >= 0 && from != to[i]);
    }
    if (!any) return;
    // One message per peer and direction: the moving c_k, in increasing client id.
    std::vector<std::vector<T>> send(static_cast<std::size_t>(p)), receive(static_cast<std::size_t>(p));
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      const std::size_t k = leaves[i];
      const int from = holder_[k];
      if (from < 0 || from == to[i]) continue;
      if (from == me) {
        auto& buffer = send[static_cast<std::size_t>(to[i])];
        buffer.insert(buffer.end(), c_client_[k].begin(), c_client_[k].end());
        c_client_[k] = {};  // it lives on the new rank from now on
      } else if (to[i] == me) {
        receive[static_cast<std::size_t>(from)].resize(receive[static_cast<std::size_t>(from)].size() + d_);
      }
    }
    std::vector<Outgoing> out;
    std::vector<Incoming> in;
    for (int r = 0; r < p; ++r) {
      const auto ru = static_cast<std::size_t>(r);
      if (!send[ru].empty()) out.push_back({r, std::as_bytes(std::span<const T>(send[ru]))});
      if (!receive[ru].empty()) in.push_back({r, std::as_writable_bytes(std::span<T>(receive[ru]))});
    }
    comm_.exchange(out, in,
                   "moving SCAFFOLD's client control variates (federated round " + std::to_string(round) + ")");
    std::vector<std::size_t> unpacked(static_cast<std::size_t>(p), 0);
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      const std::size_t k = leaves[i];
      const int from = holder_[k];
      if (from < 0 || from == to[i] || to[i] != me) continue;
      std::size_t& at = unpacked[static_cast<std::size_t>(from)];
      const auto& buffer = receive[static_cast<std::size_t>(from)];
      c_client_[k].assign(buffer.begin() + static_cast<std::ptrdiff_t>(at),
                          buffer.begin() + static_cast<std::ptrdiff_t>(at + d_));
      at += d_;
    }
  }

  // Client k's local training of the round and its row of the server's sums, written to `row`:
  // w_k (x - y_k), for SCAFFOLD then (n_k / n_split)(c_k+ - c_k), and last w_k |y_k - x|.
  void train_client(std::size_t k, std::int64_t round, double w, std::span<T> row) {
    std::int64_t steps = 0;
    switch (algorithm_) {
      case Algorithm::fedavg:
        steps = local_train(k, round, o_.local_epochs, o_.local_steps, [](std::span<T>) {});
        break;
      case Algorithm::fedprox: {
        const T mu = static_cast<T>(o_.mu);
        steps = local_train(k, round, o_.local_epochs, o_.local_steps, [&](std::span<T> g) {
          for (std::size_t j = 0; j < d_; ++j) g[j] += mu * (y_[j] - x_[j]);
        });
        break;
      }
      case Algorithm::scaffold: {
        const std::vector<T>& ck = c_client_[k];
        steps = local_train(k, round, o_.local_epochs, o_.local_steps, [&](std::span<T> g) {
          if (ck.empty()) {
            for (std::size_t j = 0; j < d_; ++j) g[j] += c_[j];
          } else {
            for (std::size_t j = 0; j < d_; ++j) g[j] += c_[j] - ck[j];
          }
        });
        break;
      }
      case Algorithm::fedlex:
        steps = local_train(k, round, o_.local_epochs, o_.local_steps, [&](std::span<T> g) {
          for (std::size_t j = 0; j < d_; ++j) g[j] *= guidance_[j];
        });
        break;
    }
    double moved = 0;
    for (std::size_t j = 0; j < d_; ++j) {
      const double step = static_cast<double>(x_[j]) - static_cast<double>(y_[j]);
      row[j] = static_cast<T>(w * step);
      moved += step * step;
    }
    if (algorithm_ == Algorithm::scaffold)
      update_control_variate(k, steps,
                             static_cast<double>(split_.client_size(k)) / static_cast<double>(split_.num_assigned()),
                             row.subspan(d_, d_));
    row[row_ - 1] = static_cast<T>(w * std::sqrt(moved));
  }

  FederatedRound<T> one_round(std::int64_t round) {
    const std::vector<std::size_t> leaves = non_empty(sample_clients(static_cast<std::size_t>(o_.clients_per_round)));
    double drift = 0;
    if (!leaves.empty()) {
      std::size_t total = 0;
      for (std::size_t k : leaves) total += split_.client_size(k);
      if (algorithm_ == Algorithm::scaffold) move_control_variates(leaves, round);
      const Segment mine = segment_of(leaves.size(), comm_.size(), comm_.rank());
      rows_.assign(mine.size() * row_, T(0));
      for (std::size_t i = mine.begin; i < mine.end; ++i) {
        const std::size_t k = leaves[i];
        const double w = static_cast<double>(split_.client_size(k)) / static_cast<double>(total);
        train_client(k, round, w, std::span<T>(rows_).subspan((i - mine.begin) * row_, row_));
      }
      ordered_all_reduce<T>(comm_, leaves.size(), row_, rows_, sum_,
                            "summing the clients' updates (federated round " + std::to_string(round) + ")");
      std::copy_n(sum_.begin(), d_, delta_.begin());
      apply(server_, state_, std::span<T>(delta_), x_, layout_);
      if (algorithm_ == Algorithm::scaffold) {
        for (std::size_t j = 0; j < d_; ++j) c_[j] += sum_[d_ + j];
        for (std::size_t i = 0; i < leaves.size(); ++i) holder_[leaves[i]] = rank_of_leaf(i, leaves.size());
      }
      drift = static_cast<double>(sum_[row_ - 1]);
      bytes_ += leaves.size() * (algorithm_ == Algorithm::scaffold ? 4 : 2) * d_ * sizeof(T);
    }
    FederatedRound<T> report;
    report.round = round;
    report.value = static_cast<double>(f_.value(x_));
    report.bytes = bytes_;
    report.rank_bytes_sent = comm_.sent();
    report.participants = leaves.size();
    report.client_drift = drift;
    report.x = x_;
    return report;
  }

  // SCAFFOLD option II after client k's `steps` local steps (y_ holds its result):
  // c_k+ = c_k - c + (x - y) / (steps eta_l); the server's correction gathers weight (c_k+ - c_k),
  // written to `row`.
  void update_control_variate(std::size_t k, std::int64_t steps, double weight, std::span<T> row) {
    std::vector<T>& ck = c_client_[k];
    if (ck.empty()) ck.assign(d_, T(0));
    const double scale = 1.0 / (static_cast<double>(steps) * o_.local_learning_rate);
    for (std::size_t j = 0; j < d_; ++j) {
      const double change =
          -static_cast<double>(c_[j]) + (static_cast<double>(x_[j]) - static_cast<double>(y_[j])) * scale;
      ck[j] = static_cast<T>(static_cast<double>(ck[j]) + change);
      row[j] = static_cast<T>(weight * change);
    }
  }

  CountingCommunicator comm_;
  const FiniteSum<T>& f_;
  const ClientSplit& split_;
  std::span<T> x_;
  const FederatedOptions& o_;
  const Transform& server_;
  Algorithm algorithm_;
  std::size_t d_;
  std::size_t row_;  // values per client in the server's sums
  ParameterLayout layout_;
  TransformState<T> state_;
  Random sampler_;
  std::vector<std::size_t> order_;
  std::vector<std::size_t> perm_;
  std::vector<T> y_, g_, delta_;
  std::vector<T> rows_;                   // this rank's clients' rows, leaf after leaf
  std::vector<T> sum_;                    // the ordered sum of every client's row
  std::vector<T> c_;                      // scaffold: the server's control variate
  std::vector<std::vector<T>> c_client_;  // scaffold: c_k held here, empty until client k runs here
  std::vector<int> holder_;               // scaffold: the rank that holds c_k, -1 before k first runs
  std::vector<T> guidance_;               // fedlex: G
  std::uint64_t bytes_ = 0;
};

}  // namespace

template <class T>
FederatedResult federated_train(Communicator& comm, const FiniteSum<T>& objective, const ClientSplit& split,
                                std::span<T> x, const FederatedOptions& options, const Transform& server,
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
  FederatedRun<T> run(comm, objective, split, x, options, server);
  return run.run(observer);
}

template <class T>
FederatedResult federated_train(const FiniteSum<T>& objective, const ClientSplit& split, std::span<T> x,
                                const FederatedOptions& options, const Transform& server,
                                const FederatedObserver<T>& observer) {
  const CommunicatorPtr alone = self_communicator();
  return federated_train<T>(*alone, objective, split, x, options, server, observer);
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
template FederatedResult federated_train<float>(Communicator&, const FiniteSum<float>&, const ClientSplit&,
                                                std::span<float>, const FederatedOptions&, const Transform&,
                                                const FederatedObserver<float>&);
template FederatedResult federated_train<double>(Communicator&, const FiniteSum<double>&, const ClientSplit&,
                                                 std::span<double>, const FederatedOptions&, const Transform&,
                                                 const FederatedObserver<double>&);
template std::vector<float> fedlex_guidance<float>(std::span<const float>, const std::vector<std::vector<float>>&,
                                                   std::span<const std::size_t>);
template std::vector<double> fedlex_guidance<double>(std::span<const double>, const std::vector<std::vector<double>>&,
                                                     std::span<const std::size_t>);

}  // namespace descent
