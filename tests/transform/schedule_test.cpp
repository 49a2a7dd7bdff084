// Every registry schedule against its reference closed form (reference_schedules.hpp),
// over a range of steps that crosses each schedule's breakpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "descent/spec/registry.hpp"
#include "transform/reference_schedules.hpp"

namespace descent::testing {
namespace {

struct ScheduleCase {
  std::string entry;
  std::string spec;
  reference::ScheduleFn reference;
};

std::vector<ScheduleCase> schedule_cases() {
  namespace r = reference;
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

}  // namespace
}  // namespace descent::testing
