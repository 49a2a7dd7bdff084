#include "clip_guide.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "descent/privacy/clip_norm_guide.hpp"
#include "train.hpp"

namespace py = pybind11;

namespace descent::python {
namespace {

template <class T>
py::dict guide_typed(py::handle X, const std::string& model, bool bias, std::size_t grid) {
  // The guidance reads the features only; the rows' labels are placeholders.
  const std::size_t rows = py::isinstance<py::tuple>(X) ? X.cast<py::tuple>()[3].cast<std::size_t>()
                                                        : static_cast<std::size_t>(require_ndarray(X, "X").shape(0));
  py::array_t<T> labels(static_cast<py::ssize_t>(rows));
  std::fill_n(labels.mutable_data(), rows, T(0));
  const Dataset<T> data = dataset_from_arrays<T>(X, labels, "X", "y");
  const ClipNormGuide g = clip_norm_guide(model, bias, data, grid);
  py::dict out;
  out["model"] = g.model;
  out["samples"] = g.samples;
  out["zero_rows"] = g.zero_rows;
  out["min_lipschitz"] = g.min_lipschitz;
  out["median_lipschitz"] = g.median_lipschitz;
  out["max_lipschitz"] = g.max_lipschitz;
  out["candidates"] = g.candidates;
  return out;
}

}  // namespace

void bind_clip_guide(py::module_& m) {
  m.def(
      "clip_norm_guide",
      [](py::handle X, const std::string& model, bool bias, std::size_t grid) {
        const py::array source = require_ndarray(features_precision_source(X), "X");
        if (precision_of(source, "X") == Precision::f32) return guide_typed<float>(X, model, bias, grid);
        return guide_typed<double>(X, model, bias, grid);
      },
      py::arg("X"), py::arg("model"), py::arg("bias"), py::arg("grid"));
}

}  // namespace descent::python
