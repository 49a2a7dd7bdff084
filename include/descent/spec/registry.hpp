// Every optimizer, transform and schedule that a spec string can name, with its
// hyperparameters, defaults and allowed ranges. `descent list` prints it; the generic
// tests iterate over it so that a newly registered optimizer is tested automatically.
//
// The parameter documentation is derived, never written by hand: each entry starts
// from an Options struct's field table (hyperparameters.hpp) and from the prototype
// options its factory starts from, so the defaults shown are the defaults used (e.g.
// momentum's 0.9) and the ranges shown are the ranges validated.
//
// Building from a spec: positional arguments fill the fields in table order, named
// arguments by name (positional ones first, as in Python). A field of type
// "number or schedule" takes a number (a constant schedule) or a schedule call. A bare
// name ("adam") means every default.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "descent/transform/schedule.hpp"
#include "descent/transform/transform.hpp"

namespace descent {

// Estimators have a registry of their own (estimator_registry.hpp): registry() below
// holds the transform axis only.
enum class EntryKind { optimizer, transform, schedule, estimator };

// "optimizer", "transform", "schedule", "estimator".
std::string to_string(EntryKind kind);

struct ParameterDoc {
  std::string name;
  std::string type;           // "number", "integer", "bool", "number or schedule", "transforms"
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
  std::string options;  // the Options struct named in ConfigErrors ("AdamOptions"); empty for chain
};

// All entries, optimizers first, then transforms, then schedules, each group by name.
const std::vector<RegistryEntry>& registry();
const RegistryEntry* find_entry(std::string_view name);

// Builds from a spec string. Throws ParseError (syntax, unknown names, wrong argument
// names or types: with the column) or ConfigError (a value outside its range).
TransformPtr parse_transform(std::string_view spec);
// Also takes a bare number, the canonical spec of a constant schedule.
SchedulePtr parse_schedule(std::string_view spec);

}  // namespace descent
