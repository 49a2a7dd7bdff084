// Every registry schedule against its reference closed form (reference_schedules.hpp),
// over a range of steps that crosses each schedule's breakpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/table_schedule.hpp"
#include "transform/reference_schedules.hpp"

namespace descent::testing {
namespace {

struct ScheduleCase {
  std::string entry;
  std::string spec;
  reference::ScheduleFn reference;
};

// A schedule file for the table(...) cases: 5 multipliers, the last held afterwards.
std::string table_file() {
  const std::string path = ::testing::TempDir() + "descent_schedule_table.txt";
  std::ofstream(path) << "# a refined schedule\n0.5\n\n1\n0.75\n  0.25 \n0\n";
  return path;
}
reference::ScheduleFn table_reference(double peak) {
  return [peak](std::int64_t k) {
    const double m[] = {0.5, 1, 0.75, 0.25, 0};
    return peak * m[std::min<std::int64_t>(k, 4)];
  };
}

std::vector<ScheduleCase> schedule_cases() {
  namespace r = reference;
  const std::string table = table_file();
  return {
      {"constant", "constant(value=0.25)", r::constant_schedule(0.25)},
      {"constant", "-3", r::constant_schedule(-3)},
      {"step_decay", "step_decay(init=0.1, every=7, gamma=0.3)", r::step_decay_schedule(0.1, 7, 0.3)},
      {"step_decay", "step_decay(init=2, every=1, gamma=1.5)", r::step_decay_schedule(2, 1, 1.5)},
      {"exponential", "exponential(init=0.1, gamma=0.97)", r::exponential_schedule(0.1, 0.97)},
      {"linear_decay", "linear_decay(init=0.1, steps=30, end=0.01)", r::linear_decay_schedule(0.1, 30, 0.01)},
      {"linear_decay", "linear_decay(init=0.01, steps=9, end=0.05)", r::linear_decay_schedule(0.01, 9, 0.05)},
      {"cosine", "cosine(init=0.1, steps=40, end=0.001)", r::cosine_schedule(0.1, 40, 0.001)},
      {"cosine", "cosine(init=1, steps=1)", r::cosine_schedule(1, 1, 0)},
      {"warmup", "warmup(after=cosine(init=0.1, steps=20, end=0.01), steps=10, start=0.2)",
       r::warmup_schedule(r::cosine_schedule(0.1, 20, 0.01), 10, 0.2)},
      {"warmup", "warmup(after=0.5, steps=3)", r::warmup_schedule(r::constant_schedule(0.5), 3, 0)},
      {"warmup", "warmup(after=step_decay(init=1, every=4, gamma=0.5), steps=5, start=1)",
       r::warmup_schedule(r::step_decay_schedule(1, 4, 0.5), 5, 1)},
      {"wsd", "wsd(init=0.1, steps=40, warmup=5, decay=12, end=0.01, shape=linear)",
       r::wsd_schedule(0.1, 40, 5, 12, 0.01, 'l')},
      {"wsd", "wsd(init=0.1, steps=40, warmup=5, decay=12, end=0.01, shape=cosine)",
       r::wsd_schedule(0.1, 40, 5, 12, 0.01, 'c')},
      {"wsd", "wsd(init=2, steps=30, warmup=0, decay=30)", r::wsd_schedule(2, 30, 0, 30, 0, 's')},
      {"wsd", "wsd(init=1, steps=25, warmup=25, decay=0, shape=sqrt)", r::wsd_schedule(1, 25, 25, 0, 0, 's')},
      {"table", "table('" + table + "', peak=0.2)", table_reference(0.2)},
      {"table", "table(file='" + table + "')", table_reference(1)},
  };
}

// Each closed form is a few operations (<= 8 roundings), and the reference's repeated
// products in step_decay add one rounding per decay (<= 60 here): 64 eps relative,
// plus 64 eps of the initial value where a schedule passes through zero.
constexpr double kScheduleBound = 64 * std::numeric_limits<double>::epsilon();

TEST(Schedules, MatchTheirClosedForms) {
  for (const auto& c : schedule_cases()) {
    SCOPED_TRACE(c.spec);
    const SchedulePtr s = parse_schedule(c.spec);
    const double scale = std::abs(c.reference(0));
    for (std::int64_t k = 0; k <= 60; ++k)
      EXPECT_NEAR(s->value(k), c.reference(k), kScheduleBound * (std::abs(c.reference(k)) + scale)) << "k = " << k;
  }
}

TEST(Schedules, EveryRegistryScheduleHasACase) {
  std::set<std::string> covered;
  for (const auto& c : schedule_cases()) covered.insert(c.entry);
  for (const RegistryEntry& entry : registry())
    if (entry.kind == EntryKind::schedule) EXPECT_TRUE(covered.contains(entry.name)) << entry.name;
}

TEST(Schedules, CanonicalSpecsParseBack) {
  for (const auto& c : schedule_cases()) {
    const std::string canonical = parse_schedule(c.spec)->spec();
    EXPECT_EQ(parse_schedule(canonical)->spec(), canonical) << c.spec;
  }
}

TEST(Schedules, EndpointsAreExact) {
  // Values a user relies on exactly: the start, the end of a decay, and the warm-up peak.
  EXPECT_EQ(cosine(0.1, 40, 0.001)->value(0), 0.1);
  EXPECT_EQ(cosine(0.1, 40, 0.001)->value(40), 0.001);
  EXPECT_EQ(cosine(0.1, 40, 0.001)->value(1000), 0.001);
  EXPECT_EQ(linear_decay(0.1, 30, 0.01)->value(30), 0.01);
  EXPECT_EQ(linear_decay(0.1, 30, 0.01)->value(31), 0.01);
  EXPECT_EQ(warmup(constant(0.5), 3, 0)->value(0), 0.0);
  EXPECT_EQ(warmup(constant(0.5), 3, 0)->value(3), 0.5);
  EXPECT_EQ(step_decay(0.1, 7, 0.3)->value(6), 0.1);
}

TEST(Schedules, WsdBoundariesAreExact) {
  // The phase ends a run depends on: 0 at k = 0, the peak from k = warmup to T - D, end from T.
  for (const char* shape : {"linear", "cosine", "sqrt"}) {
    SCOPED_TRACE(shape);
    const SchedulePtr s = wsd(0.1, 40, 5, 12, 0.01, shape);
    EXPECT_EQ(s->value(0), 0.0);
    EXPECT_EQ(s->value(5), 0.1);
    EXPECT_EQ(s->value(27), 0.1);
    EXPECT_EQ(s->value(28), 0.1);  // s = 0: the decay starts at the peak
    EXPECT_LT(s->value(29), 0.1);
    EXPECT_EQ(s->value(40), 0.01);
    EXPECT_EQ(s->value(1000), 0.01);
  }
}

TEST(Schedules, WsdSqrtCooldownDropsFasterThanLinearEarlyOn) {
  // 1 - sqrt(s) < 1 - s for 0 < s < 1 (Hagele et al.'s point: most of the drop comes early),
  // and both are monotone non-increasing over the cooldown.
  const SchedulePtr root = wsd(1, 100, 0, 50, 0, "sqrt"), line = wsd(1, 100, 0, 50, 0, "linear");
  for (std::int64_t k = 51; k < 100; ++k) {
    EXPECT_LT(root->value(k), line->value(k)) << k;
    EXPECT_LE(root->value(k), root->value(k - 1)) << k;
  }
}

TEST(Schedules, WsdRejectsPhasesLongerThanTheRun) {
  try {
    (void)wsd(0.1, 10, 6, 5);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("WsdOptions::decay = 5 violates warmup + decay <= steps"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)parse_schedule("wsd(shape=exponential)"), ParseError);
}

TEST(Schedules, TableFileErrorsNameTheFileAndLine) {
  const std::string path = ::testing::TempDir() + "descent_schedule_bad.txt";
  std::ofstream(path) << "1\n# fine\n0.5\nabc\n";
  try {
    (void)table_schedule(path, 1);
    FAIL() << "no FormatError";
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'" + path + "', line 4: 'abc'"), std::string::npos) << message;
  }
  std::ofstream(path) << "1\n-0.5\n";
  EXPECT_THROW((void)table_schedule(path, 1), FormatError);
  std::ofstream(path) << "# nothing\n";
  EXPECT_THROW((void)table_schedule(path, 1), FormatError);
  EXPECT_THROW((void)table_schedule(::testing::TempDir() + "descent_no_such_schedule.txt", 1), IoError);
  EXPECT_THROW((void)table_schedule(std::vector<double>{1, 0.5}, 0), ConfigError);
  EXPECT_THROW((void)parse_schedule("table(peak=2)"), ParseError);
  EXPECT_THROW((void)parse_schedule("table(1)"), ParseError);
}

}  // namespace
}  // namespace descent::testing
