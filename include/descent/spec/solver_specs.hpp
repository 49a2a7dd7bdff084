// Solvers named in the spec grammar, for the CLI and Python:
//   lkatyusha(smoothness=L, strong_convexity=mu, adaptive_sampling=true, ...)
//       -> LooplessKatyushaOptions (solver/loopless_katyusha.hpp)
// The step budget and the seed are the run's (--steps, --seed), not part of the spec.
#pragma once

#include <string>
#include <string_view>

#include "descent/solver/loopless_katyusha.hpp"

namespace descent {

// Throws ParseError (with the column) or ConfigError naming the field. Range checks only:
// smoothness > 0 is checked when the solver runs, so that a message can say where L comes from.
LooplessKatyushaOptions parse_solver(std::string_view spec);
std::string to_spec(const LooplessKatyushaOptions& options);

}  // namespace descent
