// Saving and loading transform states. A state is saved whole (owner spec, step count,
// slots, scalars, children) and loaded *into* a state freshly made by init() for the
// same transform and parameters, so that every name, size and child is checked against
// what the transform expects: a state saved for another optimizer or another model is
// refused with a FormatError that says what differs.
#pragma once

#include "descent/core/binary_io.hpp"
#include "descent/transform/transform_state.hpp"

namespace descent {

template <class T>
void save_state(BinaryWriter& out, const TransformState<T>& state);

// `state` must come from init() of the transform that saved it; its structure is
// compared with the saved one before any value is overwritten.
template <class T>
void load_state(BinaryReader& in, TransformState<T>& state);

}  // namespace descent
