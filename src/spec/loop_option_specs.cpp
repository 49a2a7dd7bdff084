#include "descent/spec/loop_option_specs.hpp"

#include "option_binding.hpp"

namespace descent {

namespace {

using spec_detail::Source;

AveragingKind kind_of(const SpecCall& call, const Source& src) {
  if (call.name == "polyak") return AveragingKind::polyak;
  if (call.name == "tail") return AveragingKind::tail;
  if (call.name == "exponential") return AveragingKind::exponential;
  src.fail("unknown averaging '" + call.name + "'" + suggestion(call.name, {"polyak", "tail", "exponential"}),
           call.column);
}

}  // namespace

IterateAveragingOptions parse_averaging(std::string_view spec) {
  const SpecCall call = parse_spec(spec);
  const Source src{spec};
  IterateAveragingOptions prototype;
  prototype.kind = kind_of(call, src);
  IterateAveragingOptions options = spec_detail::bind(call, prototype, {}, src);
  options.validate();
  return options;
}

StationarityStopOptions parse_stationarity_stop(std::string_view spec) {
  const SpecCall call = parse_spec(spec);
  const Source src{spec};
  if (call.name != "stationarity")
    src.fail("expected stationarity(...), found '" + call.name + "'" + suggestion(call.name, {"stationarity"}),
             call.column);
  StationarityStopOptions options = spec_detail::bind(call, StationarityStopOptions{}, {}, src);
  options.validate();
  return options;
}

std::string to_spec(const IterateAveragingOptions& options) { return to_spec(to_string(options.kind), options); }

std::string to_spec(const StationarityStopOptions& options) { return to_spec(std::string("stationarity"), options); }

}  // namespace descent
