// Checks that turn a Python argument into a span over a NumPy array's own memory.
//
// Transforms update arrays in place, so a silent conversion (a copy to another dtype, or
// to contiguous memory) would update the copy and leave the caller's array unchanged.
// Instead every mismatch raises, naming the argument: TypeError for what is not a float32
// or float64 ndarray, ValueError for a non-contiguous or read-only array or a wrong shape.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace descent::python {

enum class Precision { f32, f64 };

// "float32" or "float64".
const char* to_string(Precision precision);

// NumPy's name of a dtype: "int64", "float32".
std::string dtype_name(const pybind11::dtype& dtype);
// The ndarray behind `obj`; TypeError naming `name` when it is none.
pybind11::array require_ndarray(pybind11::handle obj, const char* name);
// TypeError naming `name` unless the dtype is float32 or float64.
Precision precision_of(const pybind11::array& array, const char* name);
// ValueError naming `name` unless C-contiguous (and writable, when `writable`).
void require_layout(const pybind11::array& array, const char* name, bool writable);
// The array's shape as a vector.
std::vector<pybind11::ssize_t> shape_of(const pybind11::array& array);
// "(3, 4)", as NumPy prints shapes.
std::string shape_string(const std::vector<pybind11::ssize_t>& shape);

template <class T>
std::span<T> writable_span(const pybind11::array& array) {
  return {static_cast<T*>(const_cast<void*>(array.data())), static_cast<std::size_t>(array.size())};
}
template <class T>
std::span<const T> readable_span(const pybind11::array& array) {
  return {static_cast<const T*>(array.data()), static_cast<std::size_t>(array.size())};
}

// A new 1-D NumPy array holding a copy of `values`.
//
// NumPy 2 moved the item size in its dtype descriptor; pybind11 before 2.12 (Debian ships
// 2.10) still reads it at NumPy 1's offset and gets 0. So nothing here calls
// array::itemsize()/nbytes() or a constructor that derives strides from them (array_t(count,
// ptr) made arrays of stride 0, every element reading the first): array_t<T>(shape) takes its
// strides from sizeof(T), views are given explicit strides.
template <class T>
pybind11::array_t<T> to_numpy(std::span<const T> values) {
  pybind11::array_t<T> out(std::vector<pybind11::ssize_t>{static_cast<pybind11::ssize_t>(values.size())});
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

// True when two byte ranges overlap (an update would read what it has just written).
bool overlaps(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes);

}  // namespace descent::python
