#include "kept_model.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <type_traits>

#include "arrays.hpp"
#include "train.hpp"

namespace py = pybind11;

namespace descent::python {
namespace {

template <class F>
auto visit(const KeptModel& kept, F&& f) {
  return std::visit(std::forward<F>(f), *kept.model);
}

template <class M>
using ValueOf = typename std::decay_t<decltype(std::declval<M>().parameters())>::value_type;

// X (an ndarray of the model's dtype, or a CSR tuple) as a dataset with labels y (zeros
// when y is None: predictions do not read them).
template <class T>
Dataset<T> features_of(const TrainedModel<T>& model, py::handle X, py::handle y) {
  const py::handle source = features_precision_source(X);
  const py::array a = require_ndarray(source, "X");
  if ((precision_of(a, "X") == Precision::f32) != std::is_same_v<T, float>)
    throw py::type_error(std::string("X: dtype ") + to_string(precision_of(a, "X")) + " does not match the model's " +
                         (std::is_same_v<T, float> ? "float32" : "float64"));
  py::object labels = py::reinterpret_borrow<py::object>(y);
  if (y.is_none()) {
    const std::size_t rows = py::isinstance<py::tuple>(X) ? X.cast<py::tuple>()[3].cast<std::size_t>()
                                                          : static_cast<std::size_t>(a.ndim() >= 1 ? a.shape(0) : 0);
    labels = py::module_::import("numpy").attr("zeros")(rows);
  }
  Dataset<T> data = dataset_from_arrays<T>(X, labels, "X", "y");
  (void)model;
  return data;
}

py::dict evaluation_dict(const ModelEvaluation& e) {
  const auto real = [](double v) { return py::float_(v); };
  py::dict d;
  d["samples"] = e.samples;
  d["mean_loss"] = real(e.mean_loss);
  d["accuracy"] = real(e.accuracy);
  d["rmse"] = real(e.rmse);
  if (e.classes > 0) {
    py::array_t<std::int64_t> confusion({static_cast<py::ssize_t>(e.classes), static_cast<py::ssize_t>(e.classes)});
    auto c = confusion.mutable_unchecked<2>();
    for (std::size_t r = 0; r < e.classes; ++r)
      for (std::size_t k = 0; k < e.classes; ++k) c(r, k) = static_cast<std::int64_t>(e.confusion[r * e.classes + k]);
    d["confusion"] = confusion;
    d["class_accuracy"] = to_numpy(std::span<const double>(e.class_accuracy));
  } else {
    d["confusion"] = py::none();
    d["class_accuracy"] = py::none();
  }
  return d;
}

py::dict spec_dict(const ModelSpec& s) {
  py::dict d;
  d["kind"] = s.kind;
  d["hidden"] = py::cast(s.hidden);
  d["activation"] = s.activation;
  d["num_classes"] = s.num_classes;
  d["l2"] = s.l2;
  d["bias"] = s.bias;
  d["init_seed"] = s.init_seed;
  return d;
}

}  // namespace

void bind_kept_model(py::module_& m) {
  py::class_<KeptModel>(m, "KeptModel", "A trained model (use descent.TrainedModel)")
      .def("predict",
           [](const KeptModel& k, py::handle X) -> py::object {
             return visit(k, [&](const auto& model) -> py::object {
               using T = ValueOf<decltype(model)>;
               Dataset<T> data = features_of<T>(model, X, py::none());
               std::vector<T> p;
               {
                 py::gil_scoped_release release;
                 p = model.predict(std::move(data));
               }
               return to_numpy(std::span<const T>(p));
             });
           })
      .def("predict_proba",
           [](const KeptModel& k, py::handle X) -> py::object {
             return visit(k, [&](const auto& model) -> py::object {
               using T = ValueOf<decltype(model)>;
               Dataset<T> data = features_of<T>(model, X, py::none());
               const std::size_t rows = data.size();
               std::vector<double> p;
               {
                 py::gil_scoped_release release;
                 p = model.predict_proba(std::move(data));
               }
               py::array_t<double> out = to_numpy(std::span<const double>(p));
               return out.attr("reshape")(rows, model.num_classes());
             });
           })
      .def("evaluate",
           [](const KeptModel& k, py::handle X, py::handle y) {
             return visit(k, [&](const auto& model) {
               using T = ValueOf<decltype(model)>;
               Dataset<T> data = features_of<T>(model, X, y);
               ModelEvaluation e;
               {
                 py::gil_scoped_release release;
                 e = model.evaluate(std::move(data));
               }
               return evaluation_dict(e);
             });
           })
      .def("save", [](const KeptModel& k,
                      const std::string& path) { visit(k, [&](const auto& model) { save_model(path, model); }); })
      .def("to_bytes",
           [](const KeptModel& k) {
             return py::bytes(visit(k, [&](const auto& model) { return model_file_bytes(model); }));
           })
      .def_property_readonly("dtype",
                             [](const KeptModel& k) {
                               return visit(k, [](const auto& model) -> std::string {
                                 return std::is_same_v<ValueOf<decltype(model)>, float> ? "float32" : "float64";
                               });
                             })
      .def_property_readonly(
          "spec", [](const KeptModel& k) { return visit(k, [](const auto& m) { return spec_dict(m.spec()); }); })
      .def_property_readonly("features",
                             [](const KeptModel& k) { return visit(k, [](const auto& m) { return m.features(); }); })
      .def_property_readonly("num_classes",
                             [](const KeptModel& k) { return visit(k, [](const auto& m) { return m.num_classes(); }); })
      .def_property_readonly(
          "negative_label",
          [](const KeptModel& k) { return visit(k, [](const auto& m) { return m.label_encoding().negative_label; }); })
      .def_property_readonly("positive_class",
                             [](const KeptModel& k) -> py::object {
                               return visit(k, [](const auto& m) -> py::object {
                                 const auto& p = m.label_encoding().positive_class;
                                 return p ? py::object(py::int_(*p)) : py::object(py::none());
                               });
                             })
      .def_property_readonly("preprocess",
                             [](const KeptModel& k) {
                               return visit(k, [](const auto& m) {
                                 const FittedPreprocessing& p = m.preprocessing();
                                 py::dict d;
                                 d["kind"] = p.kind;
                                 d["center"] = p.center;
                                 d["first"] = to_numpy(std::span<const double>(p.first));
                                 d["second"] = to_numpy(std::span<const double>(p.second));
                                 return d;
                               });
                             })
      .def_property_readonly(
          "training_info", [](const KeptModel& k) { return visit(k, [](const auto& m) { return m.training_info(); }); })
      .def_property_readonly("params",
                             [](const KeptModel& k) -> py::object {
                               return visit(k, [](const auto& m) -> py::object {
                                 using T = ValueOf<decltype(m)>;
                                 return to_numpy(std::span<const T>(m.parameters().flat()));
                               });
                             })
      .def_property_readonly("blocks", [](const KeptModel& k) {
        return visit(k, [](const auto& m) {
          py::list blocks;
          for (const BlockInfo& b : m.parameters().layout().blocks())
            blocks.append(py::make_tuple(b.name, b.offset, py::tuple(py::cast(b.shape))));
          return blocks;
        });
      });
  m.def(
      "load_model",
      [](const std::string& path) { return KeptModel{std::make_shared<const LoadedModel>(load_model(path))}; },
      py::arg("path"), "The model file at path (use descent.load).");
  m.def(
      "load_model_bytes",
      [](const py::bytes& bytes, const std::string& name) {
        return KeptModel{std::make_shared<const LoadedModel>(load_model_bytes(name, std::string(bytes)))};
      },
      py::arg("data"), py::arg("name"), "A model from the bytes of a model file (pickling).");
}

}  // namespace descent::python
