// Options are plain structs (as in Ceres) described once by a table of fields. The
// table is the single source for validation messages, canonical spec strings, building
// from parsed spec arguments, and the `descent list` documentation, so none of those
// can drift apart.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/transform/schedule.hpp"

namespace descent {

// An interval of allowed values, e.g. [0, 1) for beta1. NaN is never inside.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  static Range positive() { return {0, std::numeric_limits<double>::infinity(), true, true}; }
  static Range non_negative() { return {0, std::numeric_limits<double>::infinity(), false, true}; }
  static Range unit_closed_open() { return {0, 1, false, true}; }
  static Range unit_closed() { return {0, 1, false, false}; }
  static Range at_least(double v) { return {v, std::numeric_limits<double>::infinity(), false, true}; }
  // Every finite value: open at both infinities, so that a spec never has to print inf.
  static Range any() {
    return {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(), true, true};
  }

  bool contains(double v) const {
    if (std::isnan(v)) return false;
    const bool above = lo_open ? v > lo : v >= lo;
    const bool below = hi_open ? v < hi : v <= hi;
    return above && below;
  }
  // "0 <= beta1 < 1", "lr > 0", "eps >= 0".
  std::string describe(const std::string& name) const;
  // A value just outside the range, for tests of the rejection path.
  double outside() const;
};

// A field is a number, an integer, a bool, a schedule (a number or a schedule call), or a
// choice among names (a string member with `choices`: a line search, a selection rule),
// written bare in a spec: lbfgs(line_search=armijo).
template <class Options>
struct Field {
  const char* name;
  std::variant<double Options::*, std::int64_t Options::*, bool Options::*, SchedulePtr Options::*,
               std::string Options::*>
      member;
  Range range;      // numbers, integers and the values of constant schedules
  const char* doc;  // the formula the field enters, in words
  // The names a choice field allows (a static list; null for other types). A pointer, not a
  // vector: g++ 12 fails on a vector default member initializer in this aggregate.
  const std::vector<std::string>* choices = nullptr;
};

// "one of armijo, strong_wolfe": a choice field's constraint, in messages and `descent list`.
std::string describe_choices(const std::vector<std::string>& choices);

// Throws ConfigError "<Options::kName>::<field> = <value> violates <constraint>" for
// the first field outside its range.
template <class Options>
void validate(const Options& options) {
  for (const auto& f : Options::fields()) {
    if (auto m = std::get_if<double Options::*>(&f.member)) {
      require(f.range.contains(options.*(*m)), Options::kName, f.name, options.*(*m), f.range.describe(f.name));
    } else if (auto mi = std::get_if<std::int64_t Options::*>(&f.member)) {
      const double v = static_cast<double>(options.*(*mi));
      require(f.range.contains(v), Options::kName, f.name, v, f.range.describe(f.name));
    } else if (auto ms = std::get_if<SchedulePtr Options::*>(&f.member)) {
      const SchedulePtr& s = options.*(*ms);
      if (!s) throw ConfigError(std::string(Options::kName) + "::" + f.name + " is not set");
      double v = 0;
      if (is_constant(*s, &v)) require(f.range.contains(v), Options::kName, f.name, v, f.range.describe(f.name));
    } else if (auto mc = std::get_if<std::string Options::*>(&f.member)) {
      const std::string& v = options.*(*mc);
      if (std::find(f.choices->begin(), f.choices->end(), v) == f.choices->end())
        throw ConfigError(std::string(Options::kName) + "::" + f.name + " = '" + v + "' is not " +
                          describe_choices(*f.choices));
    }
  }
}

std::string format_field_value(double v);
std::string format_field_value(std::int64_t v);
std::string format_field_value(bool v);
std::string format_field_value(const SchedulePtr& v);
std::string format_field_value(const std::string& v);  // a choice: the name, bare

// "adam(lr=0.001, beta1=0.9, ...)": every field in table order, but those in `omit` (fields
// a run sets rather than a spec, such as a solver's max_steps).
template <class Options>
std::string to_spec(const std::string& name, const Options& options, const std::vector<std::string>& omit = {}) {
  std::string s = name + "(";
  bool first = true;
  for (const auto& f : Options::fields()) {
    if (std::find(omit.begin(), omit.end(), f.name) != omit.end()) continue;
    if (!first) s += ", ";
    first = false;
    s += f.name;
    s += '=';
    std::visit([&](auto m) { s += format_field_value(options.*m); }, f.member);
  }
  return s + ")";
}

}  // namespace descent
