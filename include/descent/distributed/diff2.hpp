// DIFF2 (Murata & Suzuki, "DIFF2: Differential Private Optimization via Gradient Differences
// for Nonconvex Distributed Learning", ICML 2023) with its gradient-descent routine, as an
// estimator over K clients simulated in one process. The clients are a ClientSplit of the
// finite sum's samples (client p holds D_p, n_p = |D_p|, n = sum_p n_p). Step r = 0, 1, ...
// at the iterate x_r (x_{r-1} is where the previous step was taken):
//
//   refresh (r mod T = 0): client p sends
//       s_p = sum_{i in D_p} clip_{C1}(grad loss_i(x_r))                          + N(0, sigma1^2 C1^2 I)
//     and the server sets u_r = (1/n) sum_p s_p;
//   difference (otherwise): with the radius C_{2,r} = C2 ||x_r - x_{r-1}||, client p sends
//       s_p = sum_{i in D_p} clip_{C_{2,r}}(grad loss_i(x_r) - grad loss_i(x_{r-1})) + N(0, sigma2^2 C_{2,r}^2 I)
//     and the server sets u_r = u_{r-1} + (1/n) sum_p s_p;
//   direction = u_r + grad r(x_r).
//
// u_r is the SARAH / SPIDER recursive estimate of the data gradient, restarted every T steps
// (the paper's restart interval) to bound the noise it accumulates. clip_C scales a vector into
// the ball of radius C; r is the data-independent regularizer (a model's L2 term), added
// unclipped and noise-free as in dp_sgd (it costs no privacy). With the plain-SGD transform,
// x_{r+1} = x_r - eta direction is the paper's DIFF2-GD (Algorithm 1 with its GD routine); any
// other transform post-processes the private u_r and keeps the guarantee.
//
// Why it helps: a smooth loss has ||grad loss_i(x) - grad loss_i(y)|| <= L ||x - y||, so with
// C2 >= L no difference is clipped, and the noise of a difference step is proportional to the
// step just taken. Near a stationary point the steps are small and so is the noise, while
// DP-GD's noise stays sigma C / n whatever the iterate does. The paper's utility bound for
// E||grad f||^2 is O~(d^(2/3) / (n eps)^(4/3)) against DP-GD's O~(sqrt(d) / (n eps)).
//
// Choices this implementation makes where the paper leaves room (each stated again in
// diff2.cpp where it acts):
//   - Sums and noise multipliers, as dp_sgd: the paper writes the clipped *mean* of a client
//     and an absolute noise scale; here the noise is sigma times the clip radius on the clipped
//     sum (its sensitivity), which is the same mechanism with the paper's scale = sigma C / n_p.
//   - The server weighs clients by their sample counts, (1/n) sum_p s_p, so that u_r estimates
//     the gradient of the finite sum's mean f = (1/n) sum_i f_i, the objective everything else
//     in descent minimizes. The paper averages the clients' means with weight 1/P (its f is the
//     mean of the clients' objectives); for the iid split (sizes differing by at most one) the
//     two agree to O(1/n_p).
//   - The clip radius of differences is relative to the last step, C_{2,r} = C2 ||x_r -
//     x_{r-1}|| (the paper's adaptive radius): x_r and x_{r-1} are functions of earlier
//     private outputs, so the radius is public. When the step was 0 the radius is 0 and the
//     clients send exactly 0 (a constant: no privacy loss, though the ledger still counts it).
//   - Each client adds its own noise (the server sees only noised messages), as the paper's
//     workers do. Against a centralized DP-GD with one noise draw on the whole sum this costs a
//     factor sqrt(P) in the noise of u_r.
//   - Full local gradients, every sample every step (the paper's GD routine); the minibatch
//     routine it also analyses (BVR-L-SGD, with a third noise level) is not implemented.
//
// Privacy (record level). Neighbouring datasets differ by adding or removing one sample of one
// client, the client sizes n_p (and so n) being public, as DP-SGD treats n. Only that client's
// message changes, by at most the clip radius of the step, so a refresh is a Gaussian mechanism
// of noise multiplier sigma1 and a difference step one of multiplier sigma2 (both without
// subsampling: q = 1), composed adaptively over the run. Gaussian mechanisms compose exactly
// into one: with s1 refreshes and s2 differences, the run is the Gaussian mechanism with
//   mu^2 = s1 / sigma1^2 + s2 / sigma2^2
// (Renyi DP alpha mu^2 / 2 at every order; Dong, Roth & Su's mu-GDP), which is also what
// s1 + s2 steps of one multiplier sigma_eq = sqrt((s1 + s2) / mu^2) give. privacy_ledger()
// reports that equivalent entry {sigma_eq, 1, s1 + s2}, so that every front end (train's
// summary, compare, Python) turns it into epsilon unchanged; privacy_compositions() lists the
// two parts, {sigma1, 1, s1} and {sigma2, 1, s2}, which any accountant composes to the same
// epsilon (the RDP accountant to rounding, the PLD one within its discretization bound).
// Under replace-one neighbours (the other common relation) the sensitivity doubles: the run's
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
  double noise_multiplier = 1;             // sigma1 > 0: refresh noise N(0, sigma1^2 C1^2) on a client's sum
  double difference_clip = 1;              // C2 > 0: differences clipped to C2 ||x_r - x_{r-1}||
  double difference_noise_multiplier = 1;  // sigma2 > 0: N(0, sigma2^2 C_{2,r}^2) on a client's sum
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
  std::int64_t steps_ = 0;
  std::uint64_t noise_position_ = 0;
  double last_radius_ = 0;
  std::vector<T> previous_x_;              // x_{r-1}
  std::vector<T> estimate_;                // u_{r-1}, then u_r
  std::vector<T> message_;                 // one client's noisy sum
  std::vector<T> regularizer_difference_;  // grad r(x_r) - grad r(x_{r-1})
  std::vector<T> at_x_, at_previous_;      // per-sample gradients of a chunk of samples
};

}  // namespace descent
