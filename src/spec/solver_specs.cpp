#include "descent/spec/solver_specs.hpp"

#include "option_binding.hpp"

namespace descent {

LooplessKatyushaOptions parse_solver(std::string_view spec) {
  const SpecCall call = parse_spec(spec);
  const spec_detail::Source src{spec};
  if (call.name != "lkatyusha")
    src.fail("unknown solver '" + call.name + "'" + suggestion(call.name, {"lkatyusha"}) + " (solvers: lkatyusha)",
             call.column);
  LooplessKatyushaOptions options = spec_detail::bind(call, LooplessKatyushaOptions{}, {"max_steps"}, src);
  validate(options);  // the field ranges; the run checks smoothness > 0 and theta1 + theta2 <= 1
  return options;
}

std::string to_spec(const LooplessKatyushaOptions& options) { return to_spec(std::string("lkatyusha"), options); }

}  // namespace descent
