// Federated training with simulated clients: one process plays the server and all K clients of
// a ClientSplit (client_split.hpp) over one FiniteSum f(x) = (1/n) sum_i f_i(x), whose client k
// owns the samples S_k, n_k = |S_k|, and the local objective f_k(x) = (1/n_k) sum_{i in S_k} f_i(x).
//
// A round t, from the server's x:
//   1. m = clients_per_round of the K clients are sampled without replacement (partial
//      Fisher-Yates on Random(seed, Stream::sampling)); the round's set S_t is processed in
//      increasing client id, so the result does not depend on the order of the draw.
//      A sampled client with no samples (a Dirichlet split can leave some empty) is skipped:
//      no local steps, no weight, no communication.
//   2. Each sampled client k starts from y = x and takes local steps y <- y - eta_l d(y) on
//      minibatches of its own samples: shuffled passes over S_k cut into batches of
//      min(local_batch_size, n_k) (the last batch of a pass may be smaller). With local_steps = 0
//      it runs local_epochs passes, so a larger client takes more steps (ceil(n_k / B) per pass,
//      as in McMahan et al.); with local_steps = s > 0 every client takes exactly s steps,
//      continuing into a new shuffled pass when one runs out. The shuffles come from
//      Random(seed, Stream::sampling, substream k + 1), positioned by the round.
//   3. The server averages the results with weights w_k = n_k / sum_{j in S_t} n_j, forms the
//      pseudo-gradient Delta = x - sum_k w_k y_k and hands it to the server transform as a
//      direction: apply(server, state, Delta, x). sgd(lr=1) gives x <- sum_k w_k y_k, FedAvg
//      exactly; sgd(lr=eta_g) FedAvg with a server step size; adam gives FedAdam, adagrad
//      FedAdagrad (Reddi et al. 2021, "Adaptive Federated Optimization"): any chain works.
//
// The local direction d(y), g = grad f_B(y) on the local batch B:
//   fedavg    d = g                                          (McMahan et al. 2017)
//   fedprox   d = g + mu (y - x)   the gradient of f_B(y) + mu/2 |y - x|^2 (Li et al. 2020)
//   scaffold  d = g - c_k + c                                (Karimireddy et al. 2020)
//             after its s_k local steps client k sets (option II)
//               c_k+ = c_k - c + (x - y) / (s_k eta_l)
//             and the server adds c <- c + sum_{k in S_t} (n_k / n_split) (c_k+ - c_k), with
//             n_split the samples of all clients. With equal client sizes n_k / n_split = 1/N and
//             this is the paper's c <- c + (|S|/N) mean_k (c_k+ - c_k); the sample weights keep
//             c = sum_k (n_k / n_split) c_k, the control variate of f's own weighting, for unequal
//             sizes. c and every c_k start at 0. A c_k is stored only once client k has been
//             sampled (until then it is 0), so K = 10^4 clients cost memory only for those seen.
//   fedlex    d = G * g (elementwise), G the guidance matrix (FedLEx, Interno et al., IJCNN 2024,
//             "Federated Loss Exploration for Improved Convergence on Non-IID Data"), built once
//             before round 1 by a federated exploration phase:
//               ceil(exploration_fraction K) clients (sampled like a round, empty ones skipped)
//               each run exploration_epochs local passes of plain local SGD from the initial x_0
//               and return y_k; the server takes the spread of each parameter,
//                 s_j = mean_k (y_kj - x_0j)^2,
//               and min-max normalizes it within each parameter group (FiniteSum::
//               parameter_groups(): a model's layers): G_j = (s_j - min s) / (max s - min s).
//             Rounds then run FedAvg with guided local steps. See federated.cpp for what the
//             paper leaves open and what was assumed.
//
// The server's sums are fixed trees. A round's non-empty sampled clients, in increasing id,
// are the leaves of ordered_sum.hpp's pairwise tree: each client contributes the row
// w_k (x - y_k) (and SCAFFOLD the row (n_k / n_split)(c_k+ - c_k), and the drift w_k |y_k - x|),
// and Delta is the tree's sum of those rows (= x - sum_k w_k y_k up to rounding, as sum w_k = 1).
// FedLEx's spread is the tree's sum of the explorers' (y_k - x_0)^2 divided by their number.
//
// Clients as ranks: the overload with a Communicator runs the same rounds on P ranks (MPI
// processes, or threads). Every rank samples the same clients (the sampler is replicated);
// client i of the round's leaf list runs on the rank r with i in segment_of(leaves, P, r), so
// each rank trains a contiguous run of the round's clients; the rows are summed across ranks
// by ordered_all_reduce, and every rank applies the server step to identical inputs and keeps
// identical x, server state and c (x is broadcast from rank 0 first). The result has the same
// bits for every P, and the overload without a Communicator is the same code on one rank.
// SCAFFOLD's c_k lives on the rank that last ran client k and travels with the client when a
// later round gives it to another rank. Each rank must pass its own objective (models keep
// workspaces) and the same split, options and server transform (checked: a MismatchError
// names the ranks that differ).
//
// Communication: a sampled non-empty client downloads x and uploads y: 2 d sizeof(T) bytes per
// round; SCAFFOLD also sends c down and c_k+ - c_k up, 4 d sizeof(T). FedLEx's exploration
// costs 2 d sizeof(T) per exploring client, once. The observer sees the running total (the
// federated protocol's traffic, the same for every P) and, separately, what this rank sent to
// the other ranks (rank_bytes_sent: once the settings check and, from rank 0, x; per round the
// ordered all-reduce of one row of d + 1 values, 2d + 1 for SCAFFOLD, about 2 (P-1)/P of it;
// the c_k that move; 8 (P-1) bytes to agree on a stop).
//
// Randomness: everything comes from the seed, so a run is reproducible bit for bit, on any
// number of ranks.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "descent/distributed/client_split.hpp"
#include "descent/distributed/communicator.hpp"
#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct FederatedOptions {
  static constexpr const char* kName = "FederatedOptions";
  std::string algorithm = "fedavg";     // fedavg, fedprox, scaffold or fedlex
  std::int64_t rounds = 100;            // communication rounds, >= 0
  std::int64_t clients_per_round = 10;  // m >= 1, at most the split's K (checked by federated_train)
  std::int64_t local_epochs = 1;        // passes over the client's samples when local_steps = 0, >= 1
  std::int64_t local_steps = 0;         // > 0: exactly this many local steps per client instead
  std::int64_t local_batch_size = 32;   // B >= 1 (capped at the client's n_k)
  double local_learning_rate = 0.01;    // eta_l > 0
  double mu = 0.01;                     // fedprox: the proximal weight, >= 0 (0 is fedavg)
  double exploration_fraction = 1;      // fedlex: C_exp in (0, 1], the share of clients that explore
  std::int64_t exploration_epochs = 5;  // fedlex: E_exp >= 1 local passes of each explorer
  std::int64_t seed = 0;                // >= 0: client sampling and local shuffles
  static const std::vector<std::string>& algorithm_choices();
  static const std::vector<Field<FederatedOptions>>& fields();
  // Throws ConfigError "FederatedOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

// What the observer sees after each round.
template <class T>
struct FederatedRound {
  std::int64_t round = 0;             // 1-based
  double value = 0;                   // f(x) over all n samples, after the server step
  std::uint64_t bytes = 0;            // communication so far (see above), exploration included
  std::uint64_t rank_bytes_sent = 0;  // what this rank sent to other ranks so far (0 on one rank)
  std::size_t participants = 0;       // sampled clients that had samples
  double client_drift = 0;            // sum_k w_k |y_k - x_round_start|: how far clients moved
  std::span<const T> x;               // the server's parameters after the round
};

// Return true to stop after this round.
template <class T>
using FederatedObserver = std::function<bool(const FederatedRound<T>&)>;

struct FederatedResult {
  std::int64_t rounds = 0;            // rounds run
  double value = 0;                   // f(x) at the end (f(x_0) when no round ran)
  std::uint64_t bytes = 0;            // communication in total
  std::uint64_t rank_bytes_sent = 0;  // what this rank sent to other ranks in total
  bool stopped = false;               // the observer asked to stop (on some rank)
};

// Runs options.rounds rounds on x (in place). `server` is the server optimizer's transform,
// its state made here for the flat layout of x (or the model's layout when the objective is a
// Model, for layer-wise transforms).
// Throws ConfigError for bad options, or clients_per_round > K
// ("FederatedOptions::clients_per_round = 20 violates clients_per_round <= clients (10)"), and
// MismatchError when x's length is not the objective's dimension or the split was made for
// another number of samples.
template <class T>
FederatedResult federated_train(const FiniteSum<T>& objective, const ClientSplit& split, std::span<T> x,
                                const FederatedOptions& options, const Transform& server,
                                const FederatedObserver<T>& observer = {});

// The same rounds with the clients spread over the ranks of `comm` (see "Clients as ranks"
// above); the overload above is this one with self_communicator(). Every rank of the group
// calls it with its own objective (the same function, its own object), the same split, options
// and server transform; x is taken from rank 0. Every rank returns the same result (except
// rank_bytes_sent) and ends with the same x, bit for bit the single-process result. The
// observer runs on every rank after every round; the run stops when it returns true on any
// rank. Throws, besides the errors above, MismatchError when the ranks' settings differ and
// CommunicationError when a rank stays silent past comm's timeout (a rank waits for the
// slowest rank's local training in each round).
template <class T>
FederatedResult federated_train(Communicator& comm, const FiniteSum<T>& objective, const ClientSplit& split,
                                std::span<T> x, const FederatedOptions& options, const Transform& server,
                                const FederatedObserver<T>& observer = {});

// FedLEx's guidance matrix from explorers' results (exposed for tests and diagnostics):
// s_j = mean_k (explored[k]_j - start_j)^2, min-max normalized within each group
// [group_bounds[g], group_bounds[g + 1]) (group_bounds as FiniteSum::parameter_groups returns
// them); a group whose spread is constant gets G = 1 there. Throws MismatchError for no
// explorer or mismatched lengths.
template <class T>
std::vector<T> fedlex_guidance(std::span<const T> start, const std::vector<std::vector<T>>& explored,
                               std::span<const std::size_t> group_bounds);

}  // namespace descent
