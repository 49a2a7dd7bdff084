// The gradient-coded estimator: data-parallel gradient descent on a simulated cluster of n
// workers of which s may straggle, with a gradient code (gradient_code.hpp) so that the
// master never waits for them. Per step:
//   1. the batch (all samples with batch_size = 0, else the next shuffled batch) is cut into
//      k = n contiguous partitions P_1 .. P_k of sizes differing by at most one;
//   2. the straggler simulator (straggler_simulator.hpp) draws every worker's finish time
//      from its load (sum of |P_j| over the s + 1 partitions it stores, in units of |B| / k)
//      and returns the first n - s responders (wait = first) or all n (wait = all);
//   3. each responder i forms its message m_i = sum_{j stores} B_ij G_j with G_j = sum_{l in
//      P_j} grad f_l(x) (and likewise its value sum), and the master decodes
//        direction = (1 / |B|) sum_{i in F} a_i m_i,
//      which is the batch's mean gradient, exactly up to the rounding bound of
//      gradient_code.hpp, whichever workers straggled.
// The direction is therefore the full (or minibatch) gradient and composes with any
// transform; what gradient coding changes is the simulated wall-clock time, reported by
// simulated_time() and last_step_time() (in units of unit_time's clock), and the work: each
// responder computes s + 1 partitions. Estimate::sample_gradients counts the per-sample
// gradients this process computed, (s + 1) times the responders' share of the batch; the
// stragglers' work, which a real cluster would also spend, is not counted.
// Randomness, all keyed by the run's seed: the cyclic code's H (Stream::user,
// kGradientCodeSubstream), the delays (Stream::user, kStragglerSubstream) and the batches
// (Stream::sampling, as minibatch's shuffled epochs). save() writes the options that define
// the state, the code's B (checked on load, so a resume with another seed fails clearly), the
// counters, the simulated time, the delay stream's position and the sampler's state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/distributed/gradient_code.hpp"
#include "descent/distributed/straggler_simulator.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct GradientCodedOptions {
  static constexpr const char* kName = "GradientCodedOptions";
  std::int64_t workers = 4;           // n in [1, kMaxGradientCodeWorkers]
  std::int64_t stragglers = 1;        // s in [0, n)
  std::string code = "cyclic";        // cyclic or fractional ((s + 1) | n)
  std::int64_t batch_size = 0;        // 0: the full gradient; else shuffled batches of this size
  std::string wait = "first";         // first: the first n - s responders; all: every worker
  double unit_time = 1;               // simulated compute time per partition, >= 0
  std::string delay = "exponential";  // none, exponential or pareto
  double delay_mean = 1;              // >= 0
  double pareto_shape = 1.5;          // > 1
  double drop_probability = 0;        // in [0, 1)
  double timeout = 0;                 // >= 0 (0: none); > 0 when drop_probability > 0
  static const std::vector<std::string>& wait_choices();
  static const std::vector<Field<GradientCodedOptions>>& fields();
  // Throws ConfigError "GradientCodedOptions::<field> = <value> violates <constraint>",
  // including stragglers >= workers, workers not divisible by stragglers + 1 (fractional) and
  // drops without a timeout.
  void validate() const;
  GradientCodeOptions code_options() const { return {workers, stragglers, code}; }
  StragglerOptions straggler_options() const {
    return {unit_time, delay, delay_mean, pareto_shape, drop_probability, timeout};
  }
};

// The field table's checks and the cross-field ones above. A non-template overload of
// hyperparameters.hpp's validate(): the registry's unqualified validate(options) finds it by
// argument-dependent lookup, so that a spec is refused when it is parsed, not when the
// estimator is built.
void validate(const GradientCodedOptions& options);

template <class T>
class GradientCoded final : public Estimator<T> {
 public:
  // Throws ConfigError for invalid options; builds the code from `seed`.
  explicit GradientCoded(GradientCodedOptions options = {}, std::uint64_t seed = 0);

  // "gradient_coded(workers=4, stragglers=1, code=cyclic, batch_size=0, ...)": the options.
  std::string spec() const override;
  // Needs a finite sum with samples (MismatchError otherwise).
  void bind(const Differentiable<T>& objective) override;
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  const GradientCodedOptions& options() const noexcept { return options_; }
  const GradientCode& code() const noexcept { return code_; }
  std::int64_t steps() const noexcept { return steps_; }
  // Attempts over all steps (> steps when drops forced restarts).
  std::int64_t attempts() const noexcept { return attempts_; }
  // Simulated time over all steps, and the last step's.
  double simulated_time() const noexcept { return simulated_time_; }
  double last_step_time() const noexcept { return last_step_time_; }
  // The last step's decoding (its workers, coefficients, residual) and batch.
  const GradientDecoding& last_decoding() const noexcept { return decoding_; }
  std::span<const std::size_t> last_batch() const noexcept { return batch_; }

 private:
  GradientCodedOptions options_;
  GradientCode code_;
  StragglerSimulator simulator_;
  SamplerPtr sampler_;  // null for the full gradient
  const FiniteSum<T>* sum_ = nullptr;
  std::vector<std::size_t> batch_;
  std::vector<std::size_t> bounds_;  // partition j is batch_[bounds_[j] .. bounds_[j + 1])
  std::vector<double> loads_;
  std::vector<T> message_, partition_gradient_;
  GradientDecoding decoding_;
  std::int64_t steps_ = 0;
  std::int64_t attempts_ = 0;
  double simulated_time_ = 0;
  double last_step_time_ = 0;
};

}  // namespace descent
