// Stops the run before a NaN or Inf can reach the parameters: checks the estimate's
// value and direction before every update. Since the update is skipped, the parameters
// stay the last finite ones. (A finite direction that a transform turns into Inf —
// overflow in a state — is outside its reach; such transforms should clip first.)
#pragma once

#include "descent/loop/callback.hpp"

namespace descent {

template <class T>
class NonFiniteGuard final : public Callback<T> {
 public:
  std::optional<Stop> before_update(const StepReport<T>& report, const LoopView<T>&) override;
};

}  // namespace descent
