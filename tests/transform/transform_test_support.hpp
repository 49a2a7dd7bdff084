// Helpers shared by the transform tests: deterministic test data, running a transform
// one step at a time through its per-tile interface or through the executor, walking
// states, and the rounding-error bound of the comparisons.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/parameter_layout.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/transform.hpp"
#include "transform/reference_optimizers.hpp"

namespace descent::testing {

// Test data for the comparisons with the references: parameters in [0.6, 1.4] and
// directions in [0.5, 1.5], all positive and changing from step to step. Positive
// inputs keep every moment, accumulator and update a sum of same-signed terms, so
// rounding errors stay relative to the values compared (no cancellation), which is what
// makes the relative bound kRoundingBound below valid.
inline double test_param(std::size_t i) { return 1.0 + 0.4 * std::cos(0.9 * static_cast<double>(i)); }
inline double test_direction(std::size_t i, std::int64_t t) {
  return 1.0 + 0.5 * std::sin(1.3 * static_cast<double>(i) + 0.7 * static_cast<double>(t) + 0.1);
}

// Relative error allowed between a transform run in precision T and the double
// reference, in units of T's epsilon. Every state value is a sum of same-signed terms
// (see above), each formed with at most ~6 roundings of eps/2 (hyperparameter cast,
// product, product, sum...) and carried over at most 5 steps with factors below 1; the
// update adds < 10 roundings (bias corrections, square root, eps, division, lr,
// decay). The longest formula (AMSGrad, centered RMSProp with momentum) thus stays
// under 5 * 6 / 2 + 10 / 2 = 20 eps; centered RMSProp's s - a^2 loses at most a factor
// s / (s - a^2) <= 1.5 for alpha = 0.9 and these positive inputs. 64 eps covers it with
// room, and still fails on any wrong formula (those differ by far more than 1e-5).
template <class T>
constexpr double kRoundingBound = 64 * std::numeric_limits<T>::epsilon();

template <class T>
std::vector<T> cast_vector(const std::vector<double>& x) {
  return std::vector<T>(x.begin(), x.end());
}
template <class T>
std::vector<double> to_double(std::span<const T> x) {
  return std::vector<double>(x.begin(), x.end());
}

// One step through the transform's own interface, not the executor: begin_step, then
// update_tile over the whole vector as a single tile (a reducing transform first
// reduces that tile), or update_global (on `layout`) for a global transform. A chain whose
// members are not all elementwise cannot be driven per tile, so it goes through
// descent::update (one tile as well for short vectors).
template <class T>
void direct_update(const Transform& transform, TransformState<T>& state, std::span<T> d, std::span<const T> p,
                   const ParameterLayout& layout) {
  if (transform.kind() == TransformKind::global) {
    transform.begin_step(state, nullptr);
    transform.update_global(state, d, p, layout);
    return;
  }
  const Tile<T> tile{d.data(), p.data(), 0, d.size()};
  if (const auto* c = dynamic_cast<const Chain*>(&transform)) {
    for (const auto& m : c->members())
      if (m->kind() != TransformKind::elementwise) {
        update(transform, state, d, p, layout);
        return;
      }
  }
  if (transform.kind() == TransformKind::reducing) {
    std::vector<double> totals(transform.reduction_size(), 0.0);
    transform.reduce_tile(state, tile, totals.data());
    transform.begin_step(state, totals.data());
  } else {
    transform.begin_step(state, nullptr);
  }
  transform.update_tile(state, tile);
}

// Every slot of a state and its children, depth first, with a path for messages.
template <class T>
void for_each_slot(const TransformState<T>& state, const std::string& path,
                   const std::function<void(const std::string&, const std::string&, const AlignedBuffer<T>&)>& f) {
  for (std::size_t k = 0; k < state.slots.size(); ++k) f(path, state.slot_names[k], state.slots[k]);
  for (std::size_t c = 0; c < state.children.size(); ++c)
    for_each_slot(state.children[c], path + "/" + std::to_string(c), f);
}

// The reference state at the same place in the tree as descent's state `path` ("" or "/1").
inline const reference::State& reference_child(const reference::State& root, const std::string& path) {
  const reference::State* s = &root;
  std::size_t pos = 0;
  while (pos < path.size()) {
    const std::size_t next = path.find('/', pos + 1);
    const std::size_t index = std::stoul(path.substr(pos + 1, next == std::string::npos ? next : next - pos - 1));
    s = &s->children.at(index);
    pos = next == std::string::npos ? path.size() : next;
  }
  return *s;
}

// Bitwise equality of two states: counts, slots and scalars, recursively.
template <class T>
void expect_bitwise_equal_states(const TransformState<T>& a, const TransformState<T>& b, const std::string& path = "") {
  EXPECT_EQ(a.owner, b.owner) << path;
  EXPECT_EQ(a.count, b.count) << path;
  ASSERT_EQ(a.slots.size(), b.slots.size()) << path;
  for (std::size_t k = 0; k < a.slots.size(); ++k) {
    ASSERT_EQ(a.slots[k].size(), b.slots[k].size()) << path << " " << a.slot_names[k];
    EXPECT_EQ(0, std::memcmp(a.slots[k].data(), b.slots[k].data(), a.slots[k].size() * sizeof(T)))
        << path << " slot " << a.slot_names[k] << " differs";
  }
  ASSERT_EQ(a.scalars.size(), b.scalars.size()) << path;
  if (!a.scalars.empty())
    EXPECT_EQ(0, std::memcmp(a.scalars.data(), b.scalars.data(), a.scalars.size() * sizeof(double))) << path;
  ASSERT_EQ(a.children.size(), b.children.size()) << path;
  for (std::size_t c = 0; c < a.children.size(); ++c)
    expect_bitwise_equal_states(a.children[c], b.children[c], path + "/" + std::to_string(c));
}

}  // namespace descent::testing
