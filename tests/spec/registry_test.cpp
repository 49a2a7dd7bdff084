// The registry, driven by its own entry list so that a newly registered optimizer is
// covered without touching this file: every entry builds from its defaults, documents
// the defaults it really uses, round-trips through its canonical spec and rejects each
// constrained parameter with the ConfigError its Options struct defines.
#include "descent/spec/registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fstream>
#include <numbers>
#include <set>
#include <string>

#include "descent/core/error.hpp"
#include "descent/spec/spec_parser.hpp"
#include "descent/transform/chain.hpp"

namespace descent {
namespace {

// The canonical spec of the entry built from `spec`, whatever its kind.
std::string built_spec(const RegistryEntry& e, const std::string& spec) { return canonical_spec(e.kind, spec); }

// Models are built from a ModelSpec, not a spec string (tests/run/build_test.cpp).
bool has_spec_strings(const RegistryEntry& e) { return e.kind != EntryKind::model; }

TEST(Registry, HoldsEveryEntryGroupedByKindAndSortedByName) {
  const std::vector<std::string> expected = {"adagrad",
                                             "adagrad_norm",
                                             "adam",
                                             "adamw",
                                             "amsgrad",
                                             "continuized_nesterov",
                                             "diffgrad",
                                             "exponentiated_gradient",
                                             "lanton",
                                             "momentum",
                                             "muon",
                                             "nesterov",
                                             "rmsprop",
                                             "sgd",  // optimizers
                                             "add_decayed_weights",
                                             "chain",
                                             "clip_by_global_norm",
                                             "clip_by_value",
                                             "coordinate_clip",
                                             "mfac",
                                             "normalize",
                                             "optimism",
                                             "partition",
                                             "perturb",
                                             "scale_by_schedule",  // transforms
                                             "weight_decay",
                                             "constant",
                                             "cosine",
                                             "exponential",
                                             "linear_decay",
                                             "step_decay",
                                             "table",
                                             "warmup",
                                             "wsd",  // schedules
                                             "adaptive_batch",
                                             "diff2",
                                             "dp_sgd",
                                             "full_gradient",
                                             "gradient_coded",
                                             "gradient_surgery",
                                             "igt",
                                             "importance",
                                             "label_noise",
                                             "lsvrg",
                                             "lsvrg_as",
                                             "median_of_means",
                                             "minibatch",
                                             "saga",
                                             "sam",
                                             "svrg",
                                             "winsorized_mean",  // estimators
                                             "bcd",
                                             "grnewton",
                                             "lbfgs",
                                             "lbfgsb",
                                             "lkatyusha",
                                             "nonlinear_cg",
                                             "tron",  // solvers
                                             "exponential",
                                             "polyak",
                                             "tail",          // averaging
                                             "stationarity",  // stopping rules
                                             "least_squares",
                                             "logistic",
                                             "mlp",
                                             "softmax"};  // models
  std::vector<std::string> names;
  for (const auto& e : registry()) names.push_back(e.name);
  EXPECT_EQ(names, expected);
  for (std::size_t i = 1; i < registry().size(); ++i) {
    const auto& a = registry()[i - 1];
    const auto& b = registry()[i];
    EXPECT_LE(static_cast<int>(a.kind), static_cast<int>(b.kind)) << b.name;
    if (a.kind == b.kind) EXPECT_LT(a.name, b.name);
  }
  EXPECT_EQ(find_entry("adam"), &registry()[2]);
  EXPECT_EQ(find_entry("nope"), nullptr);
  // One name, two kinds: each lookup finds its own.
  EXPECT_EQ(find_entry("exponential", EntryKind::schedule)->kind, EntryKind::schedule);
  EXPECT_EQ(find_entry("exponential", EntryKind::averaging)->kind, EntryKind::averaging);
  EXPECT_EQ(find_entry("exponential", EntryKind::estimator), nullptr);
  for (EntryKind kind : kEntryKinds) {
    EXPECT_FALSE(entries_of(kind).empty()) << to_string(kind);
    EntryKind parsed = EntryKind::optimizer;
    EXPECT_TRUE(parse_entry_kind(to_string(kind), parsed));
    EXPECT_EQ(parsed, kind);
  }
}

TEST(Registry, EveryEntryIsDocumented) {
  for (const auto& e : registry()) {
    SCOPED_TRACE(e.name);
    EXPECT_FALSE(e.summary.empty());
    EXPECT_FALSE(e.reference.empty());
    EXPECT_EQ(e.options.empty(), e.name == "chain" || e.name == "partition");
    std::set<std::string> seen;
    for (const auto& p : e.parameters) {
      EXPECT_TRUE(seen.insert(p.name).second) << "duplicate parameter " << p.name;
      EXPECT_FALSE(p.type.empty());
      EXPECT_FALSE(p.doc.empty());
      EXPECT_EQ(p.has_constraint, !p.constraint.empty());
    }
  }
}

// Every choice field accepts each of its names, written bare, and refuses another name
// with a ParseError that lists them; the canonical spec writes the name back bare.
TEST(Registry, EveryChoiceFieldTakesItsNamesAndNoOther) {
  int checked = 0;
  for (const auto& e : registry()) {
    if (!has_spec_strings(e)) continue;
    for (const auto& p : e.parameters) {
      if (p.type != "name") continue;
      ASSERT_EQ(p.constraint.rfind("one of ", 0), 0u) << p.constraint;
      std::string list = p.constraint.substr(7) + ",";
      for (std::size_t at = 0, comma; (comma = list.find(',', at)) != std::string::npos; at = comma + 2) {
        const std::string name = list.substr(at, comma - at);
        const std::string spec = e.name + "(" + p.name + "=" + name + ")";
        SCOPED_TRACE(spec);
        // Followed by the next field, or by the closing parenthesis for a last field (wsd's shape).
        const std::string built = built_spec(e, spec);
        EXPECT_TRUE(built.find(p.name + "=" + name + ",") != std::string::npos ||
                    built.find(p.name + "=" + name + ")") != std::string::npos)
            << built;
        ++checked;
      }
      try {
        built_spec(e, e.name + "(" + p.name + "=no_such_name)");
        ADD_FAILURE() << e.name << "." << p.name << " accepted an unknown name";
      } catch (const ParseError& error) {
        EXPECT_NE(std::string(error.what()).find("'no_such_name' is not " + p.constraint), std::string::npos)
            << error.what();
      }
    }
  }
  EXPECT_GE(checked, 2);  // lbfgs's line_search today
}

TEST(Registry, EveryEntryBuildsFromDefaultsAndRoundTrips) {
  for (const auto& e : registry()) {
    if (!has_spec_strings(e)) continue;
    SCOPED_TRACE(e.name);
    if (e.name == "partition") {  // nothing to partition by: refused, not an empty optimizer
      EXPECT_THROW(built_spec(e, e.name), ParseError);
      const std::string minimal = built_spec(e, "partition(default=sgd)");
      EXPECT_EQ(built_spec(e, minimal), minimal);
      continue;
    }
    if (e.name == "table") {  // no default file: refused; a file's spec round-trips
      EXPECT_THROW(built_spec(e, e.name), ParseError);
      const std::string file = ::testing::TempDir() + "descent_registry_table.txt";
      std::ofstream(file) << "1\n0.5\n";
      const std::string minimal = built_spec(e, "table('" + file + "')");
      EXPECT_EQ(minimal, "table('" + file + "', peak=1)");
      EXPECT_EQ(built_spec(e, minimal), minimal);
      continue;
    }
    const std::string canonical = built_spec(e, e.name);
    EXPECT_EQ(built_spec(e, e.name + "()"), canonical);
    EXPECT_EQ(built_spec(e, canonical), canonical);
  }
}

TEST(Registry, DocumentedDefaultsAreTheDefaultsUsed) {
  for (const auto& e : registry()) {
    // table has no default file (its peak's default is checked in EveryEntryBuildsFromDefaultsAndRoundTrips).
    if (e.name == "chain" || e.name == "partition" || e.name == "table" || !has_spec_strings(e)) continue;
    SCOPED_TRACE(e.name);
    const std::string canonical = built_spec(e, e.name);
    if (e.name == "constant") {  // its canonical spec is the bare number
      ASSERT_EQ(e.parameters.size(), 1u);
      EXPECT_EQ(canonical, e.parameters[0].default_value);
      continue;
    }
    for (const auto& p : e.parameters) {
      // Followed by ',' or ')' so that "lr=0.01" cannot match inside "lr=0.015". A
      // constant schedule's spec is its bare number, so warmup's `after` shows as one.
      const std::string assignment = p.name + "=" + p.default_value;
      const bool found = canonical.find(assignment + ",") != std::string::npos ||
                         canonical.find(assignment + ")") != std::string::npos;
      EXPECT_TRUE(found) << assignment << " not in " << canonical;
    }
  }
}

TEST(Registry, VariantsShowTheirOwnDefaultsAndHideWhatTheyFix) {
  auto param = [](const std::string& entry, const std::string& name) -> const ParameterDoc* {
    for (const auto& p : find_entry(entry)->parameters)
      if (p.name == name) return &p;
    return nullptr;
  };
  ASSERT_NE(param("momentum", "momentum"), nullptr);
  EXPECT_EQ(param("momentum", "momentum")->default_value, "0.9");
  EXPECT_EQ(param("sgd", "momentum")->default_value, "0");
  EXPECT_EQ(param("nesterov", "momentum")->default_value, "0.9");
  EXPECT_EQ(param("adamw", "weight_decay")->default_value, "0.01");
  EXPECT_EQ(param("adam", "weight_decay")->default_value, "0");
  EXPECT_EQ(param("nesterov", "nesterov"), nullptr);
  EXPECT_EQ(param("momentum", "nesterov"), nullptr);
  EXPECT_EQ(param("amsgrad", "amsgrad"), nullptr);
  ASSERT_NE(param("adam", "amsgrad"), nullptr);

  const ParameterDoc* beta1 = param("adam", "beta1");
  EXPECT_EQ(beta1->type, "number");
  EXPECT_EQ(beta1->constraint, "0 <= beta1 < 1");
  EXPECT_EQ(beta1->outside, -1.0);
  EXPECT_EQ(param("adam", "lr")->type, "number or schedule");
  EXPECT_EQ(param("adam", "lr")->constraint, "lr > 0");
  EXPECT_EQ(param("adam", "amsgrad")->type, "bool");
  EXPECT_FALSE(param("adam", "amsgrad")->has_constraint);
  EXPECT_EQ(param("step_decay", "every")->type, "integer");
  EXPECT_EQ(param("step_decay", "every")->constraint, "every >= 1");
  EXPECT_FALSE(param("scale_by_schedule", "schedule")->has_constraint);

  EXPECT_EQ(parse_transform("momentum(0.1)")->spec(), "sgd(lr=0.1, momentum=0.9, nesterov=false, weight_decay=0)");
  EXPECT_EQ(parse_transform("nesterov")->spec(), "sgd(lr=0.01, momentum=0.9, nesterov=true, weight_decay=0)");
  EXPECT_EQ(parse_transform("amsgrad(beta2=0.99)")->spec(),
            "adam(lr=0.001, beta1=0.9, beta2=0.99, eps=1e-08, weight_decay=0, amsgrad=true)");
  EXPECT_EQ(parse_transform("adamw")->spec(),
            "adamw(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01, amsgrad=false)");
}

TEST(Registry, NonDefaultSpecsRoundTrip) {
  const char* specs[] = {
      "chain(clip_by_global_norm(1), adam(lr=1e-3))",
      "adam(lr=warmup(cosine(1e-3, 5000), 100), beta1=0.5, amsgrad=true)",
      "chain(add_decayed_weights(0.5), sgd(lr=exponential(0.1, 0.99), momentum=0.3), weight_decay(rate=cosine(1, 7)))",
      "scale_by_schedule(-0.75)",
      "scale_by_schedule(step_decay(2, 3, 0.5))",
      "rmsprop(0.5, 0.9, 1e-6, 0.1, 0.2, true)",
      "adagrad(lr=linear_decay(1, 10, 0.25), lr_decay=0.01, initial_accumulator=0.1)",
      "clip_by_value(5e-324)",
      "sgd(lr=0.30000000000000004)",
      "chain()",
      "warmup(warmup(constant(2), 3, 0.5), 4)",
      "adam(lr=cosine(1, 9223372036854775807))",  // int64 max: beyond a double's exact integers
  };
  for (const char* s : specs) {
    SCOPED_TRACE(s);
    const bool schedule = std::string(s).rfind("warmup", 0) == 0;
    const std::string canonical = schedule ? parse_schedule(s)->spec() : parse_transform(s)->spec();
    EXPECT_EQ(schedule ? parse_schedule(canonical)->spec() : parse_transform(canonical)->spec(), canonical);
  }
  // Numbers keep every bit through the canonical spec (shortest round-trip digits).
  EXPECT_EQ(parse_transform("sgd(lr=0.30000000000000004)")->spec(),
            "sgd(lr=0.30000000000000004, momentum=0, nesterov=false, weight_decay=0)");
  EXPECT_EQ(parse_schedule("step_decay(every=9007199254740993)")->spec(),
            "step_decay(init=0.001, every=9007199254740993, gamma=0.1)");
  EXPECT_EQ(parse_schedule("step_decay(every=+12)")->spec(), "step_decay(init=0.001, every=12, gamma=0.1)");
}

TEST(Registry, PositionalArgumentsFillFieldsInTableOrder) {
  EXPECT_EQ(parse_transform("adam(0.01, 0.8)")->spec(),
            "adam(lr=0.01, beta1=0.8, beta2=0.999, eps=1e-08, weight_decay=0, amsgrad=false)");
  EXPECT_EQ(parse_transform("clip_by_global_norm(2)")->spec(), "clip_by_global_norm(max_norm=2)");
  EXPECT_EQ(parse_schedule("cosine(1, 10)")->spec(), "cosine(init=1, steps=10, end=0)");
  EXPECT_EQ(parse_schedule("step_decay(1, 1e3, 0.5)")->spec(), "step_decay(init=1, every=1000, gamma=0.5)");
  EXPECT_EQ(parse_transform("adam(0.01, eps=0)")->spec(),
            "adam(lr=0.01, beta1=0.9, beta2=0.999, eps=0, weight_decay=0, amsgrad=false)");
}

TEST(Registry, NumbersAndCallsBothBuildSchedules) {
  double v = 0;
  const SchedulePtr c = parse_schedule("0.5");
  EXPECT_TRUE(is_constant(*c, &v));
  EXPECT_EQ(v, 0.5);
  EXPECT_TRUE(is_constant(*parse_schedule("constant(value=-2)"), &v));
  EXPECT_EQ(v, -2.0);
  EXPECT_EQ(parse_transform("weight_decay(constant(0.25))")->spec(), "weight_decay(rate=0.25)");
}

// Every constrained parameter of every entry, set to the value just outside its range,
// gives the ConfigError of its Options struct, unchanged by the registry.
TEST(Registry, EveryConstrainedParameterIsRejectedWithItsMessage) {
  int checked = 0;
  for (const auto& e : registry()) {
    if (!has_spec_strings(e)) continue;
    for (const auto& p : e.parameters) {
      if (!p.has_constraint || p.type == "name") continue;  // choices: EveryChoiceFieldTakesItsNamesAndNoOther
      // table needs its file before any other argument means anything.
      const std::string file = ::testing::TempDir() + "descent_registry_table.txt";
      if (e.name == "table") std::ofstream(file) << "1\n";
      const std::string spec = e.name + "(" + (e.name == "table" ? "'" + file + "', " : std::string()) + p.name + "=" +
                               format_number(p.outside) + ")";
      SCOPED_TRACE(spec);
      const std::string expected =
          e.options + "::" + p.name + " = " + format_number(p.outside) + " violates " + p.constraint;
      try {
        built_spec(e, spec);
        ADD_FAILURE() << "accepted";
      } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()), expected);
      }
      ++checked;
    }
  }
  // 105 constrained parameters with spec strings today (every kind but models); the bound
  // only guards against a vacuous loop.
  EXPECT_GE(checked, 90);
}

TEST(Registry, ConfigErrorsPropagateUnchangedFromNestedCalls) {
  const struct {
    const char* spec;
    const char* message;
  } cases[] = {
      {"adam(beta1=1.2)", "AdamOptions::beta1 = 1.2 violates 0 <= beta1 < 1"},
      {"chain(clip_by_global_norm(-1), adam)", "ClipByGlobalNormOptions::max_norm = -1 violates max_norm > 0"},
      {"adam(lr=cosine(init=-1))", "CosineOptions::init = -1 violates init >= 0"},
      {"adam(lr=-0.5)", "AdamOptions::lr = -0.5 violates lr > 0"},
      {"sgd(lr=warmup(2, 0))", "WarmupOptions::steps = 0 violates steps >= 1"},
      {"scale_by_schedule(warmup(1, 5, 1.5))", "WarmupOptions::start = 1.5 violates 0 <= start <= 1"},
      {"nesterov(momentum=0)", "SgdOptions::momentum = 0 violates momentum > 0 when nesterov = true"},
      {"rmsprop(alpha=1)", "RmspropOptions::alpha = 1 violates 0 <= alpha < 1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec);
    try {
      parse_transform(c.spec);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), c.message);
    }
  }
}

// Values against the formulas of schedule.hpp, computed by hand. Where the value is
// not exact in binary, it comes out of at most a handful of roundings (each <= eps/2
// relative) and, for cosine, one libm cos (<= 1 ulp): 8 eps relative bounds both.
void expect_close(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 8 * DBL_EPSILON * std::max(1.0, std::abs(expected)));
}

TEST(Registry, ScheduleValuesFollowTheirFormulas) {
  const SchedulePtr c = parse_schedule("constant(0.5)");
  EXPECT_EQ(c->value(0), 0.5);
  EXPECT_EQ(c->value(123456), 0.5);

  // init * gamma^floor(t / every), powers of two: exact.
  const SchedulePtr step = parse_schedule("step_decay(1, 10, 0.5)");
  EXPECT_EQ(step->value(0), 1.0);
  EXPECT_EQ(step->value(9), 1.0);
  EXPECT_EQ(step->value(10), 0.5);
  EXPECT_EQ(step->value(25), 0.25);

  const SchedulePtr ex = parse_schedule("exponential(init=2, gamma=0.5)");
  EXPECT_EQ(ex->value(0), 2.0);
  EXPECT_EQ(ex->value(3), 0.25);

  // end + (init - end) * max(0, 1 - t / steps) with init 1, end 0.2, steps 4.
  const SchedulePtr lin = parse_schedule("linear_decay(1, 4, 0.2)");
  expect_close(lin->value(0), 1.0);
  expect_close(lin->value(1), 0.8);
  expect_close(lin->value(2), 0.6);
  expect_close(lin->value(4), 0.2);
  expect_close(lin->value(10), 0.2);

  // end + (init - end) * (1 + cos(pi * t / steps)) / 2.
  const SchedulePtr cos = parse_schedule("cosine(2, 100, 1)");
  expect_close(cos->value(0), 2.0);
  expect_close(cos->value(25), 1.0 + (1.0 + std::sqrt(0.5)) / 2.0);
  expect_close(cos->value(50), 1.5);
  expect_close(cos->value(100), 1.0);
  expect_close(cos->value(500), 1.0);

  // start * after(0) rising linearly to after(0) at t = steps, then after(t - steps).
  const SchedulePtr warm = parse_schedule("warmup(cosine(1, 10), 5, 0.2)");
  expect_close(warm->value(0), 0.2);
  expect_close(warm->value(1), 0.2 + 0.8 * 0.2);
  expect_close(warm->value(5), 1.0);
  expect_close(warm->value(10), 0.5);
  expect_close(warm->value(15), 0.0);
  const SchedulePtr ramp = parse_schedule("warmup(4, 4)");
  EXPECT_EQ(ramp->value(0), 0.0);
  EXPECT_EQ(ramp->value(1), 1.0);
  EXPECT_EQ(ramp->value(3), 3.0);
  EXPECT_EQ(ramp->value(4), 4.0);
  EXPECT_EQ(ramp->value(100), 4.0);
}

TEST(Registry, NestedChainsFlatten) {
  const TransformPtr t = parse_transform("chain(chain(clip_by_value(2), sgd), chain(chain(weight_decay(0.1))), chain)");
  const auto* c = dynamic_cast<const Chain*>(t.get());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->members().size(), 3u);
  for (const auto& m : c->members()) EXPECT_EQ(dynamic_cast<const Chain*>(m.get()), nullptr);
  EXPECT_EQ(t->spec(),
            "chain(clip_by_value(limit=2), sgd(lr=0.01, momentum=0, nesterov=false, weight_decay=0), "
            "weight_decay(rate=0.1))");
}

struct ErrorCase {
  const char* spec;
  std::size_t column;
  const char* message;
};

void expect_parse_error(const ErrorCase& c, bool schedule = false) {
  SCOPED_TRACE(c.spec);
  try {
    if (schedule) {
      parse_schedule(c.spec);
    } else {
      parse_transform(c.spec);
    }
    ADD_FAILURE() << "no ParseError";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.column(), c.column);
    EXPECT_EQ(std::string(e.what()), point_at(c.message, c.spec, c.column));
  }
}

TEST(Registry, UnknownNamesSuggestTheClosestOne) {
  const ErrorCase cases[] = {
      {"adma", 1, "unknown optimizer or transform 'adma'; did you mean 'adam'?"},
      {"Adam(lr=1)", 1, "unknown optimizer or transform 'Adam'; did you mean 'adam'?"},
      {"sdg", 1, "unknown optimizer or transform 'sdg'; did you mean 'sgd'?"},
      {"chain(rmsprp)", 7, "unknown optimizer or transform 'rmsprp'; did you mean 'rmsprop'?"},
      {"adam(lr=cosin(1, 10))", 9, "unknown schedule 'cosin'; did you mean 'cosine'?"},
      {"adam(lr=foo)", 9,
       "unknown schedule 'foo'; expected one of: constant, cosine, exponential, linear_decay, step_decay, table, "
       "warmup, wsd"},
      {"adam(betta1=0.5)", 6,
       "'adam' has no argument 'betta1'; did you mean 'beta1'? (arguments: lr, beta1, beta2, eps, weight_decay, "
       "amsgrad)"},
      {"clip_by_value(max=1)", 15, "'clip_by_value' has no argument 'max' (arguments: limit)"},
      {"cosine", 1, "'cosine' is a schedule, not an optimizer or transform"},
      {"adam(lr=adam)", 9, "'adam' is an optimizer, not a schedule"},
      {"sgd(lr=chain)", 8, "'chain' is a transform, not a schedule"},
  };
  for (const auto& c : cases) expect_parse_error(c);
  // Nothing close: the whole list, optimizers then transforms, each by name (from the
  // registry itself, so that adding an entry does not mean editing this test).
  std::string names;
  for (EntryKind kind : {EntryKind::optimizer, EntryKind::transform})
    for (const RegistryEntry* e : entries_of(kind)) names += (names.empty() ? "" : ", ") + e->name;
  const std::string all = "unknown optimizer or transform 'xyzzy'; expected one of: " + names;
  expect_parse_error({"xyzzy", 1, all.c_str()});
  EXPECT_NE(names.find("adagrad, adagrad_norm, adam"), std::string::npos);
  expect_parse_error({"adam", 1, "'adam' is an optimizer, not a schedule"}, true);
  expect_parse_error({"warmp(1, 2)", 1, "unknown schedule 'warmp'; did you mean 'warmup'?"}, true);
}

TEST(Registry, ArgumentErrorsNameTheArgument) {
  const ErrorCase cases[] = {
      {"sgd(lr=1, lr=2)", 11, "argument 'lr' given twice (first at column 5)"},
      {"adam(1, lr=2)", 9, "argument 'lr' given twice (first at column 6)"},
      {"clip_by_value(1, 2)", 18, "too many arguments: 'clip_by_value' takes at most 1 (limit)"},
      {"adam(lr=1, 2)", 12, "positional argument after a named one"},
      {"amsgrad(amsgrad=false)", 9, "argument 'amsgrad' is fixed by 'amsgrad'"},
      {"nesterov(nesterov=true)", 10, "argument 'nesterov' is fixed by 'nesterov'"},
      {"adam(amsgrad=1)", 14, "argument 'amsgrad' of 'adam' expects true or false, found the number 1"},
      {"adam(beta1=true)", 12, "argument 'beta1' of 'adam' expects a number, found true"},
      {"adam(beta1=cosine)", 12, "argument 'beta1' of 'adam' expects a number, found a call to 'cosine'"},
      {"adam(lr=false)", 9, "argument 'lr' of 'adam' expects a number or a schedule, found false"},
      {"adam(lr=step_decay(1, 1.5))", 23, "argument 'every' of 'step_decay' expects an integer, found the number 1.5"},
      {"adam(lr=cosine(1, 1e19))", 19, "argument 'steps' of 'cosine' expects an integer, found the number 1e+19"},
      {"adam(lr=cosine(1, true))", 19, "argument 'steps' of 'cosine' expects an integer, found true"},
      {"adam(lr=cosine(1, 9223372036854775808))", 19,
       "argument 'steps' of 'cosine' expects an integer, found 9223372036854775808 (beyond the 64-bit range)"},
      {"chain(1)", 7, "'chain' takes transforms (e.g. adam(lr=1e-3)), found the number 1"},
      {"chain(adam, true)", 13, "'chain' takes transforms (e.g. adam(lr=1e-3)), found true"},
      {"chain(first=adam)", 7, "'chain' takes only positional transforms, found the named argument 'first'"},
  };
  for (const auto& c : cases) expect_parse_error(c);
  expect_parse_error({"true", 1, "expected a schedule (a number or a call such as cosine(1e-3, 1000)), found true"},
                     true);
}

TEST(Registry, SyntaxErrorsComeFromTheParser) {
  expect_parse_error(
      {"chain(clip_by_global_norm(1), adam(lr=1e-3)", 44, "expected ')' to close 'chain(' opened at column 1"});
  expect_parse_error({"", 1, "empty spec"}, true);
}

}  // namespace
}  // namespace descent
