#include "descent/spec/distributed_spec.hpp"

#include "descent/core/suggest.hpp"
#include "descent/spec/spec_parser.hpp"
#include "option_binding.hpp"

namespace descent {

const std::vector<Field<DataParallelSpecOptions>>& DataParallelSpecOptions::fields() {
  using O = DataParallelSpecOptions;
  static const std::vector<Field<O>> f = {
      {"shards", &O::shards, Range{1, 65536, false, false},
       "pieces of each batch, summed in a fixed tree: the run has the same bits on any number of ranks (at most "
       "shards ranks compute)"}};
  return f;
}

std::vector<std::string> distributed_methods() { return {"data_parallel"}; }

std::string DistributedSpec::spec() const { return to_spec(method, data_parallel); }

DistributedSpec parse_distributed(std::string_view text) {
  const SpecCall call = parse_spec(text);
  const spec_detail::Source src{text};
  const std::vector<std::string> methods = distributed_methods();
  if (std::find(methods.begin(), methods.end(), call.name) == methods.end())
    src.fail("unknown distributed method '" + call.name + "'" + suggestion(call.name, methods), call.column);
  DistributedSpec spec;
  spec.method = call.name;
  spec.data_parallel = spec_detail::bind(call, DataParallelSpecOptions{}, {}, src);
  validate(spec.data_parallel);
  return spec;
}

}  // namespace descent
