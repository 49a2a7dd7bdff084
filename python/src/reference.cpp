// descent._core._reference: the C++ library called directly, without the bindings' zero-copy
// paths, for the tests that check Python against C++ bit for bit. Inputs are copied into
// buffers the library owns (64-byte aligned, unlike most NumPy arrays); the calls are those a
// C++ user or the CLI would make (make_model and initial_parameters are the CLI's own).
#include "reference.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "descent/loop/train.hpp"
#include "descent/run/build.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "train.hpp"

namespace py = pybind11;

namespace descent::python {

namespace {

// Runs `spec` over params for each gradient of `grads` (apply, or update followed by the add
// the caller would do) and returns the final parameters.
template <class T>
py::array_t<T> steps_typed(const std::string& spec, const py::array& params0, const std::vector<py::array>& grads,
                           bool use_apply) {
  const TransformPtr transform = parse_transform(spec);
  const auto p0 = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(params0);
  Parameters<T> params = Parameters<T>::from(std::span<const T>(p0.data(), static_cast<std::size_t>(p0.size())));
  TransformState<T> state = transform->init(params.layout(), T{});
  AlignedBuffer<T> direction(params.size());
  for (const py::array& g : grads) {
    const auto gc = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(g);
    if (static_cast<std::size_t>(gc.size()) != params.size()) throw py::value_error("grads: wrong size");
    std::copy_n(gc.data(), params.size(), direction.data());
    if (use_apply) {
      descent::apply(*transform, state, direction.span(), params.flat(), params.layout());
    } else {
      descent::update(*transform, state, direction.span(), std::span<const T>(params.flat()), params.layout());
      for (std::size_t i = 0; i < params.size(); ++i) params[i] += direction[i];
    }
  }
  return to_numpy(std::span<const T>(params.flat()));
}

py::array transform_steps(const std::string& spec, py::handle params0, const std::vector<py::array>& grads,
                          bool use_apply) {
  const py::array p = require_ndarray(params0, "params");
  if (precision_of(p, "params") == Precision::f32) return steps_typed<float>(spec, p, grads, use_apply);
  return steps_typed<double>(spec, p, grads, use_apply);
}

// A training run through the run layer's model builder and initializer (what the CLI's
// jobs call), with train() driven by hand: returns the final flat parameters and the
// per-epoch training losses.
template <class T>
py::tuple train_typed(const ModelSpec& model_config, py::handle X, py::handle y, const std::string& spec,
                      std::int64_t epochs, std::size_t batch_size, std::uint64_t seed) {
  const Dataset<T> data = dataset_from_arrays<T>(X, y, "X", "y");
  const std::unique_ptr<Model<T>> model = build_model<T>(model_config, data);
  Parameters<T> params = initial_parameters<T>(model_config, *model);
  TrainOptions<T> options;
  options.epochs = epochs;
  options.batch_size = batch_size;
  options.seed = seed;
  options.quiet = true;
  options.progress = false;
  const TransformPtr transform = parse_transform(spec);
  const TrainResult<T> result = descent::train(*model, params, *transform, options);
  std::vector<double> losses;
  for (const EpochRecord& e : result.history) losses.push_back(e.train_loss);
  return py::make_tuple(to_numpy(std::span<const T>(params.flat())), losses);
}

py::tuple train_job(const std::string& type, const std::vector<std::size_t>& hidden, const std::string& activation,
                    double l2, std::uint64_t init_seed, py::handle X, py::handle y, const std::string& spec,
                    std::int64_t epochs, std::size_t batch_size, std::uint64_t seed) {
  ModelSpec config;
  config.kind = type;
  config.hidden = hidden;
  config.activation = activation;
  config.l2 = l2;
  config.init_seed = init_seed;
  const py::array Xa = require_ndarray(features_precision_source(X), "X");
  if (precision_of(Xa, "X") == Precision::f32) return train_typed<float>(config, X, y, spec, epochs, batch_size, seed);
  return train_typed<double>(config, X, y, spec, epochs, batch_size, seed);
}

}  // namespace

void bind_reference(py::module_& m) {
  py::module_ r = m.def_submodule("_reference", "The C++ library called directly, for the bit-for-bit tests.");
  r.def("transform_steps", &transform_steps, py::arg("spec"), py::arg("params"), py::arg("grads"),
        py::arg("use_apply"));
  r.def("train_job", &train_job, py::arg("type"), py::arg("hidden"), py::arg("activation"), py::arg("l2"),
        py::arg("init_seed"), py::arg("X"), py::arg("y"), py::arg("spec"), py::arg("epochs"), py::arg("batch_size"),
        py::arg("seed"));
}

}  // namespace descent::python
