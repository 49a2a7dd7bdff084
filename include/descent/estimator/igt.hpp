// Implicit gradient transport, IGT (Arnold, Manzagol, Babanezhad, Mitliagkas & Le Roux,
// "Reducing the variance in online optimization by transporting past gradients", NeurIPS
// 2019). An average of past stochastic gradients is biased because they were taken at old
// iterates; IGT moves the point where the new gradient is taken so that, on a quadratic,
// the bias cancels exactly:
//   shifted = x_t + gamma_t / (1 - gamma_t) (x_t - x_{t-1})
//   v_t     = gamma_t v_{t-1} + (1 - gamma_t) grad f_{B_t}(shifted),      v_0 = grad f_{B_0}(x_0)
//   direction = v_t
// with gamma_t = t / (t + 1) (the anytime average; t = steps before this one), or a constant
// gamma (the paper's heavy-ball variant). For quadratics whose samples share one Hessian,
// v_t equals the mean of all sampled gradients re-evaluated at x_t (tested). The direction
// goes through any transform: with sgd it is IGT-SGD; chain(normalize, sgd) gives the
// normalized-step IGT used by N-PG-IGT (Fatkhullin, Barakat, Kireeva & He, ICML 2023) for
// policy gradients. The value reported is f_B at the shifted point, the one the step saw.
#pragma once

#include <cstdint>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/estimator/estimator.hpp"
#include "descent/estimator/sampler.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct IgtOptions {
  static constexpr const char* kName = "IgtOptions";
  double gamma = 0;             // 0: the anytime average gamma_t = t / (t + 1); else a constant in (0, 1)
  std::int64_t batch_size = 0;  // 0: the full gradient; else shuffled minibatches of this size
  static const std::vector<Field<IgtOptions>>& fields();
  void validate() const;
};

template <class T>
class Igt final : public Estimator<T> {
 public:
  explicit Igt(IgtOptions options = {}, std::uint64_t seed = 0);

  std::string spec() const override;
  // batch_size > 0 needs a FiniteSum with samples (MismatchError otherwise).
  void bind(const Differentiable<T>& objective) override;
  // One objective call per step.
  Estimate<T> estimate(const Differentiable<T>& objective, std::span<const T> x, std::span<T> direction) override;
  // Steps taken, the previous iterate, the transported average and the sampler's position.
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  const IgtOptions& options() const noexcept { return options_; }
  // gamma_t of the step after `steps` steps.
  double gamma(std::int64_t steps) const;

 private:
  IgtOptions options_;
  SamplerPtr sampler_;
  const FiniteSum<T>* sum_ = nullptr;
  std::size_t dimension_ = 0;
  bool bound_ = false;
  std::int64_t samples_per_call_ = 0;
  std::int64_t steps_ = 0;
  std::vector<std::size_t> batch_;
  AlignedBuffer<T> previous_x_, average_, shifted_;
};

}  // namespace descent
