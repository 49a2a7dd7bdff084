// Transforms and their states as Python objects.
//
//   Transform  immutable configuration (a TransformPtr); pickles as its canonical spec.
//   State      a TransformState<float> or <double> for parameters of one shape, or for a dict
//              of named arrays (each one block of the layout: partition and muon see the
//              names and shapes). Its slots are
//              shown as NumPy views of the state's own memory (writable, zero-copy); it pickles
//              through the library's save_state/load_state, so a foreign state is refused.
// Members of a chain's state are States too; they share the root's memory.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <variant>
#include <vector>

#include "arrays.hpp"
#include "descent/transform/transform.hpp"

namespace descent::python {

struct PyTransform {
  TransformPtr transform;
};

// A named parameter array of a state made for a dict of arrays.
struct ParameterBlock {
  std::string name;
  std::vector<pybind11::ssize_t> shape;
};

struct StateRoot {
  std::variant<TransformState<float>, TransformState<double>> state;
  std::vector<pybind11::ssize_t> shape;  // of the parameters the state was made for ((size,) for a dict)
  std::size_t size = 0;
  // For a dict of arrays: its arrays in the dict's order, packed one after another (each a
  // block of the layout the transform sees, named by its key). Empty for a single array.
  std::vector<ParameterBlock> blocks;
};

class PyState {
 public:
  PyState(std::shared_ptr<StateRoot> root, std::vector<std::size_t> path)
      : root_(std::move(root)), path_(std::move(path)) {}

  Precision precision() const { return root_->state.index() == 0 ? Precision::f32 : Precision::f64; }
  const std::vector<pybind11::ssize_t>& shape() const { return root_->shape; }
  std::size_t size() const { return root_->size; }
  bool is_root() const { return path_.empty(); }
  const std::shared_ptr<StateRoot>& root() const { return root_; }
  const std::vector<std::size_t>& path() const { return path_; }

  // This state (the root, or a member's state inside it).
  template <class T>
  TransformState<T>& get() const {
    TransformState<T>* s = &std::get<TransformState<T>>(root_->state);
    for (std::size_t i : path_) s = &s->children[i];
    return *s;
  }

 private:
  std::shared_ptr<StateRoot> root_;
  std::vector<std::size_t> path_;
};

void bind_transforms(pybind11::module_& m);

}  // namespace descent::python
