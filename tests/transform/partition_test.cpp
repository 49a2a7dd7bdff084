// partition(...) must compute, for every group, exactly what the group's transform computes
// alone on the group's blocks packed into one vector, with its own state: whether the
// group runs in place, block by block, or gathered, only where data sits changes, never an
// operation, so the results are bitwise equal. Also: which block goes where, the errors,
// the spec form, and that a saved state resumes.
#include <gtest/gtest.h>

#include <cstring>

#include "descent/core/binary_io.hpp"
#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/partition.hpp"
#include "descent/transform/sgd.hpp"
#include "descent/transform/state_io.hpp"
#include "support/error_of.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

// The layout of a two-layer MLP with tile-crossing sizes: weights and biases alternate, so
// the weights are a scattered group and each bias is a segment of its own.
ParameterLayout mlp_layout() {
  ParameterLayout layout;
  layout.add("layer0.weight", {40, 70});  // 2800: crosses tiles
  layout.add("layer0.bias", {40});
  layout.add("layer1.weight", {3, 40});
  layout.add("layer1.bias", {3});
  layout.add("scale", {});  // a scalar block
  return layout;
}

// The blocks of `layout` whose names are in `names`, packed in layout order.
ParameterLayout sub_layout(const ParameterLayout& layout, const std::vector<std::string>& names) {
  ParameterLayout out;
  for (const auto& b : layout.blocks())
    if (std::find(names.begin(), names.end(), b.name) != names.end()) out.add(b.name, b.shape);
  return out;
}

template <class T>
std::vector<T> gather(const ParameterLayout& layout, const std::vector<std::string>& names, const T* values) {
  std::vector<T> out;
  for (const auto& b : layout.blocks())
    if (std::find(names.begin(), names.end(), b.name) != names.end())
      out.insert(out.end(), values + b.offset, values + b.offset + b.size);
  return out;
}

template <class T>
void scatter(const ParameterLayout& layout, const std::vector<std::string>& names, const std::vector<T>& packed,
             T* values) {
  std::size_t at = 0;
  for (const auto& b : layout.blocks())
    if (std::find(names.begin(), names.end(), b.name) != names.end()) {
      std::copy_n(packed.data() + at, b.size, values + b.offset);
      at += b.size;
    }
}

struct GroupRef {
  std::vector<std::string> blocks;
  std::string spec;
};

// Runs `partition_spec` on the MLP layout for a few steps and, beside it, each group's
// transform alone on its packed blocks; the parameters must agree bit for bit.
template <class T>
void check_partition_equals_groups_alone(const std::string& partition_spec, const std::vector<GroupRef>& groups) {
  SCOPED_TRACE(partition_spec);
  const ParameterLayout layout = mlp_layout();
  const std::size_t n = layout.size();
  const TransformPtr whole = parse_transform(partition_spec);
  auto state = init_state<T>(*whole, layout);

  std::vector<TransformPtr> alone;
  std::vector<ParameterLayout> alone_layouts;
  std::vector<TransformState<T>> alone_states;
  for (const auto& g : groups) {
    alone.push_back(parse_transform(g.spec));
    alone_layouts.push_back(sub_layout(layout, g.blocks));
    alone_states.push_back(init_state<T>(*alone.back(), alone_layouts.back()));
  }
  AlignedBuffer<T> p(n), p_ref(n), d(n), d_ref(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = p_ref[i] = static_cast<T>(test_param(i));
  for (std::int64_t t = 1; t <= 4; ++t) {
    for (std::size_t i = 0; i < n; ++i) d[i] = d_ref[i] = static_cast<T>(test_direction(i, t) - 0.8);
    apply<T>(*whole, state, d.span(), p.span(), layout);
    for (std::size_t k = 0; k < groups.size(); ++k) {
      std::vector<T> gd = gather(layout, groups[k].blocks, d_ref.data());
      std::vector<T> gp = gather(layout, groups[k].blocks, p_ref.data());
      apply<T>(*alone[k], alone_states[k], std::span<T>(gd), std::span<T>(gp), alone_layouts[k]);
      scatter(layout, groups[k].blocks, gp, p_ref.data());
    }
    ASSERT_EQ(0, std::memcmp(p.data(), p_ref.data(), n * sizeof(T))) << "step " << t;
  }
}

const std::vector<std::string> kWeights = {"layer0.weight", "layer1.weight"};
const std::vector<std::string> kBiases = {"layer0.bias", "layer1.bias"};

TEST(Partition, ScatteredElementwiseGroupsEqualTheirTransformsAlone) {
  // Weights: scattered, elementwise (one state per block); biases and the scalar likewise.
  const std::string spec =
      "partition(group('*.weight', adam(lr=0.01, weight_decay=0.1)), group('*.bias', adam(lr=0.02)), "
      "default=chain(sgd(lr=0.1, momentum=0.9), weight_decay(rate=0.01)))";
  const std::vector<GroupRef> groups = {{kWeights, "adam(lr=0.01, weight_decay=0.1)"},
                                        {kBiases, "adam(lr=0.02)"},
                                        {{"scale"}, "chain(sgd(lr=0.1, momentum=0.9), weight_decay(rate=0.01))"}};
  check_partition_equals_groups_alone<float>(spec, groups);
  check_partition_equals_groups_alone<double>(spec, groups);
}

TEST(Partition, ScatteredGroupWithAReductionIsGatheredAndClipsItsOwnNorm) {
  // The clip inside the weights' group must see the norm of the weights only.
  const std::string spec =
      "partition(group(ndim=2, transform=chain(clip_by_global_norm(max_norm=0.5), nesterov(lr=0.05))), "
      "default=chain(adam(lr=0.01), clip_by_global_norm(max_norm=0.01)))";
  const std::vector<GroupRef> groups = {
      {kWeights, "chain(clip_by_global_norm(max_norm=0.5), nesterov(lr=0.05))"},
      {{"layer0.bias", "layer1.bias", "scale"}, "chain(adam(lr=0.01), clip_by_global_norm(max_norm=0.01))"}};
  check_partition_equals_groups_alone<float>(spec, groups);
  check_partition_equals_groups_alone<double>(spec, groups);
}

TEST(Partition, MuonOnTheMatricesAdamWOnTheRest) {
  // The weights are scattered and Muon is global: gathered, Muon sees each weight with its
  // name and shape, exactly as alone on the packed weights.
  const std::string spec = "partition(group(muon(lr=0.02, weight_decay=0.01), ndim=2), default=adamw(lr=0.001))";
  const std::vector<GroupRef> groups = {{kWeights, "muon(lr=0.02, weight_decay=0.01)"},
                                        {{"layer0.bias", "layer1.bias", "scale"}, "adamw(lr=0.001)"}};
  check_partition_equals_groups_alone<float>(spec, groups);
  check_partition_equals_groups_alone<double>(spec, groups);
}

TEST(Partition, OneGroupTakingEverythingIsTheTransformItself) {
  const std::string inner = "chain(clip_by_global_norm(max_norm=1), adam(lr=0.01), weight_decay(rate=0.01))";
  check_partition_equals_groups_alone<float>(
      "partition(default=" + inner + ")",
      {{{"layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias", "scale"}, inner}});
}

TEST(Partition, InsideAChainAfterAGlobalClip) {
  // chain(clip, partition): the clip sees every block, then each group its own part.
  const ParameterLayout layout = mlp_layout();
  const std::size_t n = layout.size();
  const TransformPtr whole = parse_transform(
      "chain(clip_by_global_norm(max_norm=0.3), partition(group('*.bias', sgd(lr=1)), "
      "default=sgd(lr=0.5)))");
  auto state = init_state<double>(*whole, layout);
  AlignedBuffer<double> p(n, 0.0), d(n);
  double norm2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    d[i] = test_direction(i, 1);
    norm2 += d[i] * d[i];
  }
  const AlignedBuffer<double> g = d;
  apply<double>(*whole, state, d.span(), p.span(), layout);
  const double scale = std::min(1.0, 0.3 / std::sqrt(norm2));
  for (const auto& b : layout.blocks()) {
    const double lr = b.name.ends_with(".bias") ? 1.0 : 0.5;
    for (std::size_t i = b.offset; i < b.offset + b.size; ++i)
      // One rounding in the norm's square root and the product chain: a few ulps.
      EXPECT_NEAR(p[i], -lr * scale * g[i], 1e-14 * std::abs(g[i])) << b.name << "[" << i - b.offset << "]";
  }
}

TEST(Partition, TheFirstMatchingGroupTakesABlockThenTheDefault) {
  const TransformPtr first = parse_transform(
      "partition(group('layer1.*', sgd), group(ndim=2, transform=adam), group('*', rmsprop), default=adagrad)");
  const auto* p = dynamic_cast<const Partition*>(first.get());
  ASSERT_NE(p, nullptr);
  const ParameterLayout layout = mlp_layout();
  EXPECT_EQ(p->group_of(layout.block("layer1.weight")), 0u);
  EXPECT_EQ(p->group_of(layout.block("layer1.bias")), 0u);
  EXPECT_EQ(p->group_of(layout.block("layer0.weight")), 1u);
  EXPECT_EQ(p->group_of(layout.block("layer0.bias")), 2u);
  const TransformPtr second =
      parse_transform("partition(group('*.bias', sgd), group(ndim=0, transform=sgd), default=adam)");
  const auto* q = dynamic_cast<const Partition*>(second.get());
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->group_of(layout.block("scale")), 1u);
  EXPECT_EQ(q->group_of(layout.block("layer0.weight")), 2u);  // the default
}

TEST(Partition, GlobMatchesWholeNames) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "layer0.weight"));
  EXPECT_TRUE(glob_match("*.bias", "layer12.bias"));
  EXPECT_FALSE(glob_match("*.bias", "layer0.bias2"));
  EXPECT_TRUE(glob_match("layer?.*", "layer3.weight"));
  EXPECT_FALSE(glob_match("layer?.*", "layer10.weight"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYbZc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYYbZ"));
  EXPECT_TRUE(glob_match("**x", "x"));
  EXPECT_FALSE(glob_match("weight", "layer0.weight"));  // whole names, not substrings
}

TEST(Partition, ABlockNothingTakesIsAnErrorNamingIt) {
  const TransformPtr t = parse_transform("partition(group('*.weight', adam))");
  const std::string message = error_of<ConfigError>([&] { (void)init_state<float>(*t, mlp_layout()); });
  EXPECT_NE(message.find("block 'layer0.bias' matches no group and there is no default="), std::string::npos)
      << message;
}

TEST(Partition, SpecFormsAndTheirErrors) {
  // Positional arguments by type, named ones by name; the canonical form writes every field.
  const std::string canonical = parse_transform("partition(group('*.bias', sgd(lr=0.1)), group(adam, ndim=2))")->spec();
  EXPECT_EQ(canonical,
            "partition(group(match='*.bias', ndim=-1, transform=sgd(lr=0.1, momentum=0, nesterov=false, "
            "weight_decay=0)), group(match='*', ndim=2, transform=" +
                parse_transform("adam")->spec() + "))");
  EXPECT_EQ(parse_transform(canonical)->spec(), canonical);
  EXPECT_EQ(parse_transform("partition(group(\"it's\", sgd), default=sgd)")->spec().substr(0, 29),
            "partition(group(match=\"it's\",");

  const std::pair<const char*, const char*> bad[] = {
      {"partition", "'partition' needs at least one group(...) or a default="},
      {"partition(adam)", "'partition' takes group(...) rules and default=<transform>, found a call to 'adam'"},
      {"partition(group('*'))", "'group' needs a transform"},
      {"partition(group('*', sgd, adam))", "'group' got two transforms"},
      {"partition(group(sgd, ndim=1.5))", "argument 'ndim' of 'group' expects an integer from -1 (any) to 64"},
      {"partition(group(sgd, lr=1))", "'group' has no argument 'lr'"},
      {"partition(group(match=sgd, transform=sgd))", "argument 'match' of 'group' expects a quoted pattern"},
      {"partition(default=1)", "argument 'default' of 'partition' expects a transform, found the number 1"},
      {"partition(default=sgd, default=adam)", "'partition' got two defaults"},
      {"partition(groups=sgd)", "'partition' has no argument 'groups'"},
      {"sgd(lr='0.1')", "expects a number or a schedule, found the string '0.1'"},
  };
  for (const auto& [spec, expected] : bad) {
    const std::string message = error_of<ParseError>([&] { (void)parse_transform(spec); });
    EXPECT_NE(message.find(expected), std::string::npos) << spec << "\n" << message;
  }
}

TEST(Partition, ASavedStateResumesBitForBit) {
  const ParameterLayout layout = mlp_layout();
  const std::size_t n = layout.size();
  const TransformPtr t = parse_transform(
      "partition(group('*.weight', chain(clip_by_global_norm(1), adam(lr=0.01))), group('*.bias', "
      "sgd(lr=0.1, momentum=0.9)), default=adam)");
  auto state = init_state<float>(*t, layout);
  AlignedBuffer<float> p(n, 0.5f), d(n);
  auto step = [&](TransformState<float>& s, AlignedBuffer<float>& params, std::int64_t k) {
    for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<float>(test_direction(i, k));
    apply<float>(*t, s, d.span(), params.span(), layout);
  };
  step(state, p, 1);
  step(state, p, 2);
  BinaryWriter out;
  save_state(out, state);
  auto loaded = init_state<float>(*t, layout);
  BinaryReader reader(out.bytes(), "state");
  load_state(reader, loaded);
  AlignedBuffer<float> q = p;
  step(state, p, 3);
  step(loaded, q, 3);
  EXPECT_EQ(0, std::memcmp(p.data(), q.data(), n * sizeof(float)));

  // A state outlives the transform object that made it: an equal transform built anew (as a
  // resumed run or an unpickled Python state has) runs it.
  TransformState<float> orphan;
  {
    const TransformPtr maker = parse_transform(t->spec());
    orphan = init_state<float>(*maker, layout);
  }
  AlignedBuffer<float> r(n, 0.5f), s(n, 0.5f);
  auto fresh = init_state<float>(*t, layout);
  step(orphan, r, 1);
  step(fresh, s, 1);
  EXPECT_EQ(0, std::memcmp(r.data(), s.data(), n * sizeof(float)));

  // A state for another layout is refused when it runs, not read past its end.
  ParameterLayout other;
  other.add("layer0.weight", {40, 70});
  other.add("layer0.bias", {40});
  AlignedBuffer<float> small(other.size(), 0.f), g(other.size(), 1.f);
  EXPECT_THROW(apply<float>(*t, state, g.span(), small.span(), other), MismatchError);
}

}  // namespace
}  // namespace descent::testing
