// The registry: everything a spec string can name, in one table. Optimizers, transforms
// and schedules (the transform axis), estimators (the estimator axis), solvers with a loop
// of their own, loop callbacks (iterate averaging, stopping rules) and the built-in models,
// each with its hyperparameters, defaults and allowed ranges. `descent list` prints it,
// every parse_* function builds from it, Python generates its constructors from it, and
// the generic tests iterate over it so that a newly registered entry is tested
// automatically.
//
// The parameter documentation is derived, never written by hand: each entry starts from an
// Options struct's field table (hyperparameters.hpp) and from the prototype options its
// factory starts from, so the defaults shown are the defaults used (e.g. momentum's 0.9)
// and the ranges shown are the ranges validated.
//
// Building from a spec: positional arguments fill the fields in table order, named
// arguments by name (positional ones first, as in Python). A field of type "number or
// schedule" takes a number (a constant schedule) or a schedule call. A bare name ("adam")
// means every default. A name is looked up among the kinds the place of the spec expects,
// so one name may serve two kinds ("exponential" is a schedule and an averaging).
//
// The builders of each kind are declared beside their products: parse_transform and
// parse_schedule here, parse_estimator in estimator_spec.hpp, parse_solver in
// solver_spec.hpp, parse_callback in callback_spec.hpp, find_model_kind in model_kind.hpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "descent/transform/schedule.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

// In the order `descent list` shows them.
enum class EntryKind { optimizer, transform, schedule, estimator, solver, averaging, stopping, model };

inline constexpr EntryKind kEntryKinds[] = {EntryKind::optimizer, EntryKind::transform, EntryKind::schedule,
                                            EntryKind::estimator, EntryKind::solver,    EntryKind::averaging,
                                            EntryKind::stopping,  EntryKind::model};

// "optimizer", "transform", "schedule", "estimator", "solver", "averaging", "stopping", "model":
// the names `descent list --kind` takes.
std::string to_string(EntryKind kind);
// With its article, for messages: "an optimizer", "a stopping rule".
std::string describe(EntryKind kind);
// The kind named by to_string, or false.
bool parse_entry_kind(std::string_view name, EntryKind& kind);

struct ParameterDoc {
  std::string name;
  std::string type;           // "number", "integer", "bool", "number or schedule", "transforms", "sizes", "name"
  std::string default_value;  // as it would be written in a spec; empty when there is none
  std::string constraint;     // "0 <= beta1 < 1"; empty when any value is allowed
  std::string doc;            // the formula it enters
  double outside = 0;         // a value that violates the constraint (for tests)
  bool has_constraint = false;
};

struct RegistryEntry {
  std::string name;
  EntryKind kind;
  std::string summary;    // one line
  std::string reference;  // the paper (authors, venue, year) or "-"
  std::vector<ParameterDoc> parameters;
  std::string options;  // the Options struct named in ConfigErrors ("AdamOptions"); empty for chain and models
};

// All entries, grouped by kind in kEntryKinds order, each group by name.
const std::vector<RegistryEntry>& registry();
// The entries of one kind, by name.
std::vector<const RegistryEntry*> entries_of(EntryKind kind);
// The first entry of that name (of any kind), or null.
const RegistryEntry* find_entry(std::string_view name);
// The entry of that name and kind, or null.
const RegistryEntry* find_entry(std::string_view name, EntryKind kind);

// Builds from a spec string. Throws ParseError (syntax, unknown names, wrong argument
// names or types: with the column) or ConfigError (a value outside its range).
TransformPtr parse_transform(std::string_view spec);
// Also takes a bare number, the canonical spec of a constant schedule.
SchedulePtr parse_schedule(std::string_view spec);

// The canonical spec (every option written out) of what `spec` builds as an entry of
// `kind`, whatever the kind: the generic tests' round trip. Models have no spec strings:
// for them it is ConfigError.
std::string canonical_spec(EntryKind kind, std::string_view spec);

}  // namespace descent
