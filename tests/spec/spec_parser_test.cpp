// The spec grammar on its own: what parses into what, and for every kind of error, the
// column and the message (the messages are the parser's user interface).
#include "descent/spec/spec_parser.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "descent/core/error.hpp"

namespace descent {
namespace {

double number_of(const SpecValue& v) { return std::get<double>(v.value); }
const SpecCall& call_of(const SpecValue& v) { return *std::get<std::shared_ptr<SpecCall>>(v.value); }

TEST(SpecParser, BareNameIsACallWithoutParentheses) {
  const SpecCall c = parse_spec("adam");
  EXPECT_EQ(c.name, "adam");
  EXPECT_EQ(c.column, 1u);
  EXPECT_FALSE(c.has_parens);
  EXPECT_TRUE(c.args.empty());
}

TEST(SpecParser, EmptyParenthesesAreACallWithNoArguments) {
  const SpecCall c = parse_spec("  sgd ( ) ");
  EXPECT_EQ(c.name, "sgd");
  EXPECT_EQ(c.column, 3u);
  EXPECT_TRUE(c.has_parens);
  EXPECT_TRUE(c.args.empty());
}

TEST(SpecParser, PositionalAndNamedArgumentsKeepOrderAndColumns) {
  //                             1234567890123456789012345678
  const SpecCall c = parse_spec("adam(1e-3, beta1 = 0.8,amsgrad=true)");
  ASSERT_EQ(c.args.size(), 3u);
  EXPECT_FALSE(c.args[0].key.has_value());
  EXPECT_EQ(number_of(c.args[0].value), 1e-3);
  EXPECT_EQ(c.args[0].column, 6u);
  EXPECT_EQ(c.args[0].value.column, 6u);
  EXPECT_EQ(c.args[1].key, "beta1");
  EXPECT_EQ(c.args[1].column, 12u);
  EXPECT_EQ(c.args[1].value.column, 20u);
  EXPECT_EQ(number_of(c.args[1].value), 0.8);
  EXPECT_EQ(c.args[2].key, "amsgrad");
  EXPECT_EQ(c.args[2].column, 24u);
  EXPECT_EQ(std::get<bool>(c.args[2].value.value), true);
}

TEST(SpecParser, CallsNestAsValues) {
  const SpecCall c = parse_spec("chain(clip_by_global_norm(1), adam(lr=warmup(cosine(1e-3, 5000), 100)))");
  ASSERT_EQ(c.args.size(), 2u);
  const SpecCall& clip = call_of(c.args[0].value);
  EXPECT_EQ(clip.name, "clip_by_global_norm");
  EXPECT_EQ(clip.column, 7u);
  const SpecCall& adam = call_of(c.args[1].value);
  EXPECT_EQ(adam.name, "adam");
  ASSERT_EQ(adam.args.size(), 1u);
  EXPECT_EQ(adam.args[0].key, "lr");
  const SpecCall& warm = call_of(adam.args[0].value);
  EXPECT_EQ(warm.name, "warmup");
  ASSERT_EQ(warm.args.size(), 2u);
  const SpecCall& cos = call_of(warm.args[0].value);
  EXPECT_EQ(cos.name, "cosine");
  EXPECT_EQ(number_of(cos.args[1].value), 5000.0);
  EXPECT_EQ(number_of(warm.args[1].value), 100.0);
}

TEST(SpecParser, NestedBareNameIsACall) {
  const SpecCall c = parse_spec("adam(lr=cosine)");
  const SpecCall& cos = call_of(c.args[0].value);
  EXPECT_EQ(cos.name, "cosine");
  EXPECT_FALSE(cos.has_parens);
  EXPECT_EQ(cos.column, 9u);
}

TEST(SpecParser, WhitespaceOfEveryKindSeparatesTokens) {
  const SpecCall c = parse_spec("\tadam\n(\r lr\f=\v2 ,\n beta1=0.5 )\n");
  EXPECT_EQ(c.name, "adam");
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(number_of(c.args[0].value), 2.0);
  EXPECT_EQ(c.args[1].key, "beta1");
}

// Decimal forms are read correctly rounded, exactly as the compiler reads the same
// literal, so exact equality is the right test.
TEST(SpecParser, NumbersInEveryDecimalForm) {
  const struct {
    const char* text;
    double value;
  } cases[] = {{"1", 1.0},
               {"-0.5", -0.5},
               {"+2E+4", 2e4},
               {".5", 0.5},
               {"3.", 3.0},
               {"1e-3", 1e-3},
               {"-1.25e-2", -1.25e-2},
               {"0.1", 0.1},
               {"5e-324", 5e-324},
               {"1.7976931348623157e308", 1.7976931348623157e308},
               {"007", 7.0},
               {"1E3", 1000.0}};
  for (const auto& c : cases) {
    const std::string spec = std::string("f(") + c.text + ")";
    const SpecCall call = parse_spec(spec);
    ASSERT_EQ(call.args.size(), 1u) << spec;
    EXPECT_EQ(number_of(call.args[0].value), c.value) << spec;
  }
  const SpecCall neg_zero = parse_spec("f(-0)");
  EXPECT_TRUE(std::signbit(number_of(neg_zero.args[0].value)));
}

TEST(SpecParser, ValueParsesBareNumbersAndBooleans) {
  EXPECT_EQ(number_of(parse_spec_value(" 0.25 ")), 0.25);
  EXPECT_EQ(std::get<bool>(parse_spec_value("false").value), false);
  EXPECT_EQ(call_of(parse_spec_value("cosine(1, 10)")).name, "cosine");
}

TEST(SpecParser, PointAtDrawsTheSpecAndACaret) {
  EXPECT_EQ(point_at("oops", "adam(lr=)", 9), "oops\n  adam(lr=)\n          ^");
  EXPECT_EQ(point_at("oops", "ab", 3), "oops\n  ab\n    ^");
  // Control characters show as spaces so that the caret stays under its column.
  EXPECT_EQ(point_at("m", "a\tb\nc", 5), "m\n  a b c\n      ^");
  // A two-byte UTF-8 character occupies one terminal column.
  EXPECT_EQ(point_at("m", "\xC3\xA9x", 3), "m\n  \xC3\xA9x\n   ^");
}

// One error: its 1-based column and the first line of its message.
struct ErrorCase {
  const char* spec;
  std::size_t column;
  const char* message;
};

void expect_error(const ErrorCase& c, bool as_value = false) {
  SCOPED_TRACE(c.spec);
  try {
    if (as_value) {
      parse_spec_value(c.spec);
    } else {
      parse_spec(c.spec);
    }
    ADD_FAILURE() << "no ParseError";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.column(), c.column);
    EXPECT_EQ(std::string(e.what()), point_at(c.message, c.spec, c.column));
  }
}

TEST(SpecParser, EveryErrorHasItsColumnAndMessage) {
  const ErrorCase cases[] = {
      {"", 1, "empty spec"},
      {"   \t", 1, "empty spec"},
      {"chain(adam(lr=1", 16, "expected ')' to close 'adam(' opened at column 7"},
      {"adam(", 6, "expected ')' to close 'adam(' opened at column 1"},
      {"adam(lr=1 ", 11, "expected ')' to close 'adam(' opened at column 1"},
      {"adam #", 6, "unexpected character '#'"},
      {"adam(lr=1;", 10, "unexpected character ';'"},
      {"adam(lr=\x01)", 9, "unexpected character 0x01 (a spec is plain ASCII)"},
      {"adam(lr=\xC3\xA9)", 9, "unexpected character 0xC3 (a spec is plain ASCII)"},
      {"adam() x", 8, "trailing text after the spec"},
      {"adam(lr=1))", 11, "trailing text after the spec"},
      {"adam lr=1", 6, "trailing text after the spec"},
      {"adam(lr=)", 9, "expected a value after 'lr='"},
      {"adam(lr= , beta1=1)", 10, "expected a value after 'lr='"},
      {"adam(lr=", 9, "expected a value after 'lr='"},
      {"adam(=1)", 6, "expected an argument name before '='"},
      {"adam(lr=1,)", 11, "expected an argument after ','"},
      {"adam(lr=1,,beta1=2)", 11, "expected an argument after ','"},
      {"adam(,)", 6, "expected a value (a number, true, false, a quoted string or a call), found ','"},
      {"adam(lr=1 beta1=2)", 11, "expected ',' or ')' after an argument of 'adam(', found 'beta1'"},
      {"adam(lr=(1))", 9, "expected a value (a number, true, false, a quoted string or a call), found '('"},
      {"(adam)", 1, "expected a name (e.g. 'adam'), found '('"},
      {"1e-3", 1, "expected a name (e.g. 'adam'), found '1e-3'"},
      {"adam(lr=inf)", 9, "numbers must be finite; 'inf' is not allowed"},
      {"adam(lr=-Infinity)", 9, "numbers must be finite; 'Infinity' is not allowed"},
      {"adam(lr=NaN)", 9, "numbers must be finite; 'NaN' is not allowed"},
      {"adam(lr=+nan)", 9, "numbers must be finite; 'nan' is not allowed"},
      {"adam(lr=-)", 9, "expected a number after '-'"},
      {"adam(lr=+x)", 9, "expected a number after '+'"},
      {"adam(lr=.)", 9, "malformed number '.'"},
      {"adam(lr=1.2.3)", 9, "malformed number '1.2.3'"},
      {"adam(lr=0x10)", 9, "malformed number '0x10'"},
      {"adam(lr=1e)", 9, "malformed number '1e'"},
      {"adam(lr=1e+)", 9, "malformed number '1e+'"},
      {"adam(lr=1-2)", 9, "malformed number '1-2'"},
      {"adam(lr=2abc)", 9, "malformed number '2abc'"},
      {"adam(lr=1e999)", 9, "number '1e999' is out of the range of a double"},
      {"adam(lr=-1e400)", 9, "number '-1e400' is out of the range of a double"},
      {"adam(lr=1e-400)", 9, "number '1e-400' is out of the range of a double"},
      {"group('*.bias", 14, "expected ' to close the string opened at column 7"},
      {"group(\"a', b)", 14, "expected \" to close the string opened at column 7"},
      {"group('a\tb')", 9, "unexpected character 0x09 in a quoted string (a spec is plain ASCII)"},
  };
  for (const auto& c : cases) expect_error(c);
}

TEST(SpecParser, ValueErrorsHaveTheirColumns) {
  expect_error({"", 1, "empty spec"}, true);
  expect_error({"0.5 1", 5, "trailing text after the spec"}, true);
  expect_error({"nan", 1, "numbers must be finite; 'nan' is not allowed"}, true);
  expect_error({")", 1, "expected a value (a number, true, false, a quoted string or a call), found ')'"}, true);
}

TEST(SpecParser, QuotedStringsAreValuesWithEitherQuote) {
  const SpecCall c = parse_spec("group('*.bias', match = \"it's\", \"\")");
  ASSERT_EQ(c.args.size(), 3u);
  EXPECT_EQ(std::get<SpecString>(c.args[0].value.value).text, "*.bias");
  EXPECT_EQ(c.args[0].value.column, 7u);
  EXPECT_EQ(*c.args[1].key, "match");
  EXPECT_EQ(std::get<SpecString>(c.args[1].value.value).text, "it's");
  EXPECT_EQ(std::get<SpecString>(c.args[2].value.value).text, "");
}

TEST(SpecParser, QuoteSpecStringRoundTripsAndRefusesWhatItCannotWrite) {
  for (const std::string text : {"*.bias", "it's", "say \"hi\"", "", "a b,c)"}) {
    const std::string quoted = quote_spec_string(text, "pattern");
    EXPECT_EQ(std::get<SpecString>(parse_spec_value(quoted).value).text, text) << quoted;
  }
  EXPECT_EQ(quote_spec_string("*.bias", "pattern"), "'*.bias'");  // single quotes are canonical
  EXPECT_THROW(quote_spec_string("it's \"both\"", "pattern"), ConfigError);
  EXPECT_THROW(quote_spec_string("tab\there", "pattern"), ConfigError);
}

std::string nested(std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "f(";
  return s + std::string(depth, ')');
}

TEST(SpecParser, NestingIsLimitedSoHostileInputCannotExhaustTheStack) {
  EXPECT_NO_THROW(parse_spec(nested(kMaxSpecDepth)));
  // The call one level too deep fails at its '(' (each level "f(" is two columns).
  const std::string too_deep = nested(kMaxSpecDepth + 1);
  const std::string message =
      "spec nested too deeply (more than " + std::to_string(kMaxSpecDepth) + " calls inside each other)";
  expect_error({too_deep.c_str(), 2 * kMaxSpecDepth + 2, message.c_str()});
  // Deeper than an 8 MiB stack takes recursively (three frames per level): a clean error.
  EXPECT_THROW(parse_spec(nested(100000)), ParseError);
}

}  // namespace
}  // namespace descent
