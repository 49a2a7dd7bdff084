#include "arrays.hpp"

#include <cstdint>

namespace py = pybind11;

namespace descent::python {

const char* to_string(Precision precision) { return precision == Precision::f32 ? "float32" : "float64"; }

std::string dtype_name(const py::dtype& dtype) { return py::handle(dtype).attr("name").cast<std::string>(); }

py::array require_ndarray(py::handle obj, const char* name) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error(std::string(name) + ": expected a numpy.ndarray of float32 or float64, got " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  return py::reinterpret_borrow<py::array>(obj);
}

Precision precision_of(const py::array& array, const char* name) {
  if (array.dtype().is(py::dtype::of<float>())) return Precision::f32;
  if (array.dtype().is(py::dtype::of<double>())) return Precision::f64;
  // dtype equality rather than identity: byte-swapped or subclassed dtypes compare unequal.
  const py::dtype dtype = array.dtype();
  if (dtype.equal(py::dtype::of<float>())) return Precision::f32;
  if (dtype.equal(py::dtype::of<double>())) return Precision::f64;
  throw py::type_error(std::string(name) + ": dtype " + dtype_name(dtype) +
                       " is not supported; descent works on float32 or float64 arrays in place "
                       "(convert once with .astype(numpy.float32) or .astype(numpy.float64))");
}

void require_layout(const py::array& array, const char* name, bool writable) {
  if (!(array.flags() & py::array::c_style))
    throw py::value_error(std::string(name) +
                          ": array is not C-contiguous; descent updates arrays in place and would only update "
                          "a copy (pass numpy.ascontiguousarray(...) and keep that array)");
  if (writable && !array.writeable())
    throw py::value_error(std::string(name) + ": array is read-only; descent writes into it in place");
}

std::vector<py::ssize_t> shape_of(const py::array& array) {
  return std::vector<py::ssize_t>(array.shape(), array.shape() + array.ndim());
}

std::string shape_string(const std::vector<py::ssize_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

bool overlaps(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes) {
  if (a_bytes == 0 || b_bytes == 0) return false;
  const auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
  return x < y + b_bytes && y < x + a_bytes;
}

}  // namespace descent::python
