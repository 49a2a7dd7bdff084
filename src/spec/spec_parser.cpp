// A hand-written recursive-descent parser for the spec grammar (spec_parser.hpp).
// Hand-written rather than generated so that every error can say, in the user's terms,
// what was expected where: the messages are the interface of this file.
#include "descent/spec/spec_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "descent/core/error.hpp"

namespace descent {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool starts_number(char c) { return is_digit(c) || c == '.' || c == '+' || c == '-'; }
// Every character that can appear in some token; anything else is reported as such.
bool is_token_char(char c) {
  return is_name_char(c) || c == '.' || c == '+' || c == '-' || c == '(' || c == ')' || c == ',' || c == '=' ||
         c == '\'' || c == '"';
}
bool is_quote(char c) { return c == '\'' || c == '"'; }
bool is_printable(char c) { return c >= 0x20 && c < 0x7f; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Words strtod would read as non-finite numbers: we refuse them by name rather than
// letting them pass as (unknown) schedule names, which would be a confusing message.
bool is_non_finite_word(std::string_view word) {
  return equals_ignoring_case(word, "inf") || equals_ignoring_case(word, "infinity") ||
         equals_ignoring_case(word, "nan");
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  SpecCall whole_call() {
    skip_space();
    if (at_end()) fail("empty spec", 0);
    if (!is_name_start(peek())) {
      check_character();
      fail("expected a name (e.g. 'adam'), found " + describe_here(), pos_);
    }
    SpecCall call = parse_call();
    expect_end();
    return call;
  }

  SpecValue whole_value() {
    skip_space();
    if (at_end()) fail("empty spec", 0);
    SpecValue value = parse_value();
    expect_end();
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& message, std::size_t pos) const {
    throw ParseError(point_at(message, text_, pos + 1), pos + 1);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void skip_space() {
    while (!at_end() && is_space(peek())) ++pos_;
  }

  // Fails on a character that belongs to no token, so that the message names the
  // culprit instead of complaining about the grammar around it.
  void check_character() const {
    if (at_end() || is_token_char(peek())) return;
    const auto c = static_cast<unsigned char>(peek());
    if (c >= 0x20 && c < 0x7f) fail(std::string("unexpected character '") + peek() + "'", pos_);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(c));
    fail(std::string("unexpected character ") + hex + " (a spec is plain ASCII)", pos_);
  }

  // "'lr'", "'('", "'1e-3'" or "the end of the spec": what sits at the current position.
  std::string describe_here() const {
    if (at_end()) return "the end of the spec";
    std::size_t end = pos_ + 1;
    if (is_name_start(peek())) {
      while (end < text_.size() && is_name_char(text_[end])) ++end;
    } else if (starts_number(peek())) {
      while (end < text_.size() && (starts_number(text_[end]) || is_name_char(text_[end]))) ++end;
    }
    // Appended piecewise: g++ 12 gives a false -Wrestrict for "'" + std::string(...).
    std::string quoted(1, '\'');
    quoted.append(text_.substr(pos_, end - pos_));
    quoted += '\'';
    return quoted;
  }

  void expect_end() {
    skip_space();
    if (at_end()) return;
    check_character();
    fail("trailing text after the spec", pos_);
  }

  std::string read_name() {
    const std::size_t start = pos_;
    while (!at_end() && is_name_char(peek())) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  // call := NAME [ '(' [ arg { ',' arg } ] ')' ], at a name start.
  SpecCall parse_call() {
    SpecCall call;
    call.column = pos_ + 1;
    call.name = read_name();
    skip_space();
    if (at_end() || peek() != '(') return call;
    if (depth_ == kMaxSpecDepth)
      fail("spec nested too deeply (more than " + std::to_string(kMaxSpecDepth) + " calls inside each other)", pos_);
    ++depth_;
    call.has_parens = true;
    ++pos_;
    skip_space();
    const std::string unclosed =
        "expected ')' to close '" + call.name + "(' opened at column " + std::to_string(call.column);
    if (!at_end() && peek() == ')') {
      ++pos_;
      --depth_;
      return call;
    }
    for (;;) {
      if (at_end()) fail(unclosed, pos_);
      call.args.push_back(parse_arg());
      skip_space();
      if (at_end()) fail(unclosed, pos_);
      if (peek() == ')') break;
      if (peek() == ',') {
        ++pos_;
        skip_space();
        if (at_end() || peek() == ')' || peek() == ',') fail("expected an argument after ','", pos_);
        continue;
      }
      check_character();
      fail("expected ',' or ')' after an argument of '" + call.name + "(', found " + describe_here(), pos_);
    }
    ++pos_;
    --depth_;
    return call;
  }

  // arg := [ NAME '=' ] value
  SpecArg parse_arg() {
    SpecArg arg;
    arg.column = pos_ + 1;
    if (!at_end() && is_name_start(peek())) {
      const std::size_t start = pos_;
      std::string name = read_name();
      skip_space();
      if (!at_end() && peek() == '=') {
        ++pos_;
        skip_space();
        if (at_end() || peek() == ',' || peek() == ')') fail("expected a value after '" + name + "='", pos_);
        arg.key = std::move(name);
        arg.value = parse_value();
        return arg;
      }
      pos_ = start;  // not a key: the name starts the value
    }
    if (!at_end() && peek() == '=') fail("expected an argument name before '='", pos_);
    arg.value = parse_value();
    return arg;
  }

  // value := NUMBER | 'true' | 'false' | STRING | call
  SpecValue parse_value() {
    SpecValue value;
    value.column = pos_ + 1;
    if (at_end()) fail("expected a value, found the end of the spec", pos_);
    const char c = peek();
    if (is_quote(c)) {
      value.value = parse_string();
      return value;
    }
    if (starts_number(c)) {
      const std::size_t start = pos_;
      value.value = parse_number();
      value.token = std::string(text_.substr(start, pos_ - start));
      return value;
    }
    if (is_name_start(c)) {
      const std::size_t start = pos_;
      const std::string name = read_name();
      if (name == "true" || name == "false") {
        value.value = (name == "true");
        return value;
      }
      if (is_non_finite_word(name)) fail("numbers must be finite; '" + name + "' is not allowed", start);
      pos_ = start;
      value.value = std::make_shared<SpecCall>(parse_call());
      return value;
    }
    check_character();
    fail("expected a value (a number, true, false, a quoted string or a call), found " + describe_here(), pos_);
  }

  // STRING := quote { printable character but that quote } quote
  SpecString parse_string() {
    const std::size_t start = pos_;
    const char quote = peek();
    ++pos_;
    SpecString s;
    while (!at_end() && peek() != quote) {
      if (!is_printable(peek())) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(peek())));
        fail(std::string("unexpected character ") + hex + " in a quoted string (a spec is plain ASCII)", pos_);
      }
      s.text += peek();
      ++pos_;
    }
    if (at_end())
      fail(std::string("expected ") + quote + " to close the string opened at column " + std::to_string(start + 1),
           pos_);
    ++pos_;
    return s;
  }

  // NUMBER := [+-] ( digits [ '.' digits? ] | '.' digits ) [ [eE] [+-] digits ]
  double parse_number() {
    const std::size_t start = pos_;
    const bool plus = peek() == '+';
    if (peek() == '+' || peek() == '-') ++pos_;
    std::size_t digits = 0;
    while (!at_end() && is_digit(peek())) ++pos_, ++digits;
    if (!at_end() && peek() == '.') {
      ++pos_;
      while (!at_end() && is_digit(peek())) ++pos_, ++digits;
    }
    if (digits == 0) {
      if (pos_ == start + 1 && text_[start] != '.') {  // a lone sign
        if (!at_end() && is_name_start(peek())) {
          const std::string word = read_name();
          if (is_non_finite_word(word)) fail("numbers must be finite; '" + word + "' is not allowed", start);
          pos_ = start + 1;
        }
        fail(std::string("expected a number after '") + text_[start] + "'", start);
      }
      fail_malformed(start);
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && is_digit(text_[p])) {
        while (p < text_.size() && is_digit(text_[p])) ++p;
        pos_ = p;
      }
    }
    if (!at_end() && (is_name_char(peek()) || peek() == '.' || peek() == '+' || peek() == '-')) fail_malformed(start);

    // from_chars is locale-independent (strtod would read "1.5" differently under a
    // locale with a decimal comma) and, unlike strtod, takes no leading '+'.
    const char* first = text_.data() + start + (plus ? 1 : 0);
    const char* last = text_.data() + pos_;
    double v = 0;
    const auto [ptr, ec] = std::from_chars(first, last, v);
    const std::string token(text_.substr(start, pos_ - start));
    if (ec == std::errc::result_out_of_range) fail("number '" + token + "' is out of the range of a double", start);
    if (ec != std::errc() || ptr != last || !std::isfinite(v)) fail_malformed(start);
    return v;
  }

  // Reports the whole run of number-like characters, e.g. "1.2.3" or "0x10".
  [[noreturn]] void fail_malformed(std::size_t start) {
    std::size_t end = start;
    while (end < text_.size() &&
           (is_name_char(text_[end]) || text_[end] == '.' || text_[end] == '+' || text_[end] == '-'))
      ++end;
    if (end == start) end = start + 1;
    fail("malformed number '" + std::string(text_.substr(start, end - start)) + "'", start);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
};

}  // namespace

SpecCall parse_spec(std::string_view text) { return Parser(text).whole_call(); }

SpecValue parse_spec_value(std::string_view text) { return Parser(text).whole_value(); }

std::string point_at(std::string_view message, std::string_view text, std::size_t column) {
  std::string out(message);
  out += "\n  ";
  for (char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  out += "\n  ";
  // One space per character before the caret; UTF-8 continuation bytes take no column
  // on a terminal, so they add none and the caret stays under the right character.
  const std::size_t before = column > 0 ? std::min(column - 1, text.size()) : 0;
  for (std::size_t i = 0; i < before; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) out += ' ';
  }
  if (column > text.size() + 1) out.append(column - 1 - text.size(), ' ');
  out += '^';
  return out;
}

std::string quote_spec_string(std::string_view text, std::string_view what) {
  for (char c : text)
    if (!is_printable(c))
      throw ConfigError(std::string(what) + " holds a character outside printable ASCII, which a spec cannot write");
  const bool single = text.find('\'') != std::string_view::npos;
  if (single && text.find('"') != std::string_view::npos)
    throw ConfigError(std::string(what) + " holds both kinds of quote, which a spec cannot write: '" +
                      std::string(text) + "'");
  const char quote = single ? '"' : '\'';
  std::string out(1, quote);
  out += text;
  out += quote;
  return out;
}

}  // namespace descent
