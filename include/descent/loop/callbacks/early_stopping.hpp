// Convergence tests.
//   gradient: stop (converged) when ||direction|| <= gradient_tolerance, before the
//             update, so the returned parameters are the ones with the small gradient;
//   relative: stop when |f_prev - f| <= relative_tolerance * max(|f_prev|, |f|, 1e-300)
//             for `patience` consecutive steps (f as seen by the estimator).
// A tolerance of 0 switches its test off.
#pragma once

#include "descent/loop/callback.hpp"

namespace descent {

struct EarlyStoppingOptions {
  double gradient_tolerance = 0;  // >= 0
  double relative_tolerance = 0;  // >= 0
  std::int64_t patience = 1;      // >= 1 consecutive steps
};

template <class T>
class EarlyStopping final : public Callback<T> {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options);
  std::optional<Stop> before_update(const StepReport<T>& report, const LoopView<T>&) override;

 private:
  EarlyStoppingOptions options_;
  bool has_previous_ = false;
  T previous_ = 0;
  std::int64_t quiet_steps_ = 0;
};

}  // namespace descent
