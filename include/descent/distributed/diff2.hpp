// DIFF2 (Murata & Suzuki, "DIFF2: Differential Private Optimization via Gradient Differences
// for Nonconvex Distributed Learning", ICML 2023, arXiv:2302.03884) with its gradient-descent
// routine, as an estimator over P clients simulated in one process.
//
// What the paper specifies (Algorithms 1-3, Theorem 4.3 and the experiments), in its indexing
// (rounds r = 1..R, iterates x_0, x_1, ..., x_{-1} = x_0). Sources: the algorithms' names and
// signatures as the paper lists them, a digest of its method and of Theorem 4.3 (the recursion,
// the adaptive radius, RDP composition, the rate and T), its experimental settings, and a
// recollection of the paper; the 1/P weights and where the noise sits follow from its notation
// (Clipped Mean, n_min P) rather than from a line of the algorithm box, which was not reachable:
// see the assumptions below.
//   - Problem. P workers, worker p holding D_p (n_p = |D_p|, n_min = min_p n_p); the objective is
//     the mean of the workers' empirical risks, f = (1/P) sum_p f_p, f_p = (1/n_p) sum_{z in D_p}
//     loss(., z): every worker weighs 1/P, whatever its n_p.
//   - Algorithm 2, Clipped Mean({v_i}, C): the mean over i of v_i scaled into the ball of radius C.
//   - Algorithm 1, DIFF2(x_0, sigma_1, sigma_2, C_1, C_2, T, R, routine arguments). Round r:
//       restart round ((r - 1) mod T = 0): worker p sends the Clipped Mean, radius C_1, of its
//         per-sample gradients at x_{r-1}, plus Gaussian noise of scale sigma_1;
//       other rounds: with the adaptive radius C_{2,r} = C_2 ||x_{r-1} - x_{r-2}||, worker p
//         sends the Clipped Mean, radius C_{2,r}, of its per-sample gradient differences
//         grad loss(x_{r-1}, z) - grad loss(x_{r-2}, z), plus Gaussian noise whose scale is
//         sigma_2 times ||x_{r-1} - x_{r-2}|| (so proportional to C_{2,r});
//       the server averages the P messages with weight 1/P into v~_r on a restart round and adds
//         that average to v~_{r-1} otherwise (the SARAH / SPIDER recursion, restarted every T
//         rounds so that the noise it accumulates stays bounded);
//       x_r = routine(x_{r-1}, v~_r); the output x_out is an iterate drawn uniformly at random.
//   - Algorithm 3, GD-Routine(x_{r-1}, v~_r, eta): x_r = x_{r-1} - eta v~_r.
//     (Algorithm 4, BVR-L-SGD-Routine, local minibatch steps with a third noise level sigma_3 and
//     clip C_3, is the paper's other routine; it is not implemented here.)
//   - Privacy. (epsilon, delta)-DP of the run at the record level, proved through Renyi DP: every
//     round is a Gaussian mechanism whose noise is proportional to its clip radius (C_1, or
//     C_{2,r}, where the radius is a function of earlier private outputs and so public), the
//     R/T restart rounds and the R - R/T difference rounds compose additively in RDP, and the sum
//     is converted to (epsilon, delta). The noise levels are calibrated to n_min P: the utility,
//     Theorem 4.3, is E||grad f(x_out)||^2 = O~((L G d)^(2/3) / (n_min P epsilon)^(4/3)) with
//     T = Theta((G^2 sqrt(d) / (L n_min P epsilon))^(2/3) R), against DP-GD's O~(sqrt(d) / (n
//     epsilon)); the experiments use epsilon in {3, 5}, delta = 1e-5.
//
// This implementation. Step r = 0, 1, ... at the iterate x_r (x_{r-1}: the previous step's), P
// the clients holding samples, n_min the smallest of their sizes:
//
//   refresh (r mod T = 0): client p sends
//       m_p = (1/n_p) sum_{i in D_p} clip_{C1}(grad loss_i(x_r))                  + N(0, s_r^2 I)
//     and the server sets u_r = (1/P) sum_p m_p;
//   difference (otherwise): with C_{2,r} = C2 ||x_r - x_{r-1}||, client p sends
//       m_p = (1/n_p) sum_{i in D_p} clip_{C_{2,r}}(grad loss_i(x_r) - grad loss_i(x_{r-1})) + N(0, s_r^2 I)
//     and the server sets u_r = u_{r-1} + (1/P) sum_p m_p;
//   each client's noise share is s_r = sigma C_r / (n_min sqrt(P)) (sigma = sigma1, C_r = C1 on a
//   refresh; sigma = sigma2, C_r = C_{2,r} on a difference), so that the noise of the average,
//   (1/P) sum_p N(0, s_r^2 I) = N(0, (sigma C_r / (n_min P))^2 I), is sigma times the average's
//   sensitivity C_r / (n_min P);
//   direction = u_r + grad r(x_r).
//
// r is the data-independent regularizer (a model's L2 term), added unclipped and noise-free as in
// dp_sgd (it costs no privacy). With the plain-SGD transform x_{r+1} = x_r - eta direction is
// Algorithm 1 with Algorithm 3 (DIFF2-GD); any other transform post-processes u_r.
//
// Why it helps: a smooth loss has ||grad loss_i(x) - grad loss_i(y)|| <= L ||x - y||, so with
// C2 >= L no difference is clipped, and a difference step's noise is proportional to the step just
// taken; near a stationary point the steps, and so the noise, shrink, while DP-GD's noise stays
// sigma C / n.
//
// Assumptions (the paper's text reached this code through excerpts and a digest, not the full
// algorithm box and proofs; each is restated in diff2.cpp where it acts):
//   - Noise multipliers instead of absolute scales: sigma1, sigma2 here are multiples of the
//     average's sensitivity (above), which makes the ledger a plain Gaussian one; the paper's
//     absolute per-worker scales are sigma1 C1 / (n_min sqrt(P)) and sigma2 C2 / (n_min sqrt(P))
//     (the latter times ||x_r - x_{r-1}||). That the noise is calibrated to the average (central
//     DP of the released u_r, not of each message) is inferred from the n_min P in Theorem 4.3:
//     per-message calibration would give n_min sqrt(P). So a single message m_p, were it
//     published, is private only at multiplier sigma / sqrt(P); the guarantee covers u_r and
//     everything computed from it (the model), as when the server is trusted or the clients'
//     messages are securely aggregated.
//   - Clients with no samples (a dirichlet split can deal none) take no part: P and n_min count
//     the clients holding samples. The paper's workers all hold data.
//   - The returned point is train()'s last iterate, not the uniformly drawn x_out of the theorem.
//   - Neighbouring datasets: see Privacy below (add/remove with public n_p; replace-one halves
//     every multiplier).
//
// Privacy (record level). Neighbouring datasets differ by adding or removing one sample of one
// client, the client sizes n_p being public (as DP-SGD treats n): that client's clipped sum moves
// by at most the step's radius C_r, its mean by C_r / n_p, and the server's average by at most
// C_r / (n_p P) <= C_r / (n_min P). A refresh is thus a Gaussian mechanism of noise multiplier
// sigma1, a difference step one of sigma2 (both without subsampling: q = 1), composed adaptively
// over the run, as the paper composes them in RDP. Gaussian mechanisms compose exactly into one:
// with s1 refreshes and s2 differences, the run is the Gaussian mechanism with
//   mu^2 = s1 / sigma1^2 + s2 / sigma2^2
// (Renyi DP alpha mu^2 / 2 at every order; Dong, Roth & Su's mu-GDP), which is also what s1 + s2
// steps of one multiplier sigma_eq = sqrt((s1 + s2) / mu^2) give. privacy_ledger() reports that
// equivalent entry {sigma_eq, 1, s1 + s2}, so that every front end (train's summary, compare,
// Python) turns it into epsilon unchanged; privacy_compositions() lists the two parts,
// {sigma1, 1, s1} and {sigma2, 1, s2}, which any accountant composes to the same epsilon (the RDP
// accountant to rounding, the PLD one within its discretization bound). Under replace-one
// neighbours (the relation of the paper's DP-ERM lineage) the sensitivity doubles: the run's
// epsilon is that of the same ledger with every noise multiplier halved.
//
// Randomness: the split from Random(seed, Stream::data) (split_clients); the noise from the
// Philox stream (seed, Stream::noise) through add_gaussian_noise (dp_sgd.hpp), client after
// client, 4 ceil(d / 2) draws each per step; with `secure` from getrandom(2) instead.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/distributed/client_split.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/privacy/accountant.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct Diff2Options {
  static constexpr const char* kName = "Diff2Options";
  std::int64_t clients = 10;               // P >= 1 (and <= the number of samples)
  std::string partition = "iid";           // iid or dirichlet (ClientSplitOptions)
  double alpha = 0.5;                      // dirichlet concentration > 0
  std::int64_t restart = 10;               // T >= 1: a refresh every T steps (T = 1: distributed DP-GD)
  double clip_norm = 1;                    // C1 > 0: per-sample clip of a refresh's gradients
  double noise_multiplier = 1;             // sigma1 > 0: refresh noise sigma1 C1 / (n_min P) on u_r
  double difference_clip = 1;              // C2 > 0: differences clipped to C2 ||x_r - x_{r-1}||
  double difference_noise_multiplier = 1;  // sigma2 > 0: difference noise sigma2 C_{2,r} / (n_min P) on u_r
  bool secure = false;                     // noise from getrandom(2) instead of the seeded stream
  static const std::vector<Field<Diff2Options>>& fields();
  // Throws ConfigError "Diff2Options::<field> = <value> violates <constraint>".
  void validate() const;
  ClientSplitOptions split_options() const { return {clients, partition, alpha}; }
};

template <class T>
class Diff2 final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges. `seed` keys the client split and the
  // noise (a secure estimator draws its noise from the system).
  explicit Diff2(Diff2Options options = {}, std::uint64_t seed = 0);

  // "diff2(clients=10, partition=iid, ...)": the options, never the seed.
  std::string spec() const override;
  // Needs a finite sum with samples (MismatchError otherwise) and at least `clients` of them
  // (ConfigError naming Diff2Options::clients); deals the samples to the clients.
  void bind(const Differentiable<T>& objective) override;
  // One refresh or difference step (see above). Returns f(x) over all samples (the clients'
  // values on a refresh, one more pass on a difference step): the run's loss curve, not a
  // private quantity.
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  // Every sample every step: train() makes an epoch one step.
  std::optional<double> samples_per_step(std::size_t n) const override { return static_cast<double>(n); }
  // The exact single-multiplier equivalent of the run (see above): {sigma_eq, 1, steps}
  // ({sigma1, 1, 0} before the first step).
  std::optional<GaussianSteps> privacy_ledger() const override;
  // The run as composed: refreshes at sigma1, then differences at sigma2 (entries of 0 steps
  // left out), each with sampling rate 1.
  std::vector<GaussianSteps> privacy_compositions() const;

  // The options that define the state (checked on load), the step count, the noise position,
  // the client sizes (a resume with another split fails), x_{r-1} and u_{r-1}.
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  const Diff2Options& options() const noexcept { return options_; }
  // After bind(): the clients' samples.
  const ClientSplit& split() const noexcept { return split_; }
  // After bind(): P and n_min of the noise scale, over the clients holding samples.
  std::size_t participating_clients() const noexcept { return participating_; }
  std::size_t smallest_client() const noexcept { return smallest_client_; }
  std::int64_t steps() const noexcept { return steps_; }
  // Refresh steps so far: ceil(steps / T).
  std::int64_t refreshes() const noexcept;
  // The last difference step's clip radius C_{2,r} (0 before any).
  double last_difference_radius() const noexcept { return last_radius_; }
  // u_r, the private estimate of the data gradient (without grad r).
  std::span<const T> data_gradient_estimate() const noexcept { return estimate_; }
  std::uint64_t noise_position() const noexcept { return noise_position_; }

 private:
  // message = sum over the client's samples of clip_radius(grad loss_i(x) - grad loss_i(x_prev)).
  void clipped_difference_sum(std::span<const std::size_t> samples, std::span<const T> x, T radius,
                              std::span<T> message);
  void add_noise(T stddev, std::span<T> message);

  Diff2Options options_;
  std::uint64_t seed_;
  const FiniteSum<T>* sum_ = nullptr;
  ClientSplit split_;
  std::size_t dimension_ = 0;
  std::size_t participating_ = 0;    // P: clients holding samples
  std::size_t smallest_client_ = 0;  // n_min over them
  std::int64_t steps_ = 0;
  std::uint64_t noise_position_ = 0;
  double last_radius_ = 0;
  std::vector<T> previous_x_;              // x_{r-1}
  std::vector<T> estimate_;                // u_{r-1}, then u_r
  std::vector<T> message_;                 // one client's clipped sum, then its noisy mean
  std::vector<T> regularizer_difference_;  // grad r(x_r) - grad r(x_{r-1})
  std::vector<T> at_x_, at_previous_;      // per-sample gradients of a chunk of samples
};

}  // namespace descent
