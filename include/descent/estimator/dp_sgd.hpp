// DP-SGD (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016) as an estimator:
// the direction of one step is
//
//   g = ( sum_{i in B} clip_C(grad loss_i(x)) + N(0, sigma^2 C^2 I) ) / E|B|  +  grad r(x)
//
// with B a batch (Poisson subsampling at rate q, or shuffled epochs of a fixed size), clip_C
// scaling a gradient into the ball of radius C (flat, or each layer to C / sqrt(layers): see
// GradientClipping in objective.hpp), sigma the noise multiplier, E|B| the expected batch size
// (q n for Poisson sampling, the batch size for shuffling) and r the data-independent
// regularizer (a model's L2 term). Any transform turns g into an update: DP-Adam is
// dp_sgd(...) followed by adam, DP-SGD with momentum by momentum, and so on; the privacy of
// the run comes only from g (post-processing cannot weaken it).
//
// Cost: the clipped sum comes from FiniteSum::clipped_gradient_sum, which models compute by
// ghost clipping in one forward and backward pass (model.hpp); the noise costs one Gaussian
// draw per parameter per step.
//
// Privacy ledger: each step is one run of the subsampled Gaussian mechanism with noise
// multiplier sigma and sampling rate q; privacy_ledger() returns the GaussianSteps that a
// PrivacyAccountant (privacy/accountant.hpp) turns into (epsilon, delta). With shuffling the
// ledger records q = batch_size / n, the convention implementations use when they shuffle;
// the Poisson-subsampling analysis then does not strictly apply (Chua et al., "How Private
// are DP-SGD Implementations?", ICML 2024, show that shuffled batches can leak more), so a
// shuffled run's epsilon is an estimate, not a guarantee.
//
// Randomness: batches come from the sampler's Philox stream (Stream::sampling) and the noise
// from the Philox stream Stream::noise, both keyed by the seed, so that a run is reproducible
// and a checkpoint resumes it bit for bit. With `secure` the noise is drawn from the operating
// system's cryptographically secure generator (getrandom(2)) instead, and the batches from a
// Philox key drawn from it too: a reader of the code and the seed can then predict neither.
// A secure run is not reproducible; it uses the seed for nothing, so the run's seed (which
// reports may print) tells nothing about its batches or its noise, and spec() never contains
// a seed either way.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/privacy/accountant.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct DpSgdOptions {
  static constexpr const char* kName = "DpSgdOptions";
  double clip_norm = 1;              // C > 0: every sample's clipped gradient has norm <= C
  double noise_multiplier = 1;       // sigma > 0: the noise on the clipped sum is N(0, sigma^2 C^2 I)
  std::string sampling = "poisson";  // poisson (rate q) or shuffle (batch_size)
  double rate = 0.01;                // poisson: each sample joins a batch with probability q in (0, 1]
  std::int64_t batch_size = 256;     // shuffle: samples per batch, >= 1
  std::string clipping = "flat";     // flat (one norm per sample) or per_layer (C / sqrt(layers) per layer)
  bool secure = false;               // noise (and the batches' key) from getrandom(2) instead of Philox
  static const std::vector<std::string>& sampling_choices();
  static const std::vector<std::string>& clipping_choices();
  static const std::vector<Field<DpSgdOptions>>& fields();
  // Throws ConfigError "DpSgdOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
class DpSgd final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges. `seed` keys the batch sampling
  // (Stream::sampling: the batches of Minibatch over the same sampler and seed) and the noise
  // (Stream::noise); a secure estimator ignores it.
  explicit DpSgd(DpSgdOptions options = {}, std::uint64_t seed = 0);

  // "dp_sgd(clip_norm=1, noise_multiplier=1, sampling=poisson, rate=0.01, batch_size=256,
  // clipping=flat, secure=false)": the options, never the seed.
  std::string spec() const override;
  // Needs a finite sum with samples (MismatchError otherwise).
  void bind(const Differentiable<T>& objective) override;
  // One clipped_gradient_sum on the batch, the noise, the division by E|B|, grad r(x).
  // Returns f_B(x) as clipped_gradient_sum does (0 for an empty batch; it is the batch's
  // value, not a private quantity: a private run should not publish it).
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  // The options that change the meaning of the state (checked on load), the steps taken, the
  // noise stream's position and the sampler's state.
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  const DpSgdOptions& options() const noexcept { return options_; }
  // After bind(): q n (poisson) or min(batch_size, n) (shuffle), the divisor of the sum.
  double expected_batch_size() const noexcept { return expected_batch_; }
  // After bind(): the steps run so far as the accountant sees them: {sigma, q, steps}, with
  // q = rate (poisson) or min(batch_size, n) / n (shuffle: the usual convention, see above).
  std::optional<GaussianSteps> privacy_ledger() const override;
  // q n (poisson) or min(batch_size, n) (shuffle): train() makes an epoch n / this steps.
  std::optional<double> samples_per_step(std::size_t n) const override;
  std::int64_t steps() const noexcept { return steps_; }
  double epochs() const { return sampler_->epochs(); }
  // The last step's batch (for tests and diagnostics).
  std::span<const std::size_t> last_batch() const noexcept { return batch_; }
  // The position of the Philox noise stream (draws used so far; 4 per pair of parameters per step).
  std::uint64_t noise_position() const noexcept { return noise_position_; }

 private:
  DpSgdOptions options_;
  std::uint64_t seed_;
  SamplerPtr sampler_;
  GradientClipping clipping_;
  const FiniteSum<T>* sum_ = nullptr;
  std::size_t samples_ = 0;
  double expected_batch_ = 0;
  std::int64_t steps_ = 0;
  std::uint64_t noise_position_ = 0;
  std::vector<std::size_t> batch_;
};

// out[j] += stddev z_j for j < out.size(), with z standard normals from the Philox stream
// (seed, Stream::noise) read from `position` on (a multiple of 4): pair m takes the four draws
// at position + 4 m, as Random::uniform_open_zero() then Random::uniform() would read them
// (u1 in (0, 1], u2 in [0, 1), 53 bits each), and gives both Box-Muller values
//   z_{2m} = sqrt(-2 ln u1) cos(2 pi u2),   z_{2m+1} = sqrt(-2 ln u1) sin(2 pi u2)
// (the last pair's second value is dropped when out.size() is odd). The radius is computed in
// double (its tail reaches 8.6 standard deviations), the angle's cosine and sine in T. Values
// are pure functions of (seed, position + index): any thread count gives the same bits.
// Returns the draws used, 4 ceil(out.size() / 2).
template <class T>
std::uint64_t add_gaussian_noise(std::uint64_t seed, std::uint64_t position, T stddev, std::span<T> out);

// The same transform applied to uniforms from the operating system's cryptographically
// secure generator (getrandom(2), 16 bytes per pair). Throws Error when the system refuses.
template <class T>
void add_secure_gaussian_noise(T stddev, std::span<T> out);

}  // namespace descent
