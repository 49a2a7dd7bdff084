// From a fresh state, a zero gradient with zero weight decay must leave the parameters
// bitwise unchanged: every moment stays 0, and 0 / (0 + eps) = 0 (eps > 0 at the
// defaults), for a constant learning rate and under every schedule.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/parallel.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "transform/transform_cases.hpp"

namespace descent::testing {
namespace {

bool has_parameter(const RegistryEntry& entry, const std::string& name) {
  for (const auto& p : entry.parameters)
    if (p.name == name) return true;
  return false;
}

struct ZeroDecaySpec {
  std::string entry;
  std::string spec;
};

// Specs of every registered optimizer and transform with their decay switched off,
// optimizers also under each schedule.
std::vector<ZeroDecaySpec> zero_decay_specs() {
  const std::vector<std::string> schedules = {
      "0.05",
      "step_decay(init=0.1, every=2, gamma=0.5)",
      "exponential(init=0.1, gamma=0.9)",
      "linear_decay(init=0.1, steps=3, end=0.01)",
      "cosine(init=0.1, steps=3, end=0.01)",
      "warmup(after=cosine(init=0.1, steps=3), steps=2, start=0.1)",
  };
  std::vector<ZeroDecaySpec> specs;
  for (const RegistryEntry& entry : registry()) {
    if (entry.kind != EntryKind::optimizer && entry.kind != EntryKind::transform) continue;
    if (entry.name == "chain") {
      specs.push_back({"chain", "chain(clip_by_global_norm(1), adam(weight_decay=0), weight_decay(rate=0))"});
      specs.push_back({"chain", "chain(add_decayed_weights(coefficient=0), sgd(momentum=0.9), clip_by_value(1))"});
    } else if (entry.name == "partition") {
      specs.push_back({"partition", "partition(group('*', nesterov(weight_decay=0)), default=adam(weight_decay=0))"});
      specs.push_back(
          {"partition", "partition(group('w?', sgd), default=chain(clip_by_global_norm(1), rmsprop(weight_decay=0)))"});
    } else if (entry.name == "continuized_nesterov") {  // lr = 1/L is a number, not a schedule
      specs.push_back({entry.name, "continuized_nesterov(lr=0.1, mu=0.5)"});
      specs.push_back({entry.name, "continuized_nesterov(lr=0.1, mu=0)"});
    } else if (entry.kind == EntryKind::optimizer) {
      for (const auto& lr : schedules)
        specs.push_back({entry.name, entry.name + "(lr=" + lr +
                                         (has_parameter(entry, "weight_decay") ? ", weight_decay=0)" : ")")});
    } else if (entry.name == "weight_decay") {
      specs.push_back({entry.name, "weight_decay(rate=0)"});
    } else if (entry.name == "add_decayed_weights") {
      specs.push_back({entry.name, "add_decayed_weights(coefficient=0)"});
    } else if (entry.name == "perturb") {  // noise injection moves the parameters unless sigma = 0
      specs.push_back({entry.name, "perturb(sigma=0, kind=anticorrelated)"});
      specs.push_back({entry.name, "perturb(sigma=0, kind=independent)"});
    } else if (entry.name == "scale_by_schedule") {
      for (const auto& s : schedules) specs.push_back({entry.name, "scale_by_schedule(schedule=" + s + ")"});
    } else {
      specs.push_back({entry.name, entry.name});  // clipping: nothing to switch off
    }
  }
  return specs;
}

template <class T>
void expect_parameters_unchanged(const ZeroDecaySpec& s) {
  SCOPED_TRACE(s.spec);
  const TransformPtr transform = parse_transform(s.spec);
  const std::size_t n = 2 * kTileSize + 3;  // the executor's tiled path, with a partial tile
  const auto layout = test_layout(s.entry, n);
  auto state = init_state<T>(*transform, layout);
  AlignedBuffer<T> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<T>((i % 7 == 0) ? 0.0 : 3.0 * std::sin(double(i)));
  const AlignedBuffer<T> before = p;
  AlignedBuffer<T> d(n);
  for (int step = 0; step < 4; ++step) {
    std::fill(d.begin(), d.end(), T(0));
    apply<T>(*transform, state, d.span(), p.span(), layout);
  }
  EXPECT_EQ(0, std::memcmp(p.data(), before.data(), n * sizeof(T)));
}

TEST(ZeroGradient, LeavesParametersUnchangedFloat) {
  for (const auto& spec : zero_decay_specs()) expect_parameters_unchanged<float>(spec);
}
TEST(ZeroGradient, LeavesParametersUnchangedDouble) {
  for (const auto& spec : zero_decay_specs()) expect_parameters_unchanged<double>(spec);
}

}  // namespace
}  // namespace descent::testing
