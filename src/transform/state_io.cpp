#include "descent/transform/state_io.hpp"

namespace descent {

namespace {
constexpr std::uint32_t kStateTag = 0x54535344;  // "DSST"
}

template <class T>
void save_state(BinaryWriter& out, const TransformState<T>& state) {
  out.u32(kStateTag);
  out.string(state.owner);
  out.i64(state.count);
  out.u64(state.slots.size());
  for (std::size_t k = 0; k < state.slots.size(); ++k) {
    out.string(state.slot_names[k]);
    out.array(state.slots[k].span());
  }
  out.u64(state.scalars.size());
  for (std::size_t k = 0; k < state.scalars.size(); ++k) {
    out.string(state.scalar_names[k]);
    out.f64(state.scalars[k]);
  }
  out.u64(state.children.size());
  for (const auto& child : state.children) save_state(out, child);
}

template <class T>
void load_state(BinaryReader& in, TransformState<T>& state) {
  if (in.u32("transform state tag") != kStateTag) in.fail("not a transform state (bad tag)");
  const std::string owner = in.string("transform state owner");
  if (owner != state.owner) in.fail("state was saved by '" + owner + "', expected '" + state.owner + "'");
  const std::int64_t count = in.i64("transform state count");
  if (count < 0) in.fail("negative step count in transform state");
  if (in.u64("slot count") != state.slots.size()) in.fail("slot count differs for '" + owner + "'");
  // Read into a copy first: a failure halfway must leave `state` untouched.
  TransformState<T> loaded = state;
  loaded.count = count;
  for (std::size_t k = 0; k < loaded.slots.size(); ++k) {
    const std::string name = in.string("slot name");
    if (name != loaded.slot_names[k]) in.fail("slot '" + name + "' where '" + loaded.slot_names[k] + "' expected");
    in.array_into(loaded.slots[k].span(), "slot values");
  }
  if (in.u64("scalar count") != loaded.scalars.size()) in.fail("scalar count differs for '" + owner + "'");
  for (std::size_t k = 0; k < loaded.scalars.size(); ++k) {
    const std::string name = in.string("scalar name");
    if (name != loaded.scalar_names[k])
      in.fail("scalar '" + name + "' where '" + loaded.scalar_names[k] + "' expected");
    loaded.scalars[k] = in.f64("scalar value");
  }
  if (in.u64("child count") != loaded.children.size()) in.fail("child count differs for '" + owner + "'");
  for (auto& child : loaded.children) load_state(in, child);
  state = std::move(loaded);
}

template void save_state<float>(BinaryWriter&, const TransformState<float>&);
template void save_state<double>(BinaryWriter&, const TransformState<double>&);
template void load_state<float>(BinaryReader&, TransformState<float>&);
template void load_state<double>(BinaryReader&, TransformState<double>&);

}  // namespace descent
