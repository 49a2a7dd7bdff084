// The generic tests are driven by transform_cases.hpp; these checks tie that table to
// the registry, so that every registered optimizer and transform is covered, and that
// the spec strings they use mean what the factories of the headers mean.
#include <gtest/gtest.h>

#include <set>

#include "descent/transform/adagrad.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/clip_by_value.hpp"
#include "descent/transform/coordinate_clip.hpp"
#include "descent/transform/diffgrad.hpp"
#include "descent/transform/exponentiated_gradient.hpp"
#include "descent/transform/normalize.hpp"
#include "descent/transform/rmsprop.hpp"
#include "descent/transform/scale_by_schedule.hpp"
#include "descent/transform/sgd.hpp"
#include "descent/transform/weight_decay.hpp"
#include "transform/transform_cases.hpp"

namespace descent::testing {
namespace {

TEST(RegistryCoverage, EveryOptimizerAndTransformHasAReferenceCase) {
  std::set<std::string> covered;
  for (const auto& c : transform_cases()) covered.insert(c.entry);
  for (const RegistryEntry& entry : registry()) {
    if (entry.kind != EntryKind::optimizer && entry.kind != EntryKind::transform) continue;
    EXPECT_TRUE(covered.contains(entry.name))
        << "registry entry '" << entry.name << "' has no row in tests/transform/transform_cases.hpp";
  }
}

TEST(RegistryCoverage, EveryCaseNamesItsEntryAndHasAUniqueLabel) {
  std::set<std::string> labels;
  for (const auto& c : transform_cases()) {
    EXPECT_TRUE(labels.insert(c.label).second) << c.label;
    const RegistryEntry* entry = find_entry(c.entry);
    ASSERT_NE(entry, nullptr) << c.entry;
    EXPECT_NE(entry->kind, EntryKind::schedule) << c.entry;
    EXPECT_EQ(c.spec.substr(0, c.entry.size() + 1), c.entry + "(") << c.spec;
  }
}

TEST(RegistryCoverage, CanonicalSpecsParseBackToTheSameTransform) {
  for (const auto& c : transform_cases()) {
    const std::string canonical = c.make()->spec();
    EXPECT_EQ(parse_transform(canonical)->spec(), canonical) << c.spec;
  }
}

// A registry name without arguments is the header factory with its defaults.
TEST(RegistryCoverage, RegistryDefaultsEqualTheHeaderDefaults) {
  EXPECT_EQ(parse_transform("sgd")->spec(), sgd()->spec());
  EXPECT_EQ(parse_transform("momentum")->spec(), momentum()->spec());
  EXPECT_EQ(parse_transform("nesterov")->spec(), nesterov()->spec());
  EXPECT_EQ(parse_transform("adam")->spec(), adam()->spec());
  EXPECT_EQ(parse_transform("adamw")->spec(), adamw()->spec());
  EXPECT_EQ(parse_transform("amsgrad")->spec(), amsgrad()->spec());
  EXPECT_EQ(parse_transform("adagrad")->spec(), adagrad()->spec());
  EXPECT_EQ(parse_transform("rmsprop")->spec(), rmsprop()->spec());
  EXPECT_EQ(parse_transform("clip_by_value")->spec(), clip_by_value()->spec());
  EXPECT_EQ(parse_transform("clip_by_global_norm")->spec(), clip_by_global_norm()->spec());
  EXPECT_EQ(parse_transform("weight_decay")->spec(), weight_decay()->spec());
  EXPECT_EQ(parse_transform("add_decayed_weights")->spec(), add_decayed_weights()->spec());
  EXPECT_EQ(parse_transform("scale_by_schedule")->spec(), scale_by_schedule(constant(1))->spec());
  EXPECT_EQ(parse_transform("diffgrad")->spec(), diffgrad()->spec());
  EXPECT_EQ(parse_transform("exponentiated_gradient")->spec(), exponentiated_gradient()->spec());
  EXPECT_EQ(parse_transform("coordinate_clip")->spec(), coordinate_clip()->spec());
  EXPECT_EQ(parse_transform("normalize")->spec(), normalize()->spec());
  EXPECT_EQ(diffgrad()->spec(), "diffgrad(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0)");
  EXPECT_EQ(exponentiated_gradient()->spec(), "exponentiated_gradient(lr=0.1, simplex=false)");
  EXPECT_EQ(coordinate_clip()->spec(), "coordinate_clip(fraction=0.1)");
  EXPECT_EQ(normalize()->spec(), "normalize(eps=1e-30)");
  // PyTorch's defaults, which the headers follow.
  EXPECT_EQ(adam()->spec(), "adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0, amsgrad=false)");
  EXPECT_EQ(adamw()->spec(), "adamw(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01, amsgrad=false)");
  EXPECT_EQ(adagrad()->spec(), "adagrad(lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator=0, eps=1e-10)");
  EXPECT_EQ(rmsprop()->spec(), "rmsprop(lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=false)");
  EXPECT_EQ(momentum()->spec(), "sgd(lr=0.01, momentum=0.9, nesterov=false, weight_decay=0)");
}

TEST(RegistryCoverage, ShorthandFactoriesEqualTheirSpecs) {
  EXPECT_EQ(momentum(0.05, 0.8)->spec(), parse_transform("momentum(lr=0.05, momentum=0.8)")->spec());
  EXPECT_EQ(nesterov(0.05, 0.8)->spec(), parse_transform("sgd(lr=0.05, momentum=0.8, nesterov=true)")->spec());
  EXPECT_EQ(amsgrad({.lr = constant(0.02)})->spec(), parse_transform("adam(lr=0.02, amsgrad=true)")->spec());
  EXPECT_EQ(weight_decay(0.01)->spec(), parse_transform("weight_decay(0.01)")->spec());
}

}  // namespace
}  // namespace descent::testing
