// d <- s(t) * d: multiplies the incoming update by a schedule's value (optax
// scale_by_schedule). chain(adam(lr=1), scale_by_schedule(cosine(...))) runs Adam under
// a cosine schedule; adam(lr=cosine(...)) is the same thing written more directly.
#pragma once

#include "descent/spec/hyperparameters.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

struct ScaleByScheduleOptions {
  static constexpr const char* kName = "ScaleByScheduleOptions";
  SchedulePtr schedule = constant(1);  // multiplier s(t), any real number (or schedule)
  static const std::vector<Field<ScaleByScheduleOptions>>& fields();
};

TransformPtr scale_by_schedule(SchedulePtr schedule);

}  // namespace descent
