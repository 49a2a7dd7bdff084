#include "descent/spec/distributed_spec.hpp"

#include "descent/core/suggest.hpp"
#include "descent/distributed/graph.hpp"
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

const std::vector<Field<DsgdSpecOptions>>& DsgdSpecOptions::fields() {
  using O = DsgdSpecOptions;
  static const std::vector<Field<O>> f = {
      {"graph", &O::graph, Range::any(), "who gossips with whom: one node per rank", &graph_names()},
      {"rows", &O::rows, Range::at_least(0), "torus: rows of the grid; 0: the largest divisor of the ranks <= sqrt"},
      {"p", &O::p, Range{0, 1, true, false}, "erdos_renyi: the probability of each edge (redrawn until connected)"}};
  return f;
}

std::vector<std::string> distributed_methods() { return {"data_parallel", "dsgd"}; }

std::string DistributedSpec::spec() const {
  if (method == "dsgd") {
    std::vector<std::string> omit;
    if (dsgd.graph != "torus") omit.push_back("rows");
    if (dsgd.graph != "erdos_renyi") omit.push_back("p");
    return to_spec(method, dsgd, omit);
  }
  return to_spec(method, data_parallel);
}

std::string DistributedSpec::graph_spec() const {
  if (dsgd.graph == "torus") return "torus(rows=" + std::to_string(dsgd.rows) + ")";
  if (dsgd.graph == "erdos_renyi") return "erdos_renyi(p=" + format_number(dsgd.p) + ")";
  return dsgd.graph;
}

DistributedSpec parse_distributed(std::string_view text) {
  const SpecCall call = parse_spec(text);
  const spec_detail::Source src{text};
  const std::vector<std::string> methods = distributed_methods();
  if (std::find(methods.begin(), methods.end(), call.name) == methods.end())
    src.fail("unknown distributed method '" + call.name + "'" + suggestion(call.name, methods), call.column);
  DistributedSpec spec;
  spec.method = call.name;
  if (call.name == "dsgd") {
    spec.dsgd = spec_detail::bind(call, DsgdSpecOptions{}, {}, src);
    validate(spec.dsgd);
  } else {
    spec.data_parallel = spec_detail::bind(call, DataParallelSpecOptions{}, {}, src);
    validate(spec.data_parallel);
  }
  return spec;
}

}  // namespace descent
