#include "readers.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>

#include "arrays.hpp"
#include "descent/data/read_dataset.hpp"

namespace py = pybind11;

namespace descent::python {
namespace {

template <class T>
py::tuple to_python(const Dataset<T>& data) {
  py::array_t<T> y = to_numpy(data.labels());
  if (data.is_sparse()) {
    const SparseFeatures<T>& f = data.sparse();
    return py::make_tuple(
        py::make_tuple(to_numpy(std::span<const T>(f.values)), to_numpy(std::span<const std::int64_t>(f.columns)),
                       to_numpy(std::span<const std::int64_t>(f.row_offsets)), f.rows, f.cols),
        y);
  }
  const DenseFeatures<T>& f = data.dense();
  py::array_t<T> X({static_cast<py::ssize_t>(f.rows), static_cast<py::ssize_t>(f.cols)});
  std::copy_n(f.values.data(), f.rows * f.cols, X.mutable_data());
  return py::make_tuple(X, y);
}

py::tuple read(const std::string& path, const std::string& format, const std::string& labels_path,
               std::optional<std::size_t> label_index, const std::string& label_name, bool header, bool zero_based,
               const std::string& delimiter, std::uint64_t n_features, const std::string& dtype, bool unlabeled) {
  DatasetSpec spec;
  spec.path = path;
  spec.format = format;
  spec.labels_path = labels_path;
  spec.unlabeled = unlabeled;
  spec.csv.label_index = label_index;
  spec.csv.label_name = label_name;
  spec.csv.has_header = header;
  if (delimiter.size() != 1) throw py::value_error("delimiter: expected one character, got '" + delimiter + "'");
  spec.csv.delimiter = delimiter[0];
  spec.libsvm.zero_based = zero_based;
  spec.libsvm.dimension = n_features;
  if (dtype == "float32") {
    Dataset<float> data;
    {
      py::gil_scoped_release release;
      data = read_dataset<float>(spec);
    }
    return to_python(data);
  }
  if (dtype != "float64") throw py::type_error("dtype: expected float32 or float64, got '" + dtype + "'");
  Dataset<double> data;
  {
    py::gil_scoped_release release;
    data = read_dataset<double>(spec);
  }
  return to_python(data);
}

}  // namespace

void bind_readers(py::module_& m) {
  m.def("read_dataset", &read, py::arg("path"), py::arg("format"), py::arg("labels_path"), py::arg("label_index"),
        py::arg("label_name"), py::arg("header"), py::arg("zero_based"), py::arg("delimiter"), py::arg("n_features"),
        py::arg("dtype"), py::arg("unlabeled"), "The readers behind descent.read_libsvm and co. (use those).");
}

}  // namespace descent::python
