// Every constrained hyperparameter of every registry entry is rejected, when just
// outside its range, with the exact ConfigError message
//   "<Options>::<name> = <value> violates <constraint>".
// The constraints themselves are pinned by a literal table here, so that a registry
// whose documented range drifted from the algorithm's (beta1 <= 1, say) fails too.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/adagrad.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/clip_by_value.hpp"
#include "descent/transform/rmsprop.hpp"
#include "descent/transform/scale_by_schedule.hpp"
#include "descent/transform/schedule_options.hpp"
#include "descent/transform/sgd.hpp"
#include "descent/transform/weight_decay.hpp"

namespace descent::testing {
namespace {

// "entry.parameter" -> its constraint, as the algorithms require it.
const std::map<std::string, std::string>& expected_constraints() {
  static const std::map<std::string, std::string> table = [] {
    std::map<std::string, std::string> t;
    for (const char* adam_like : {"adam", "adamw", "amsgrad"}) {
      const std::string e = adam_like;
      t[e + ".lr"] = "lr > 0";
      t[e + ".beta1"] = "0 <= beta1 < 1";
      t[e + ".beta2"] = "0 <= beta2 < 1";
      t[e + ".eps"] = "eps >= 0";
      t[e + ".weight_decay"] = "weight_decay >= 0";
    }
    for (const char* sgd_like : {"sgd", "momentum", "nesterov"}) {
      const std::string e = sgd_like;
      t[e + ".lr"] = "lr > 0";
      t[e + ".momentum"] = "0 <= momentum < 1";
      t[e + ".weight_decay"] = "weight_decay >= 0";
    }
    t["adagrad.lr"] = "lr > 0";
    t["adagrad.lr_decay"] = "lr_decay >= 0";
    t["adagrad.weight_decay"] = "weight_decay >= 0";
    t["adagrad.initial_accumulator"] = "initial_accumulator >= 0";
    t["adagrad.eps"] = "eps >= 0";
    t["adagrad_norm.lr"] = "lr > 0";
    t["adagrad_norm.b0"] = "b0 > 0";
    t["adagrad_norm.weight_decay"] = "weight_decay >= 0";
    t["rmsprop.lr"] = "lr > 0";
    t["rmsprop.alpha"] = "0 <= alpha < 1";
    t["rmsprop.eps"] = "eps >= 0";
    t["rmsprop.weight_decay"] = "weight_decay >= 0";
    t["rmsprop.momentum"] = "0 <= momentum < 1";
    t["mfac.m"] = "1 <= m <= 1024";
    t["mfac.damping"] = "damping > 0";
    t["mfac.refresh"] = "refresh >= 0";
    t["continuized_nesterov.lr"] = "lr > 0";
    t["continuized_nesterov.mu"] = "mu >= 0";
    t["continuized_nesterov.seed"] = "seed >= 0";
    t["optimism.strength"] = "strength >= 0";
    t["muon.lr"] = "lr > 0";
    t["muon.momentum"] = "0 <= momentum < 1";
    t["muon.weight_decay"] = "weight_decay >= 0";
    t["muon.ns_steps"] = "1 <= ns_steps <= 99";
    t["muon.eps"] = "eps > 0";
    t["lanton.lr"] = "lr > 0";
    t["lanton.momentum"] = "0 <= momentum < 1";
    t["lanton.weight_decay"] = "weight_decay >= 0";
    t["lanton.ns_steps"] = "1 <= ns_steps <= 99";
    t["lanton.eps"] = "eps > 0";
    t["lanton.beta2"] = "0 <= beta2 < 1";
    t["lanton.alpha"] = "alpha > 0";
    t["add_decayed_weights.coefficient"] = "coefficient >= 0";
    t["clip_by_global_norm.max_norm"] = "max_norm > 0";
    t["clip_by_value.limit"] = "limit > 0";
    t["weight_decay.rate"] = "rate >= 0";
    t["diffgrad.lr"] = "lr > 0";
    t["diffgrad.beta1"] = "0 <= beta1 < 1";
    t["diffgrad.beta2"] = "0 <= beta2 < 1";
    t["diffgrad.eps"] = "eps >= 0";
    t["diffgrad.weight_decay"] = "weight_decay >= 0";
    t["exponentiated_gradient.lr"] = "lr > 0";
    t["coordinate_clip.fraction"] = "0 <= fraction < 1";
    t["normalize.eps"] = "eps > 0";
    t["perturb.sigma"] = "sigma >= 0";
    t["perturb.seed"] = "seed >= 0";
    for (const char* decaying : {"cosine", "linear_decay"}) {
      const std::string e = decaying;
      t[e + ".init"] = "init >= 0";
      t[e + ".steps"] = "steps >= 1";
      t[e + ".end"] = "end >= 0";
    }
    t["exponential.init"] = "init >= 0";
    t["exponential.gamma"] = "gamma > 0";
    t["step_decay.init"] = "init >= 0";
    t["step_decay.every"] = "every >= 1";
    t["step_decay.gamma"] = "gamma > 0";
    t["warmup.steps"] = "steps >= 1";
    t["warmup.start"] = "0 <= start <= 1";
    t["wsd.init"] = "init >= 0";
    t["wsd.steps"] = "steps >= 1";
    t["wsd.warmup"] = "warmup >= 0";
    t["wsd.decay"] = "decay >= 0";
    t["wsd.end"] = "end >= 0";
    t["table.peak"] = "peak > 0";
    return t;
  }();
  return table;
}

std::string config_error_of(const std::function<void()>& build) {
  try {
    build();
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "accepted";
}

TEST(BadOptions, EveryConstrainedRegistryParameterRejectsItsOutsideValue) {
  std::set<std::string> seen;
  for (const RegistryEntry& entry : registry()) {
    // The transform axis; tests/spec/registry_test.cpp checks every kind's messages.
    if (entry.kind != EntryKind::optimizer && entry.kind != EntryKind::transform && entry.kind != EntryKind::schedule)
      continue;
    for (const ParameterDoc& parameter : entry.parameters) {
      if (!parameter.has_constraint) continue;
      // A choice (wsd's shape) has no number outside it; a wrong name is a ParseError, which
      // tests/spec checks for every choice field.
      if (parameter.constraint.starts_with("one of ")) continue;
      const std::string key = entry.name + "." + parameter.name;
      seen.insert(key);
      const auto expected = expected_constraints().find(key);
      if (expected == expected_constraints().end()) {
        ADD_FAILURE() << key << " has the constraint '" << parameter.constraint << "' that this test does not know";
        continue;
      }
      EXPECT_EQ(parameter.constraint, expected->second) << key;
      EXPECT_FALSE(std::isnan(parameter.outside)) << key;
      const std::string value = format_number(parameter.outside);
      // table needs its file before any other argument means anything.
      const std::string file = ::testing::TempDir() + "descent_bad_options_table.txt";
      if (entry.name == "table") std::ofstream(file) << "1\n";
      const std::string spec = entry.name + "(" + (entry.name == "table" ? "'" + file + "', " : std::string()) +
                               parameter.name + "=" + value + ")";
      const std::string message =
          entry.options + "::" + parameter.name + " = " + value + " violates " + expected->second;
      if (entry.kind == EntryKind::schedule) {
        EXPECT_EQ(config_error_of([&] { parse_schedule(spec); }), message) << spec;
      } else {
        EXPECT_EQ(config_error_of([&] { parse_transform(spec); }), message) << spec;
      }
    }
  }
  for (const auto& [key, constraint] : expected_constraints())
    EXPECT_TRUE(seen.contains(key)) << key << " (" << constraint << ") is not a constrained registry parameter";
}

TEST(BadOptions, UpperBoundsAndBoundariesThroughTheFactories) {
  EXPECT_EQ(config_error_of([] { adam({.beta1 = 1}); }), "AdamOptions::beta1 = 1 violates 0 <= beta1 < 1");
  EXPECT_EQ(config_error_of([] { adamw({.beta2 = 1.5}); }), "AdamOptions::beta2 = 1.5 violates 0 <= beta2 < 1");
  EXPECT_EQ(config_error_of([] { sgd({.momentum = 1}); }), "SgdOptions::momentum = 1 violates 0 <= momentum < 1");
  EXPECT_EQ(config_error_of([] { rmsprop({.alpha = 1}); }), "RmspropOptions::alpha = 1 violates 0 <= alpha < 1");
  EXPECT_EQ(config_error_of([] { rmsprop({.momentum = 2}); }),
            "RmspropOptions::momentum = 2 violates 0 <= momentum < 1");
  EXPECT_EQ(config_error_of([] { warmup(constant(1), 10, 1.25); }),
            "WarmupOptions::start = 1.25 violates 0 <= start <= 1");
  EXPECT_EQ(config_error_of([] { clip_by_global_norm(0); }),
            "ClipByGlobalNormOptions::max_norm = 0 violates max_norm > 0");
  EXPECT_EQ(config_error_of([] { clip_by_value(-2); }), "ClipByValueOptions::limit = -2 violates limit > 0");
  // Closed ends are allowed.
  EXPECT_EQ(config_error_of([] { adam({.beta1 = 0, .beta2 = 0, .eps = 0}); }), "accepted");
  EXPECT_EQ(config_error_of([] { adagrad({.lr_decay = 0, .initial_accumulator = 0, .eps = 0}); }), "accepted");
  EXPECT_EQ(config_error_of([] { warmup(constant(1), 1, 1); }), "accepted");
  EXPECT_EQ(config_error_of([] { scale_by_schedule(constant(-5)); }), "accepted");
}

TEST(BadOptions, NanAndMissingSchedulesThroughTheFactories) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(config_error_of([&] { adam({.eps = nan}); }), "AdamOptions::eps = nan violates eps >= 0");
  // A NaN number-or-schedule is refused by the constant schedule that would carry it.
  EXPECT_EQ(config_error_of([&] { sgd({.lr = constant(nan)}); }),
            "ConstantScheduleOptions::value = nan violates value finite");
  EXPECT_EQ(config_error_of([&] { weight_decay(nan); }), "ConstantScheduleOptions::value = nan violates value finite");
  EXPECT_EQ(config_error_of([] { adagrad({.lr = nullptr}); }), "AdagradOptions::lr is not set");
  EXPECT_EQ(config_error_of([] { scale_by_schedule(nullptr); }), "ScaleByScheduleOptions::schedule is not set");
  EXPECT_EQ(config_error_of([] { warmup(nullptr, 10, 0); }), "WarmupOptions::after is not set");
}

TEST(BadOptions, CrossFieldAndNestedScheduleConstraints) {
  EXPECT_EQ(config_error_of([] { sgd({.momentum = 0, .nesterov = true}); }),
            "SgdOptions::momentum = 0 violates momentum > 0 when nesterov = true");
  EXPECT_EQ(config_error_of([] { parse_transform("nesterov(momentum=0)"); }),
            "SgdOptions::momentum = 0 violates momentum > 0 when nesterov = true");
  // A schedule's own options are checked where the schedule is built, inside an optimizer's spec.
  EXPECT_EQ(config_error_of([] { parse_transform("adam(lr=cosine(init=0.1, steps=0))"); }),
            "CosineOptions::steps = 0 violates steps >= 1");
  EXPECT_EQ(config_error_of([] { parse_transform("chain(clip_by_global_norm(1), adam(lr=-0.001))"); }),
            "AdamOptions::lr = -0.001 violates lr > 0");
}

}  // namespace
}  // namespace descent::testing
