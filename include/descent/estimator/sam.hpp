// Sharpness-aware minimization: SAM (Foret, Kleiner, Mobahi & Neyshabur, "Sharpness-Aware
// Minimization for Efficiently Improving Generalization", ICLR 2021) and its adaptive
// variant ASAM (Kwon, Kim, Park & Choi, "ASAM: Adaptive Sharpness-Aware Minimization for
// Scale-Invariant Learning of Deep Neural Networks", ICML 2021). Per step, for one batch B
// (the whole objective when batch_size = 0) used for both gradients:
//   g         = grad f_B(x)
//   SAM:  eps = rho g / ||g||
//   ASAM: eps = rho T^2 g / ||T g||,   T = diag(|x_i| + eta)
//   direction = grad f_B(x + eps)
// eps maximizes the linearization f_B(x) + g . eps over the ball ||eps|| <= rho (ASAM: over
// the ellipsoid ||T^-1 eps|| <= rho, which scales with the parameters). The direction then goes
// through any transform chain, so "SAM with Adam" is this estimator and adam().
// The value reported is f_B(x), at the unperturbed point. When the scaled gradient is
// exactly 0 (or not finite) there is no ascent direction: eps = 0, and the direction is g
// itself, without a second call.
// Why it prefers flat minima: to first order in rho, grad f(x + rho g/||g||) =
// grad f + rho H g / ||g|| = grad (f + rho ||grad f||), so SAM descends f plus rho times the
// gradient norm, which is large on the walls of sharp minima. Compagnoni, Biggio, Orvieto
// et al., "An SDE for Modeling SAM: Theory and Insights" (ICML 2023) model the stochastic
// iteration by an SDE.
#pragma once

#include <cstdint>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct SamOptions {
  static constexpr const char* kName = "SamOptions";
  double rho = 0.05;            // radius of the ascent step, rho >= 0 (0: the plain gradient)
  bool adaptive = false;        // ASAM: eps = rho T^2 g / ||T g||, T = diag(|x_i| + eta)
  double eta = 0.01;            // ASAM's T = |x| + eta, eta >= 0 (keeps T > 0 at x_i = 0); unused by SAM
  std::int64_t batch_size = 0;  // 0: the full gradient; else shuffled minibatches of this size
  static const std::vector<Field<SamOptions>>& fields();
  // Throws ConfigError "SamOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
class Sam final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges. `seed` seeds the batch sampling
  // stream (unused when batch_size = 0).
  explicit Sam(SamOptions options = {}, std::uint64_t seed = 0);

  // "sam(rho=0.05, adaptive=false, eta=0.01, batch_size=0)": every option; the seed is the
  // run's own and not part of the spec (as for the other estimators).
  std::string spec() const override;
  // batch_size > 0 needs a FiniteSum with samples (MismatchError otherwise). Sizes every
  // buffer, so that estimate() allocates nothing.
  void bind(const Differentiable<T>& objective) override;
  // Two objective calls (one when there is no ascent direction); sample_gradients counts
  // 2 |B| for a batch, 2 n for the full gradient of a finite sum, 0 for other objectives.
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  // The batch size (a check on load) and the sampler's position.
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  const SamOptions& options() const noexcept { return options_; }
  // Epochs of the batch sampler so far (0 with the full gradient).
  double epochs() const { return sampler_ ? sampler_->epochs() : 0.0; }

 private:
  // perturbed_ <- x + eps; false when there is no ascent direction (eps = 0).
  bool perturb(std::span<const T> x, std::span<const T> gradient);

  SamOptions options_;
  SamplerPtr sampler_;                 // null when batch_size = 0
  const FiniteSum<T>* sum_ = nullptr;  // the bound objective as a finite sum, if it is one
  std::size_t dimension_ = 0;
  bool bound_ = false;
  std::int64_t samples_per_call_ = 0;  // full gradient: n for a finite sum, 0 otherwise
  std::vector<std::size_t> batch_;
  AlignedBuffer<T> perturbed_;    // x + eps (holds T g first, for ASAM's norm)
  std::vector<double> partials_;  // tile partials of the norm (deterministic)
};

}  // namespace descent
