// The registry's entries as the spec layer keeps them: the documentation every kind shares
// and the factory of its kind. Each kind lists its entries in a file of its own
// (transform_entries.cpp, estimator_entries.cpp, ...); registry.cpp joins them into one
// table and does every lookup, so that all kinds follow the same rules and messages.
#pragma once

#include <functional>
#include <initializer_list>
#include <string_view>
#include <variant>
#include <vector>

#include "descent/spec/callback_spec.hpp"
#include "descent/spec/estimator_spec.hpp"
#include "descent/spec/model_kind.hpp"
#include "descent/spec/registry.hpp"
#include "descent/spec/solver_spec.hpp"
#include "descent/spec/spec_parser.hpp"
#include "option_binding.hpp"

namespace descent::spec_detail {

template <class Product>
using Make = std::function<Product(const SpecCall&, const Source&)>;

struct Entry {
  RegistryEntry doc;
  // Optimizers and transforms make a TransformPtr, schedules a SchedulePtr, estimators an
  // EstimatorSpec, solvers a SolverSpec, averaging and stopping rules a CallbackSpec; a
  // model entry is its ModelKind (models are built from a ModelSpec, not a spec call).
  std::variant<Make<TransformPtr>, Make<SchedulePtr>, Make<EstimatorSpec>, Make<SolverSpec>, Make<CallbackSpec>,
               ModelKind>
      make;
};

// Each kind's entries (any order: registry.cpp sorts them).
std::vector<Entry> transform_entries();  // optimizers, transforms and schedules
std::vector<Entry> estimator_entries();
std::vector<Entry> solver_entries();
std::vector<Entry> callback_entries();  // averaging and stopping rules
std::vector<Entry> model_entries();

// Every entry, grouped by kind, each group by name.
const std::vector<Entry>& entries();

// The entry `call` names among `kinds`. Otherwise fails at the call's column with
// "'cosine' is a schedule, not an optimizer or transform" when another kind has the name,
// else "unknown <what> 'x'" with a suggestion from the names of `kinds`.
const Entry& find(const SpecCall& call, const Source& src, std::initializer_list<EntryKind> kinds,
                  std::string_view what);

// An optimizer or transform call (chain's members are built through it).
TransformPtr build_transform(const SpecCall& call, const Source& src);

// The factory of a found entry; the kinds passed to find() fix which it is.
template <class Product>
const Make<Product>& maker(const Entry& e) {
  return std::get<Make<Product>>(e.make);
}

// Parses a whole spec and builds it as an entry of `kinds` (find's rules and messages).
template <class Product>
Product build(std::string_view spec, std::initializer_list<EntryKind> kinds, std::string_view what) {
  const SpecCall call = parse_spec(spec);
  const Source src{spec};
  return maker<Product>(find(call, src, kinds, what))(call, src);
}

// An entry made from an Options struct's table: the documentation from `prototype`
// (defaults) and the fields (ranges), a spec call bound onto a copy of the prototype and
// handed to `make`, which returns the kind's product.
template <class Product, class Options, class MakeProduct>
Entry options_entry(std::string name, EntryKind kind, std::string summary, std::string reference, Options prototype,
                    MakeProduct make, std::vector<std::string> fixed = {}) {
  Entry e;
  e.doc = {std::move(name), kind, std::move(summary), std::move(reference), describe_fields(prototype, fixed),
           Options::kName};
  e.make = Make<Product>([prototype, make, fixed](const SpecCall& call, const Source& src) {
    return make(bind(call, prototype, fixed, src));
  });
  return e;
}

}  // namespace descent::spec_detail
