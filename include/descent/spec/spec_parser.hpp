// The optimizer-spec grammar shared by the CLI, config files and Python:
//
//   spec  := call
//   call  := NAME [ '(' [ arg { ',' arg } ] ')' ]
//   arg   := [ NAME '=' ] value
//   value := NUMBER | 'true' | 'false' | STRING | call
//
// e.g.  chain(clip_by_global_norm(1), adam(lr=warmup(cosine(1e-3, 5000), 100)))
//       partition(group('*.bias', adam), default=adamw)
//
// NAME is [A-Za-z_][A-Za-z0-9_]*. NUMBER is a decimal with an optional sign, fraction
// and exponent ("1", "-0.5", ".5", "3.", "1e-3", "+2E+4"); it must be finite, so "inf",
// "nan", hexadecimal forms and values beyond a double's range are rejected. STRING is
// text between single or double quotes ('*.bias', "layer0.*"), printable ASCII without
// escapes: a string holding one kind of quote is written between the other kind. Single
// quotes are the canonical form, so a spec fits inside a double-quoted shell argument. Whitespace
// is free between tokens. Errors are ParseErrors whose message shows the spec with a
// caret under the 1-based column at fault. Calls nest at most kMaxSpecDepth deep, so a
// hostile spec cannot exhaust the stack of the recursive parser.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace descent {

inline constexpr std::size_t kMaxSpecDepth = 64;

struct SpecCall;

// A quoted string of a spec (a block-name pattern), kept apart from std::string so that
// nothing mistakes it for a name.
struct SpecString {
  std::string text;
};

struct SpecValue {
  std::variant<double, bool, std::shared_ptr<SpecCall>, SpecString> value;
  std::size_t column = 0;  // 1-based column where the value starts
  std::string token;       // a number as written: integers beyond 2^53 are read from it exactly
};

struct SpecArg {
  std::optional<std::string> key;  // absent for positional arguments
  SpecValue value;
  std::size_t column = 0;  // where the argument (its key, or its value) starts
};

struct SpecCall {
  std::string name;
  std::size_t column = 0;
  std::vector<SpecArg> args;
  bool has_parens = false;
};

// Parses a whole spec (a call); throws ParseError (column set) on any syntax error.
SpecCall parse_spec(std::string_view text);

// Parses a whole text that is one value: a call as in parse_spec, or a bare number or
// boolean. Schedules need it: the canonical spec of a constant schedule is its number.
SpecValue parse_spec_value(std::string_view text);

// "message\n  <text>\n  <spaces>^": the message with the spec and a caret under `column`.
// Control characters of `text` show as spaces so that the caret stays aligned.
std::string point_at(std::string_view message, std::string_view text, std::size_t column);

// `text` as a spec string: between single quotes, or double quotes when it holds a single
// quote. Throws ConfigError when it cannot be written (both quotes, or a character outside
// printable ASCII), naming `what`.
std::string quote_spec_string(std::string_view text, std::string_view what);

}  // namespace descent
