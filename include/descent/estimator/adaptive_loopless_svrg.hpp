// L-SVRG with adaptive sampling (Zhao, Lyu & Kolar, "L-SVRG and L-Katyusha with Adaptive
// Sampling", TMLR 2023, arXiv 2201.13387). L-SVRG (loopless_svrg.hpp) with the batch
// drawn i.i.d. from a distribution p^t that is learned while the iterates move, with no
// smoothness constants given. With non-uniform p the control variate is unbiased by
// the weights 1 / (n p_i):
//   direction = grad f(w) + (1/|B|) sum_k (grad f_{i_k}(x) - grad f_{i_k}(w)) / (n p_{i_k}),
// and E[direction] = grad f(w) + (1/n) sum_i (grad f_i(x) - grad f_i(w)) = grad f(x).
//
// Learning p is an online convex problem (the paper's view): at step t the sampler pays
//   l_t(p) = (1/n^2) sum_i a_i / p_i,   a_i = |grad f_i(x_t) - grad f_i(w_t)|^2,
// the second moment of the correction term, minimized by p_i proportional to sqrt(a_i).
// Only the drawn samples' a_i are observed (bandit feedback), and
//   ghat_i = -(1/|B|) sum_{k: i_k = i} a_i / (n^2 p_i^3)
// is an unbiased estimate of the gradient of l_t at p^t. The paper runs online stochastic
// mirror descent with the entropy mirror map (an exponentiated-gradient step) on the
// simplex restricted to p_i >= alpha / n. Here (see docs, "Deviations"):
//   - p = (1 - alpha) q + alpha / n, and the exponentiated-gradient step acts on q:
//     q_i <- q_i exp(-eta_t (1 - alpha) ghat_i), which keeps p_i >= alpha / n like the
//     paper's restricted simplex but makes every update O(log n) (the KL projection onto
//     {p_i >= alpha / n} would need a sort per step);
//   - the step eta_t is made free of the problem's scale: the observations are divided by
//     |x_t - w_t|^2 (a positive per-step factor, which leaves each l_t's minimizer
//     unchanged) and by the running mean of the resulting loss estimates, so that
//     `learning_rate` is the change of log q_i per data pass at the optimal p; one
//     exponent is capped at 1 (a weight grows at most e-fold per draw).
// The sampler update reuses the gradients the step computed: it costs no extra data pass.
#pragma once

#include <memory>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/snapshot.hpp"
#include "descent/estimator/adaptive_sampling_distribution.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct AdaptiveLooplessSvrgOptions {
  static constexpr const char* kName = "AdaptiveLooplessSvrgOptions";
  std::int64_t batch_size = 1;  // |B| >= 1, drawn with replacement from p
  double probability = 0;       // snapshot chance per step in [0, 1]; 0: |B| / n
  double alpha = 0.1;           // uniform share in (0, 1]: p_i >= alpha / n
  double learning_rate = 1;     // > 0: exponentiated-gradient step, per data pass
  static const std::vector<Field<AdaptiveLooplessSvrgOptions>>& fields();
};

template <class T>
class AdaptiveLooplessSvrg final : public Estimator<T> {
 public:
  // Throws ConfigError for options outside their ranges. `seed` seeds the draws and, on
  // its own substream, the snapshot coin (the same streams as LooplessSvrg).
  explicit AdaptiveLooplessSvrg(AdaptiveLooplessSvrgOptions options = {}, std::uint64_t seed = 0);
  std::string spec() const override;
  void bind(const Differentiable<T>& objective) override;
  // The value is f_B(x), the plain mean of the drawn samples' values.
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  double probability() const noexcept { return snapshot_.probability(); }
  std::int64_t snapshots() const noexcept { return snapshot_.count(); }
  // The distribution the next step draws from.
  const WeightedSampler& sampler() const noexcept { return distribution_.sampler(); }
  // The indices the last step drew, and the p_i they were drawn with.
  const std::vector<std::size_t>& last_batch() const noexcept { return batch_; }
  const std::vector<double>& last_probabilities() const noexcept { return probabilities_; }

 private:
  AdaptiveLooplessSvrgOptions options_;
  AdaptiveSamplingDistribution distribution_;
  const FiniteSum<T>* sum_ = nullptr;
  LooplessSnapshot<T> snapshot_;  // with its coin and count
  std::vector<std::size_t> batch_;
  std::vector<double> probabilities_, observed_;  // p_{i_k} and a_{i_k} of the last step
};

}  // namespace descent
