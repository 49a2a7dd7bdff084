// A state saved after some steps and loaded into a fresh init() state continues the run
// exactly as the original (bitwise), for every case; a state is refused, with a
// FormatError that says why, by another transform, another size, or when truncated.
#include <gtest/gtest.h>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/state_io.hpp"
#include "transform/transform_cases.hpp"
#include "transform/transform_test_support.hpp"

namespace descent::testing {
namespace {

constexpr std::size_t kSize = kTileSize + 37;

template <class T>
void step(const Transform& transform, TransformState<T>& state, AlignedBuffer<T>& p, std::int64_t t,
          const ParameterLayout& layout) {
  AlignedBuffer<T> d(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) d[i] = static_cast<T>(test_direction(i, t) - 1.0);  // both signs
  apply<T>(transform, state, d.span(), p.span(), layout);
}

template <class T>
void check_round_trip(const TransformCase& c) {
  const TransformPtr transform = c.make();
  const auto layout = c.layout(kSize);
  auto state = init_state<T>(*transform, layout);
  AlignedBuffer<T> p(kSize);
  for (std::size_t i = 0; i < kSize; ++i) p[i] = static_cast<T>(test_param(i));
  for (std::int64_t t = 1; t <= 3; ++t) step(*transform, state, p, t, layout);

  BinaryWriter out;
  save_state(out, state);
  // A new transform object from the same spec, as after a restart.
  const TransformPtr restarted = c.make();
  auto loaded = init_state<T>(*restarted, layout);
  BinaryReader in(out.bytes(), "round-trip");
  load_state(in, loaded);
  EXPECT_EQ(in.remaining(), 0u);
  check_state(*restarted, loaded, kSize);
  expect_bitwise_equal_states(state, loaded);

  AlignedBuffer<T> p_loaded = p;
  for (std::int64_t t = 4; t <= 6; ++t) {
    step(*transform, state, p, t, layout);
    step(*restarted, loaded, p_loaded, t, layout);
  }
  EXPECT_EQ(0, std::memcmp(p.data(), p_loaded.data(), kSize * sizeof(T)));
  expect_bitwise_equal_states(state, loaded);
}

class StateRoundTrip : public ::testing::TestWithParam<TransformCase> {};

TEST_P(StateRoundTrip, Float) { check_round_trip<float>(GetParam()); }
TEST_P(StateRoundTrip, Double) { check_round_trip<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Cases, StateRoundTrip, ::testing::ValuesIn(transform_cases()), CaseLabel());

std::string format_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no FormatError";
}

TEST(StateRoundTripErrors, RefusesAStateOfAnotherTransform) {
  const auto layout = ParameterLayout::flat(5);
  const TransformPtr adam = parse_transform("adam(lr=0.01)");
  const TransformPtr rmsprop = parse_transform("rmsprop");
  BinaryWriter out;
  save_state(out, init_state<double>(*adam, layout));
  auto target = init_state<double>(*rmsprop, layout);
  const std::string message = format_error_of([&] {
    BinaryReader in(out.bytes(), "opt.state");
    load_state(in, target);
  });
  EXPECT_NE(message.find("opt.state"), std::string::npos) << message;
  EXPECT_NE(message.find("state was saved by '" + adam->spec() + "', expected '" + rmsprop->spec() + "'"),
            std::string::npos)
      << message;
  EXPECT_EQ(target.count, 0);
}

TEST(StateRoundTripErrors, RefusesAnotherSizeAndLeavesTheTargetUntouched) {
  const TransformPtr adam = parse_transform("adam");
  auto source = init_state<float>(*adam, ParameterLayout::flat(8));
  source.count = 5;
  BinaryWriter out;
  save_state(out, source);
  auto target = init_state<float>(*adam, ParameterLayout::flat(9));
  const auto copy = target;
  const std::string message = format_error_of([&] {
    BinaryReader in(out.bytes(), "opt.state");
    load_state(in, target);
  });
  EXPECT_NE(message.find("has 8 elements, expected 9"), std::string::npos) << message;
  expect_bitwise_equal_states(target, copy);
}

TEST(StateRoundTripErrors, RefusesEveryTruncation) {
  const TransformPtr transform = transform_cases().back().make();  // a chain: nested states
  const auto layout = ParameterLayout::flat(4);
  BinaryWriter out;
  save_state(out, init_state<double>(*transform, layout));
  const std::string& bytes = out.bytes();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto target = init_state<double>(*transform, layout);
    const std::string message = format_error_of([&] {
      BinaryReader in(std::string_view(bytes).substr(0, cut), "cut.state");
      load_state(in, target);
    });
    EXPECT_NE(message.find("cut.state: byte "), std::string::npos) << "cut at " << cut << ": " << message;
  }
}

}  // namespace
}  // namespace descent::testing

namespace descent {
namespace {

// A chain state made for fewer parameters is refused with a message, not read past its end.
TEST(ApplyState, ShortMemberSlotsAreAMismatchNotAnOverrun) {
  const TransformPtr t = chain(clip_by_global_norm(1.0), adam());
  auto state = t->init(ParameterLayout::flat(10), 0.0);
  std::vector<double> x(5000, 1.0), g(5000, 0.5);
  try {
    apply(*t, state, std::span<double>(g), std::span<double>(x), ParameterLayout::flat(5000));
    FAIL();
  } catch (const MismatchError& e) {
    EXPECT_NE(std::string(e.what()).find("has 10 elements, parameters 5000"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace descent
