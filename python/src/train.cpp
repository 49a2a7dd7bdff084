#include "train.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "arrays.hpp"
#include "descent/distributed/collectives.hpp"
#include "descent/distributed/gossip.hpp"
#include "descent/distributed/mpi_communicator.hpp"
#include "descent/distributed/world.hpp"
#include "descent/loop/train.hpp"
#include "descent/model/evaluate.hpp"
#include "descent/objective/sample_subset.hpp"
#include "descent/run/build.hpp"
#include "descent/spec/model_kind.hpp"
#include "descent/spec/registry.hpp"
#include "kept_model.hpp"
#include "signal_watch.hpp"
#include "transforms.hpp"

namespace py = pybind11;

namespace descent::python {

namespace {

// Labels for n rows: any real dtype, converted to T (class indices are exact in either).
template <class T>
std::vector<T> labels_from_array(py::handle y_obj, std::size_t n, const char* x_name, const char* y_name) {
  const py::array y_any = py::module_::import("numpy").attr("asarray")(y_obj);
  if (y_any.ndim() != 1 || static_cast<std::size_t>(y_any.shape(0)) != n)
    throw py::value_error(std::string(y_name) + ": expected a 1-D array of " + std::to_string(n) +
                          " labels (one per row of " + x_name + "), got shape " + shape_string(shape_of(y_any)));
  // The dtype's kind through Python (dtype::kind() reads the descriptor directly; see to_numpy).
  const std::string kind = py::handle(y_any.dtype()).attr("kind").cast<std::string>();
  if (kind != "f" && kind != "i" && kind != "u" && kind != "b")
    throw py::type_error(std::string(y_name) + ": labels must be real numbers, got dtype " + dtype_name(y_any.dtype()));
  const auto yc = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(y_any);
  return std::vector<T>(yc.data(), yc.data() + yc.size());
}

// A CSR matrix handed over by descent/__init__.py as (data, indices, indptr, rows, cols), in
// scipy's canonical format; the Dataset constructor checks the structure.
template <class T>
Dataset<T> sparse_dataset(const py::tuple& X, py::handle y_obj, const char* x_name, const char* y_name) {
  if (X.size() != 5) throw py::value_error(std::string(x_name) + ": expected (data, indices, indptr, rows, cols)");
  using Int = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
  const auto data = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(X[0]);
  const auto indices = Int::ensure(X[1]);
  const auto indptr = Int::ensure(X[2]);
  if (!data || !indices || !indptr) throw py::error_already_set();
  SparseFeatures<T> features;
  features.rows = X[3].cast<std::size_t>();
  features.cols = X[4].cast<std::size_t>();
  if (features.rows < 1 || features.cols < 1)
    throw py::value_error(std::string(x_name) + ": needs at least one sample and one feature");
  features.values.assign(data.data(), data.data() + data.size());
  features.columns.assign(indices.data(), indices.data() + indices.size());
  features.row_offsets.assign(indptr.data(), indptr.data() + indptr.size());
  std::vector<T> labels = labels_from_array<T>(y_obj, features.rows, x_name, y_name);
  return Dataset<T>(std::move(features), std::move(labels), x_name);
}

}  // namespace

py::handle features_precision_source(py::handle X) {
  return py::isinstance<py::tuple>(X) && py::len(X) == 5 ? py::handle(X.cast<py::tuple>()[0]) : X;
}

template <class T>
Dataset<T> dataset_from_arrays(py::handle X_obj, py::handle y_obj, const char* x_name, const char* y_name) {
  if (py::isinstance<py::tuple>(X_obj)) return sparse_dataset<T>(X_obj.cast<py::tuple>(), y_obj, x_name, y_name);
  const py::array X = require_ndarray(X_obj, x_name);
  precision_of(X, x_name);
  if (X.ndim() != 2)
    throw py::value_error(std::string(x_name) + ": expected a 2-D array (samples x features), got shape " +
                          shape_string(shape_of(X)));
  if (X.shape(0) < 1 || X.shape(1) < 1)
    throw py::value_error(std::string(x_name) + ": needs at least one sample and one feature, got shape " +
                          shape_string(shape_of(X)));
  // The features are copied into the dataset's aligned buffer (models read them through Eigen
  // maps); the caller's array is only read, so a copy changes nothing the caller sees.
  const auto Xc = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(X);
  DenseFeatures<T> features;
  features.rows = static_cast<std::size_t>(X.shape(0));
  features.cols = static_cast<std::size_t>(X.shape(1));
  features.values = AlignedBuffer<T>(features.rows * features.cols);
  std::copy_n(Xc.data(), features.rows * features.cols, features.values.data());
  std::vector<T> labels = labels_from_array<T>(y_obj, features.rows, x_name, y_name);
  return Dataset<T>(std::move(features), std::move(labels), x_name);
}

template Dataset<float> dataset_from_arrays<float>(py::handle, py::handle, const char*, const char*);
template Dataset<double> dataset_from_arrays<double>(py::handle, py::handle, const char*, const char*);

namespace {

// The ModelSpec of a model kind with its options as a dict (descent/__init__.py passes the
// model object's attributes). Every key must be an option the kind documents.
ModelSpec model_spec(const std::string& kind, const py::dict& options, std::uint64_t init_seed) {
  find_model_kind(kind);  // ConfigError naming an unknown kind
  const RegistryEntry& entry = *find_entry(kind, EntryKind::model);
  ModelSpec spec;
  spec.kind = kind;
  spec.init_seed = init_seed;
  for (const auto& [key_obj, value] : options) {
    const std::string key = py::str(key_obj);
    const bool known = std::any_of(entry.parameters.begin(), entry.parameters.end(),
                                   [&](const ParameterDoc& p) { return p.name == key; });
    if (!known || key == "init_seed") {
      std::string names;
      for (const ParameterDoc& p : entry.parameters)
        if (p.name != "init_seed") names += (names.empty() ? "" : ", ") + p.name;
      throw py::type_error("model: '" + kind + "' has no option '" + key + "' (options: " + names + ")");
    }
    if (key == "hidden") spec.hidden = value.cast<std::vector<std::size_t>>();
    if (key == "activation") spec.activation = value.cast<std::string>();
    if (key == "num_classes") spec.num_classes = value.cast<std::size_t>();
    if (key == "l2") spec.l2 = value.cast<double>();
    if (key == "bias") spec.bias = value.cast<bool>();
  }
  return spec;
}

// The features' dtype decides the precision of the run.
template <class Run>
py::dict with_precision_of(py::handle X, Run&& run) {
  const py::array Xa = require_ndarray(features_precision_source(X), "X");
  if (precision_of(Xa, "X") == Precision::f32) return run.template operator()<float>();
  return run.template operator()<double>();
}

// The group a distributed run trains in, installed as the world for the run's builders and
// put back to a group of one however the run ends.
class WorldForRun {
 public:
  explicit WorldForRun(CommunicatorPtr comm) { set_world_communicator(std::move(comm)); }
  ~WorldForRun() { set_world_communicator(nullptr); }
  WorldForRun(const WorldForRun&) = delete;
  WorldForRun& operator=(const WorldForRun&) = delete;
};

template <class T>
py::dict train_typed(const RunSpec& run, py::handle X, py::handle y, py::handle initial, py::handle X_val,
                     py::handle y_val, std::int64_t comm_handle) {
  // A distributed run: the ranks of mpi4py's communicator (comm_handle >= 0), else those mpirun
  // started (a group of one without mpirun).
  std::optional<WorldForRun> world;
  if (run.distributed) {
    if (run.distributed->is_federated())
      throw py::value_error("distributed: " + run.distributed->spec() +
                            " runs from the command line (descent train --distributed); descent.train takes "
                            "data_parallel and dsgd");
    CommunicatorPtr comm = comm_handle >= 0 ? mpi_communicator(comm_handle) : launched_world();
    comm->set_timeout_seconds(run.distributed->timeout_seconds);
    world.emplace(std::move(comm));
  }
  const Dataset<T> data = dataset_from_arrays<T>(X, y, "X", "y");
  Dataset<T> validation;
  const bool has_validation = !X_val.is_none();
  if (has_validation) {
    validation = dataset_from_arrays<T>(X_val, y_val, "validation X", "validation y");
    if (validation.dimension() != data.dimension())
      throw py::value_error("validation: X has " + std::to_string(validation.dimension()) + " features, X " +
                            std::to_string(data.dimension()));
  }
  const std::unique_ptr<Model<T>> model = build_model<T>(run.model, data);

  Parameters<T> params(model->layout());
  if (!initial.is_none()) {
    const py::array a = require_ndarray(initial, "initial_params");
    if ((precision_of(a, "initial_params") == Precision::f32) != std::is_same_v<T, float>)
      throw py::type_error(std::string("initial_params: dtype ") + to_string(precision_of(a, "initial_params")) +
                           " does not match X's dtype");
    if (static_cast<std::size_t>(a.size()) != params.size())
      throw py::value_error("initial_params: has " + std::to_string(a.size()) + " elements, the model " +
                            std::to_string(params.size()) + " parameters");
    const auto ac = py::array_t<T, py::array::c_style>::ensure(a);
    std::copy_n(ac.data(), params.size(), params.data());
  } else {
    params = initial_parameters<T>(run.model, *model);  // as the CLI's jobs start
  }
  // Decentralized SGD: rank r trains on rows segment_of(n, P, r) (as the CLI does).
  std::optional<SampleSubset<T>> shard;
  const bool decentralized = run.distributed && run.distributed->method == "dsgd";
  if (run.distributed) {
    Communicator& comm = *world_communicator();
    check_same_on_every_rank(comm, run.distributed->spec() + " | " + run.estimator_description(),
                             "checking that every rank runs the same training");
    broadcast(comm, params.flat(), 0, "broadcasting the starting parameters");
    if (decentralized) {
      const Segment rows = segment_of(model->num_samples(), comm.size(), comm.rank());
      if (rows.size() == 0)
        throw py::value_error("distributed: " + std::to_string(model->num_samples()) + " rows cannot give each of " +
                              std::to_string(comm.size()) + " ranks a shard");
      std::vector<std::size_t> indices(rows.size());
      for (std::size_t k = 0; k < indices.size(); ++k) indices[k] = rows.begin + k;
      shard.emplace(*model, std::move(indices));
    }
  }

  TrainOptions<T> options = train_options<T>(run);
  options.progress = false;
  options.quiet = true;
  if (has_validation)
    options.evaluate = [&](std::span<const T> x) {
      const Evaluation e = evaluate(*model, x, validation);
      return HeldOutEvaluation{e.mean_loss, e.accuracy};
    };
  auto watch = std::make_shared<SignalWatch<T>>();
  options.callbacks.push_back(watch);

  TrainResult<T> result;
  {
    py::gil_scoped_release release;
    const FiniteSum<T>& trained = shard ? static_cast<const FiniteSum<T>&>(*shard) : *model;
    result = descent::train(trained, params, *run.optimizer, options);
  }
  watch->rethrow_if_interrupted();
  // A decentralized run returns the ranks' average (and how far apart they were).
  py::object consensus = py::none();
  if (decentralized) {
    Parameters<T> average = params;
    double error = 0;
    {
      py::gil_scoped_release release;
      error = average_over_ranks<T>(*world_communicator(), params.flat(), average.flat());
    }
    params = std::move(average);
    consensus = py::float_(error);
  }

  py::dict history;
  for (const char* key : {"epoch", "step", "train_loss", "test_loss", "test_accuracy", "epoch_seconds",
                          "elapsed_seconds", "samples_per_second", "data_passes", "objective"})
    history[key] = py::list();
  for (const EpochRecord& e : result.history) {
    history["epoch"].cast<py::list>().append(e.epoch);
    history["step"].cast<py::list>().append(e.step);
    history["train_loss"].cast<py::list>().append(e.train_loss);
    history["test_loss"].cast<py::list>().append(e.test_loss);
    history["test_accuracy"].cast<py::list>().append(e.test_accuracy);
    history["epoch_seconds"].cast<py::list>().append(e.epoch_seconds);
    history["elapsed_seconds"].cast<py::list>().append(e.elapsed_seconds);
    history["samples_per_second"].cast<py::list>().append(e.samples_per_second);
    history["data_passes"].cast<py::list>().append(e.data_passes);
    history["objective"].cast<py::list>().append(e.objective);
  }
  py::list blocks;
  for (const BlockInfo& b : params.layout().blocks())
    blocks.append(py::make_tuple(b.name, b.offset, py::tuple(py::cast(b.shape))));
  py::array_t<T> flat = to_numpy(std::span<const T>(params.flat()));  // a copy out of the C++ buffer
  // The kept model: the labels as given (no one-vs-rest, no preprocessing in Python's train).
  py::object kept = py::none();
  if (result.summary.termination != Termination::non_finite)
    kept = py::cast(keep_model(TrainedModel<T>::keep(run.model, *model, FittedPreprocessing{}, std::nullopt, params)));
  // A private estimator's ledger (Estimator::privacy_ledger): what the accountant needs.
  py::object ledger = py::none();
  if (options.estimator)
    if (const std::optional<GaussianSteps> spent = options.estimator->privacy_ledger())
      ledger = py::dict(py::arg("noise_multiplier") = spent->noise_multiplier,
                        py::arg("sampling_rate") = spent->sampling_rate, py::arg("steps") = spent->steps);
  return py::dict(py::arg("params") = flat, py::arg("blocks") = blocks, py::arg("history") = history,
                  py::arg("model") = kept, py::arg("privacy_ledger") = ledger, py::arg("consensus_error") = consensus,
                  py::arg("termination") = to_string(result.summary.termination),
                  py::arg("message") = result.summary.message, py::arg("steps") = result.summary.steps,
                  py::arg("final_loss") = static_cast<double>(result.summary.final_value));
}

// A solver with a loop of its own (spec/solver_spec.hpp) on a built-in model, starting
// where train() starts.
template <class T>
py::dict solve_typed(const RunSpec& run, py::handle X, py::handle y, std::int64_t steps) {
  const Dataset<T> data = dataset_from_arrays<T>(X, y, "X", "y");
  const std::unique_ptr<Model<T>> model = build_model<T>(run.model, data);
  Parameters<T> params = initial_parameters<T>(run.model, *model);
  auto watch = std::make_shared<SignalWatch<T>>();
  Summary<T> summary;
  {
    py::gil_scoped_release release;
    summary = run.solver->run<T>(*model, params, solver_run(run, steps, [&] { return watch->interrupted(); }));
  }
  watch->rethrow_if_interrupted();
  py::array_t<T> flat = to_numpy(std::span<const T>(params.flat()));
  return py::dict(
      py::arg("params") = flat, py::arg("solver") = run.solver->canonical(),
      py::arg("termination") = to_string(summary.termination), py::arg("message") = summary.message,
      py::arg("steps") = summary.steps, py::arg("final_loss") = static_cast<double>(summary.final_value),
      py::arg("sample_gradients") = summary.sample_gradients,
      py::arg("data_passes") = static_cast<double>(summary.sample_gradients) / static_cast<double>(data.size()));
}

py::dict run_solve(const std::string& kind, const py::dict& model_options, py::handle X, py::handle y,
                   const std::string& solver, std::int64_t steps, std::uint64_t seed, std::uint64_t init_seed) {
  RunSpec run;
  run.model = model_spec(kind, model_options, init_seed);
  run.training.seed = seed;
  run.solver = parse_solver(solver);
  return with_precision_of(X, [&]<class T>() { return solve_typed<T>(run, X, y, steps); });
}

py::dict run_train(const std::string& kind, const py::dict& model_options, py::handle X, py::handle y,
                   const PyTransform& optimizer, std::int64_t epochs, std::size_t batch_size, std::uint64_t seed,
                   std::uint64_t init_seed, const std::string& sampling, const std::string& estimator,
                   bool full_objective, const std::string& average, const std::string& stationarity_stop,
                   const std::vector<std::string>& callbacks, py::handle initial, py::handle X_val, py::handle y_val,
                   const std::string& distributed, double distributed_timeout, std::int64_t comm_handle) {
  RunSpec run;
  run.model = model_spec(kind, model_options, init_seed);
  run.optimizer = optimizer.transform;
  run.training = {.epochs = epochs,
                  .batch_size = batch_size,
                  .sampling = parse_at("sampling", [&] { return parse_sampling(sampling); }),
                  .seed = seed,
                  .full_objective = full_objective};
  if (!estimator.empty()) run.estimator = parse_estimator(estimator);
  if (!average.empty()) run.callbacks.push_back(parse_callback(average, EntryKind::averaging));
  if (!stationarity_stop.empty()) run.callbacks.push_back(parse_callback(stationarity_stop, EntryKind::stopping));
  for (const std::string& c : callbacks) run.callbacks.push_back(parse_callback(c));
  if (!distributed.empty()) {
    run.distributed = parse_at("distributed", [&] { return parse_distributed(distributed); });
    if (!(distributed_timeout > 0 && std::isfinite(distributed_timeout)))
      throw ConfigError("distributed_timeout = " + format_number(distributed_timeout) + " violates timeout > 0");
    run.distributed->timeout_seconds = distributed_timeout;
  }
  return with_precision_of(X, [&]<class T>() { return train_typed<T>(run, X, y, initial, X_val, y_val, comm_handle); });
}

}  // namespace

void bind_train(py::module_& m) {
  m.def("solve", &run_solve, py::arg("kind"), py::arg("model_options"), py::arg("X"), py::arg("y"), py::arg("solver"),
        py::arg("steps"), py::arg("seed"), py::arg("init_seed"), "The loop behind descent.solve (use that).");
  m.def("train", &run_train, py::arg("kind"), py::arg("model_options"), py::arg("X"), py::arg("y"),
        py::arg("optimizer"), py::arg("epochs"), py::arg("batch_size"), py::arg("seed"), py::arg("init_seed"),
        py::arg("sampling"), py::arg("estimator"), py::arg("full_objective"), py::arg("average"),
        py::arg("stationarity_stop"), py::arg("callbacks"), py::arg("initial_params"), py::arg("X_val"),
        py::arg("y_val"), py::arg("distributed") = "", py::arg("distributed_timeout") = 60.0,
        py::arg("comm_handle") = -1, "The loop behind descent.train (use that).");
  m.def("launcher_world_size", &launcher_world_size, "Ranks mpirun started this process among (1 without).");
  m.def("built_with_mpi", &built_with_mpi, "Whether this build of descent has MPI.");
}

}  // namespace descent::python
