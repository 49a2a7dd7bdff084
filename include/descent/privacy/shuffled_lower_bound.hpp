// A lower bound on the epsilon of DP-SGD with shuffled batches (Chua, Ghazi, Kamath, Kumar,
// Manurangsi, Sinha & Zhang, "How Private are DP-SGD Implementations?", ICML 2024).
//
// Accountants (pld_accountant.hpp, rdp_accountant.hpp) assume Poisson subsampling; most
// implementations shuffle the data and cut it into T = 1/q batches per epoch instead. For the
// shuffled mechanism (ABLQ_S in the paper) no tight accountant is known, but a lower bound
// shows how far the Poisson figure can be from the truth. The paper's pair of adjacent
// datasets (n = T b records of query value -1 in D', plus one record of value +1 in D; b
// records per batch, so that removing the record leaves one batch a slot short) makes the
// noisy batch sums, shifted by b, the mixtures
//     P = (1/T) sum_t N(2 e_t, s^2 I_T)   (with the record)
//     Q = (1/T) sum_t N(e_t, s^2 I_T)     (without it)
// where t is the batch the record (or the gap) falls in. Any post-processing can only lower a
// hockey-stick divergence, so the pair of distributions of the largest batch sum
// M = max_t x_t, with the closed forms P(M <= c) = Phi((c-2)/s) Phi(c/s)^(T-1) and
// Q(M <= c) = Phi((c-1)/s) Phi(c/s)^(T-1), gives valid lower bounds on the shuffled
// mechanism's delta(epsilon) (the paper's "cube" sets {max_t x_t <= c}):
//     delta(eps) >= max over c of  P(M > c) - e^eps Q(M > c)   and  Q(M <= c) - e^eps P(M <= c)
// (both adjacency directions). One epoch is computed exactly. E epochs (reshuffled each
// epoch) compose E independent copies: the first E-1 epochs' losses l(M) = log(f_P(M)/f_Q(M))
// are sampled (Monte Carlo, Philox stream) and the last epoch's best threshold set is
// integrated exactly given their sum, so that
//     delta_E(eps) >= E_P[ H(eps - l(M_1) - ... - l(M_{E-1})) ],  H the one-epoch bound;
// its lower confidence bound is Maurer & Pontil's empirical Bernstein bound (2009, Thm 4),
// with a union bound over the grid of candidate epsilons.
#pragma once

#include <cstdint>

namespace descent {

struct ShuffledEpsilonBound {
  // With probability >= 1 - failure_probability over the Monte Carlo draws (exactly, for one
  // epoch), the shuffled mechanism is not (eps, delta)-DP for any eps < epsilon: the true
  // epsilon of shuffled DP-SGD is at least this.
  double epsilon = 0;
  // The same from the Monte Carlo mean instead of its confidence bound (equal to epsilon for
  // one epoch).
  double epsilon_estimate = 0;
  // The lower bound on delta at `epsilon` that certified it (>= the target delta).
  double certified_delta = 0;
};

// The one-epoch lower bound on delta(epsilon) of shuffled DP-SGD with T batches per epoch
// and noise multiplier sigma: the larger of the two directions' best threshold sets of the
// largest batch sum. Exact given those sets; no sampling.
double shuffled_delta_lower_bound(double noise_multiplier, std::int64_t batches_per_epoch, double epsilon);

// Monte Carlo estimate for epochs >= 2 of the lower bound on delta at epsilon (see above), for
// the direction with the larger mean: its mean, standard error, and the lower confidence
// bound that holds with probability >= 1 - failure_probability.
struct ShuffledDeltaEstimate {
  double mean = 0;
  double standard_error = 0;
  double lower = 0;
};
ShuffledDeltaEstimate shuffled_delta_monte_carlo(double noise_multiplier, std::int64_t batches_per_epoch,
                                                 std::int64_t epochs, double epsilon, std::int64_t samples,
                                                 std::uint64_t seed = 1, double failure_probability = 1e-3);

// The largest epsilon at which the shuffled mechanism (sigma, T batches per epoch, `epochs`
// epochs, each reshuffled) is certified not to be (epsilon, delta)-DP; 0 when none is. With
// several epochs, the larger of the exact one-epoch bound (the run reveals its first epoch)
// and the Monte Carlo one.
// `samples` Monte Carlo draws (used when epochs >= 2; 10% of them choose a truncation level
// for the confidence bound, the rest estimate), from the Philox stream of `seed`.
// Throws ConfigError naming the argument for sigma <= 0, T < 1, epochs < 1, delta outside
// (0, 1), samples < 100 (with epochs >= 2) or failure_probability outside (0, 1).
ShuffledEpsilonBound shuffled_epsilon_lower_bound(double noise_multiplier, std::int64_t batches_per_epoch,
                                                  std::int64_t epochs, double delta, std::int64_t samples,
                                                  std::uint64_t seed = 1, double failure_probability = 1e-3);

}  // namespace descent
