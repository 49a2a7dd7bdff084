// Binding a parsed spec call to an Options struct through its field table
// (hyperparameters.hpp): positional and named arguments, type checks, and the messages
// with a caret under the column at fault. Shared by the entries of every kind (entry.hpp),
// so that every spec name follows the same rules.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/suggest.hpp"
#include "descent/spec/hyperparameters.hpp"
#include "descent/spec/registry.hpp"
#include "descent/spec/spec_parser.hpp"

namespace descent::spec_detail {

// The spec being built, so that errors deep in a nested call can show all of it.
struct Source {
  std::string_view text;

  [[noreturn]] void fail(const std::string& message, std::size_t column) const {
    throw ParseError(point_at(message, text, column), column);
  }
};

// Describing the values found in a spec, for type errors.

inline std::string describe_value(const SpecValue& v) {
  if (const double* d = std::get_if<double>(&v.value)) return "the number " + format_number(*d);
  if (const bool* b = std::get_if<bool>(&v.value)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<SpecString>(&v.value)) return "the string '" + s->text + "'";
  return "a call to '" + std::get<std::shared_ptr<SpecCall>>(v.value)->name + "'";
}

template <class Options>
std::string type_name(const Field<Options>& f) {
  if (std::holds_alternative<double Options::*>(f.member)) return "number";
  if (std::holds_alternative<std::int64_t Options::*>(f.member)) return "integer";
  if (std::holds_alternative<bool Options::*>(f.member)) return "bool";
  if (std::holds_alternative<std::string Options::*>(f.member)) return "name";
  return "number or schedule";
}

inline bool is_unconstrained(const Range& r) { return !std::isfinite(r.lo) && !std::isfinite(r.hi); }

// Builds a schedule from a nested call (registry.cpp): schedule fields take one.
SchedulePtr build_schedule(const SpecCall& call, const Source& src);

// Out of line on purpose: inlined into assign<Options>() for an Options without any
// schedule field (where the branch is dead), g++ 12 warns -Warray-bounds about the
// shared_ptr move it cannot prove unreachable.
[[gnu::noinline]] inline void set_schedule(SchedulePtr& target, SchedulePtr value) { target = std::move(value); }

// An integer field's value. A plain integer literal is read exactly from its text (a
// double holds integers exactly only up to 2^53, and canonical specs write int64
// fields in full); other forms ("1e3") must be integral doubles within int64's range.
inline std::int64_t to_integer(const SpecValue& v, const double* number, const std::string& where, const Source& src) {
  if (!number) src.fail(where + " expects an integer, found " + describe_value(v), v.column);
  const std::string_view token = v.token;
  const bool plain = !token.empty() && token.find_first_of(".eE") == std::string_view::npos;
  if (plain) {
    const std::size_t skip = token.front() == '+' ? 1 : 0;
    std::int64_t exact = 0;
    const auto [ptr, ec] = std::from_chars(token.data() + skip, token.data() + token.size(), exact);
    if (ec == std::errc() && ptr == token.data() + token.size()) return exact;
    src.fail(where + " expects an integer, found " + std::string(token) + " (beyond the 64-bit range)", v.column);
  }
  // 2^63 is exact in a double; every integral double in [-2^63, 2^63) converts exactly.
  constexpr double kLimit = 9223372036854775808.0;
  if (std::floor(*number) != *number || *number < -kLimit || *number >= kLimit)
    src.fail(where + " expects an integer, found " + describe_value(v), v.column);
  return static_cast<std::int64_t>(*number);
}

// Writes one parsed value into a field, checking its type. Out of line, as set_schedule, so
// that g++ 12 does not warn -Warray-bounds for an Options without fields (full_gradient's),
// where every member access here is unreachable.
template <class Options>
[[gnu::noinline]] void assign(Options& options, const Field<Options>& f, const SpecValue& v, const std::string& owner,
                              const Source& src) {
  const std::string where = "argument '" + std::string(f.name) + "' of '" + owner + "'";
  const double* number = std::get_if<double>(&v.value);
  if (auto m = std::get_if<double Options::*>(&f.member)) {
    if (!number) src.fail(where + " expects a number, found " + describe_value(v), v.column);
    options.*(*m) = *number;
  } else if (auto mi = std::get_if<std::int64_t Options::*>(&f.member)) {
    options.*(*mi) = to_integer(v, number, where, src);
  } else if (auto mb = std::get_if<bool Options::*>(&f.member)) {
    const bool* flag = std::get_if<bool>(&v.value);
    if (!flag) src.fail(where + " expects true or false, found " + describe_value(v), v.column);
    options.*(*mb) = *flag;
  } else if (auto ms = std::get_if<SchedulePtr Options::*>(&f.member)) {
    if (number) {
      set_schedule(options.*(*ms), constant(*number));
    } else if (auto call = std::get_if<std::shared_ptr<SpecCall>>(&v.value)) {
      set_schedule(options.*(*ms), build_schedule(**call, src));
    } else {
      src.fail(where + " expects a number or a schedule, found " + describe_value(v), v.column);
    }
  } else if (auto mc = std::get_if<std::string Options::*>(&f.member)) {
    // A choice is a bare name, which the grammar reads as a call without parentheses.
    const auto* call = std::get_if<std::shared_ptr<SpecCall>>(&v.value);
    if (!call || (*call)->has_parens || !(*call)->args.empty())
      src.fail(where + " expects a name (" + describe_choices(*f.choices) + "), found " + describe_value(v), v.column);
    const std::string& name = (*call)->name;
    if (std::find(f.choices->begin(), f.choices->end(), name) == f.choices->end()) {
      std::string hint = suggestion(name, *f.choices);
      if (hint.rfind("; did you mean", 0) != 0) hint.clear();  // the list is in the message already
      src.fail(where + ": '" + name + "' is not " + describe_choices(*f.choices) + hint, v.column);
    }
    options.*(*mc) = name;
  }
}

// Fields of `Options` a spec may set: all but those an entry fixes (amsgrad's amsgrad).
template <class Options>
std::vector<const Field<Options>*> settable_fields(const std::vector<std::string>& fixed) {
  std::vector<const Field<Options>*> out;
  for (const auto& f : Options::fields())
    if (std::find(fixed.begin(), fixed.end(), f.name) == fixed.end()) out.push_back(&f);
  return out;
}

template <class Options>
Options bind(const SpecCall& call, Options options, const std::vector<std::string>& fixed, const Source& src) {
  const auto fields = settable_fields<Options>(fixed);
  std::vector<std::string> names;
  for (const auto* f : fields) names.push_back(f->name);
  std::vector<std::size_t> set_at(fields.size(), 0);  // column of the argument that set it; 0: unset
  std::size_t next_positional = 0;
  bool named_seen = false;
  for (const auto& arg : call.args) {
    std::size_t index = 0;
    if (arg.key) {
      named_seen = true;
      const auto it = std::find(names.begin(), names.end(), *arg.key);
      if (it == names.end()) {
        if (std::find(fixed.begin(), fixed.end(), *arg.key) != fixed.end())
          src.fail("argument '" + *arg.key + "' is fixed by '" + call.name + "'", arg.column);
        std::string valid;
        for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
        std::string hint = suggestion(*arg.key, names);
        if (hint.rfind("; did you mean", 0) != 0) hint.clear();
        src.fail("'" + call.name + "' has no argument '" + *arg.key + "'" + hint +
                     " (arguments: " + (valid.empty() ? "none" : valid) + ")",
                 arg.column);
      }
      index = static_cast<std::size_t>(it - names.begin());
    } else {
      if (named_seen) src.fail("positional argument after a named one", arg.column);
      if (next_positional >= fields.size()) {
        std::string valid;
        for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
        src.fail("too many arguments: '" + call.name + "' takes at most " + std::to_string(fields.size()) +
                     (fields.empty() ? "" : " (" + valid + ")"),
                 arg.column);
      }
      index = next_positional++;
    }
    if (set_at[index] != 0)
      src.fail("argument '" + names[index] + "' given twice (first at column " + std::to_string(set_at[index]) + ")",
               arg.column);
    set_at[index] = arg.column;
    assign(options, *fields[index], arg.value, call.name, src);
  }
  return options;
}

template <class Options>
std::vector<ParameterDoc> describe_fields(const Options& prototype, const std::vector<std::string>& fixed) {
  std::vector<ParameterDoc> docs;
  for (const auto* f : settable_fields<Options>(fixed)) {
    ParameterDoc d;
    d.name = f->name;
    d.type = type_name(*f);
    std::visit([&](auto m) { d.default_value = format_field_value(prototype.*m); }, f->member);
    d.doc = f->doc;
    // A bool's range is meaningless (Range::any), and an unbounded range allows every
    // finite value, which the grammar already guarantees.
    if (std::holds_alternative<std::string Options::*>(f->member)) {
      d.has_constraint = true;  // the names; `outside` stays unused (no number is outside a list of names)
      d.constraint = describe_choices(*f->choices);
    } else if (!std::holds_alternative<bool Options::*>(f->member) && !is_unconstrained(f->range)) {
      d.has_constraint = true;
      d.constraint = f->range.describe(f->name);
      d.outside = f->range.outside();
    }
    docs.push_back(std::move(d));
  }
  return docs;
}

}  // namespace descent::spec_detail
