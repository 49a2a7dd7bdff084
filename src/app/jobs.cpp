#include "descent/app/jobs.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <optional>
#include <type_traits>

#include "descent/app/job_plan.hpp"
#include "descent/app/privacy_report.hpp"
#include "descent/core/atomic_file.hpp"
#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/data/gaussian_clusters.hpp"
#include "descent/data/idx_reader.hpp"
#include "descent/data/preprocess.hpp"
#include "descent/data/read_dataset.hpp"
#include "descent/distributed/client_split.hpp"
#include "descent/distributed/collectives.hpp"
#include "descent/distributed/federated.hpp"
#include "descent/distributed/gossip.hpp"
#include "descent/distributed/graph.hpp"
#include "descent/distributed/world.hpp"
#include "descent/model/evaluate.hpp"
#include "descent/objective/sample_subset.hpp"
#include "descent/report/line_plot.hpp"
#include "descent/run/build.hpp"
#include "descent/run/model_file.hpp"

namespace descent {

namespace fs = std::filesystem;

namespace {

template <class T>
Dataset<T> first_rows(Dataset<T> data, std::size_t limit) {
  if (limit == 0 || limit >= data.size()) return data;
  std::vector<std::size_t> rows(limit);
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  return data.subset(rows);
}

std::string fashion_file(const DataConfig& c, const char* name) {
  const fs::path path = fs::path(c.dir) / name;
  if (!fs::exists(path))
    throw IoError("Fashion-MNIST file '" + path.string() +
                  "' is missing: install Debian's dataset-fashion-mnist (scripts/setup does), set [data].dir, or use "
                  "[data].name = \"synthetic\"");
  return path.string();
}

std::string json_number(double v) { return std::isfinite(v) ? format_number(v) : "null"; }

std::string csv_number(double v) { return std::isfinite(v) ? format_number(v) : ""; }

// Appends one epoch record to metrics.csv and metrics.jsonl (flushed per epoch, so a
// crash loses at most the epoch in progress).
class EpochFiles {
 public:
  EpochFiles(const fs::path& dir, bool append, const std::string& label) : label_(label) {
    const fs::path csv = dir / "metrics.csv";
    const bool had_rows = append && fs::exists(csv) && fs::file_size(csv) > 0;
    csv_.open(csv, append ? std::ios::app : std::ios::trunc);
    jsonl_.open(dir / "metrics.jsonl", append ? std::ios::app : std::ios::trunc);
    if (!csv_ || !jsonl_) throw IoError("cannot write metrics into '" + dir.string() + "'");
    if (!had_rows)
      csv_ << "epoch,step,train_loss,test_loss,test_accuracy,epoch_seconds,elapsed_seconds,samples_per_second,"
              "data_passes,objective\n";
  }
  void write(const EpochRecord& e) {
    csv_ << e.epoch << ',' << e.step << ',' << csv_number(e.train_loss) << ',' << csv_number(e.test_loss) << ','
         << csv_number(e.test_accuracy) << ',' << format_number(e.epoch_seconds) << ','
         << format_number(e.elapsed_seconds) << ',' << format_number(e.samples_per_second) << ','
         << format_number(e.data_passes) << ',' << csv_number(e.objective) << '\n';
    csv_.flush();
    jsonl_ << "{\"run\":" << nlohmann::json(label_).dump() << ",\"epoch\":" << e.epoch << ",\"step\":" << e.step
           << ",\"train_loss\":" << json_number(e.train_loss) << ",\"test_loss\":" << json_number(e.test_loss)
           << ",\"test_accuracy\":" << json_number(e.test_accuracy)
           << ",\"epoch_seconds\":" << json_number(e.epoch_seconds)
           << ",\"elapsed_seconds\":" << json_number(e.elapsed_seconds)
           << ",\"samples_per_second\":" << json_number(e.samples_per_second)
           << ",\"data_passes\":" << json_number(e.data_passes) << ",\"objective\":" << json_number(e.objective)
           << "}\n";
    jsonl_.flush();
  }

 private:
  std::string label_;
  std::ofstream csv_, jsonl_;
};

nlohmann::json to_json(const EpochRecord& e) {
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"epoch", e.epoch},
          {"step", e.step},
          {"train_loss", num(e.train_loss)},
          {"test_loss", num(e.test_loss)},
          {"test_accuracy", num(e.test_accuracy)},
          {"epoch_seconds", num(e.epoch_seconds)},
          {"elapsed_seconds", num(e.elapsed_seconds)},
          {"samples_per_second", num(e.samples_per_second)},
          {"data_passes", num(e.data_passes)},
          {"objective", num(e.objective)}};
}

// A run whose solver trains the model full-batch: one record per solver iteration, written
// like an epoch's (epoch = iteration, train_loss = objective = f(x) over all samples, data
// passes from the solver's per-sample gradient count), the held-out evaluation after each,
// its time excluded from the elapsed time as an epoch's evaluation is. Solvers keep no
// checkpoints, so a solver run cannot be resumed.
template <class T>
RunRecord solver_train_one(const RunSpec& run, const JobData<T>& data, const Model<T>& model, Parameters<T>& params,
                           const std::string& label, const fs::path& dir, const JobControls& controls,
                           bool record_start) {
  if (controls.resume) throw ConfigError("--resume: a solver run keeps no checkpoint; run it again from the start");
  fs::create_directories(dir);
  EpochFiles files(dir, false, label);
  const double n = static_cast<double>(model.num_samples());
  const auto start_time = std::chrono::steady_clock::now();
  double evaluation_seconds = 0, last_elapsed = 0;
  std::vector<EpochRecord> history;
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count() - evaluation_seconds;
  };
  const auto record = [&](std::int64_t iteration, std::span<const T> x, double value, std::int64_t samples) {
    EpochRecord e;
    e.epoch = iteration;
    e.step = iteration;
    e.progress = static_cast<double>(iteration);
    e.elapsed_seconds = elapsed();
    e.epoch_seconds = e.elapsed_seconds - last_elapsed;
    last_elapsed = e.elapsed_seconds;
    e.data_passes = static_cast<double>(samples) / n;
    e.samples_per_second = e.epoch_seconds > 0 ? n / e.epoch_seconds : 0;
    e.train_loss = value;
    e.objective = value;
    e.test_loss = e.test_accuracy = std::numeric_limits<double>::quiet_NaN();
    const auto evaluation_start = std::chrono::steady_clock::now();
    if (data.test.size() > 0) {
      const Evaluation held_out = evaluate(model, x, data.test, 1024);
      e.test_loss = held_out.mean_loss;
      e.test_accuracy = held_out.accuracy;
    }
    evaluation_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - evaluation_start).count();
    files.write(e);
    history.push_back(e);
  };
  if (record_start) record(0, params.flat(), static_cast<double>(model.value(params.flat())), 0);
  SolverRun solver_run;
  solver_run.max_steps = run.training.solver_steps;
  solver_run.seed = run.training.seed;
  if (controls.interrupt) solver_run.stop = [&] { return controls.interrupt->load(); };
  const auto observe = [&](const SolverIterate<T>& it) {
    // A solver that does not evaluate its iterate (L-Katyusha) reports NaN: f is computed here.
    const double value = std::isfinite(it.value) ? it.value : static_cast<double>(model.value(it.x));
    record(it.step, it.x, value, it.sample_gradients);
    if (!controls.quiet)
      std::fprintf(stderr, "\r%s: iteration %lld, f = %.6g", label.c_str(), static_cast<long long>(it.step), value);
    return false;
  };
  if constexpr (std::is_same_v<T, float>) {
    solver_run.observe_float = observe;
  } else {
    solver_run.observe_double = observe;
  }
  const Summary<T> summary = run.solver->run<T>(model, params, solver_run);
  if (!controls.quiet) std::fprintf(stderr, "\n%s: %s\n", label.c_str(), summary.message.c_str());
  RunRecord result;
  result.label = label;
  result.optimizer = run.solver->canonical();
  result.estimator = "full batch (solver)";
  result.termination = summary.termination;
  result.message = summary.message;
  result.history = std::move(history);
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return result;
}

// A federated run (fedavg, fedprox, scaffold, fedlex): the training rows split among clients
// simulated in this process (under mpirun: each round's clients spread over the ranks), one
// record per round written like an epoch's (epoch = round,
// train_loss = objective = f(x) over all rows after the round, data passes from the clients'
// local passes), the held-out evaluation after each. The run's optimizer is the server's.
// Federated state (control variates, the server transform's state) is not checkpointed yet,
// so a federated run cannot be resumed.
template <class T>
RunRecord federated_train_one(const RunSpec& run, const JobData<T>& data, const Model<T>& model, Parameters<T>& params,
                              const fs::path& dir, const JobControls& controls) {
  if (controls.resume) throw ConfigError("--resume: a federated run keeps no checkpoint; run it again from the start");
  const DistributedSpec& spec = *run.distributed;
  const FederatedSpecOptions& f = spec.federated;
  const ClientSplit split = split_clients<T>(
      model, ClientSplitOptions{.clients = f.clients, .partition = f.partition, .alpha = f.alpha}, run.training.seed);
  FederatedOptions o;
  o.algorithm = spec.method;
  o.rounds = run.training.epochs;
  o.clients_per_round = f.clients_per_round;
  o.local_epochs = f.local_epochs;
  o.local_steps = f.local_steps;
  o.local_batch_size = f.local_batch_size;
  o.local_learning_rate = f.local_learning_rate;
  o.mu = spec.method == "fedprox" ? f.mu : 0;
  o.exploration_fraction = f.exploration_fraction;
  o.exploration_epochs = f.exploration_epochs;
  o.seed = static_cast<std::int64_t>(run.training.seed & 0x7fffffffffffffffULL);
  std::optional<EpochFiles> files;
  if (controls.primary) {
    fs::create_directories(dir);
    files.emplace(dir, false, "train");
  }
  if (!controls.quiet)
    std::fprintf(stderr, "federated: %s, %zu clients (%zu empty), server optimizer %s\n", spec.spec().c_str(),
                 split.num_clients(), split.empty_clients(), run.optimizer->spec().c_str());
  const auto start_time = std::chrono::steady_clock::now();
  double evaluation_seconds = 0, last_elapsed = 0;
  std::vector<EpochRecord> history;
  const auto observer = [&](const FederatedRound<T>& r) {
    EpochRecord e;
    e.epoch = e.step = r.round;
    e.progress = static_cast<double>(r.round);
    e.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count() - evaluation_seconds;
    e.epoch_seconds = e.elapsed_seconds - last_elapsed;
    last_elapsed = e.elapsed_seconds;
    e.train_loss = e.objective = r.value;
    e.data_passes = std::numeric_limits<double>::quiet_NaN();
    e.test_loss = e.test_accuracy = std::numeric_limits<double>::quiet_NaN();
    const auto evaluation_start = std::chrono::steady_clock::now();
    if (data.test.size() > 0) {
      const Evaluation held_out = evaluate(model, r.x, data.test, 1024);
      e.test_loss = held_out.mean_loss;
      e.test_accuracy = held_out.accuracy;
    }
    evaluation_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - evaluation_start).count();
    if (files) files->write(e);
    history.push_back(e);
    if (!controls.quiet) {
      std::fprintf(stderr, "round %lld/%lld  f(x) %.4f", static_cast<long long>(r.round),
                   static_cast<long long>(o.rounds), r.value);
      if (std::isfinite(e.test_accuracy)) std::fprintf(stderr, "  test accuracy %.4f", e.test_accuracy);
      std::fprintf(stderr, "  %.3g MB sent\n", static_cast<double>(r.bytes) / 1e6);
    }
    return controls.interrupt != nullptr && controls.interrupt->load();
  };
  // Under mpirun the round's clients are spread over the ranks; the result has the same bits.
  const FederatedResult result =
      federated_train<T>(*world_communicator(), model, split, params.flat(), o, *run.optimizer, observer);
  RunRecord record;
  record.label = "train";
  record.optimizer = run.optimizer->spec();
  record.estimator = run.estimator_description();
  record.history = std::move(history);
  const bool finite = std::isfinite(result.value);
  record.termination = !finite          ? Termination::non_finite
                       : result.stopped ? Termination::user_stop
                                        : Termination::max_steps;
  record.message = std::to_string(result.rounds) + " rounds, " +
                   format_number(static_cast<double>(result.bytes) / 1e6) +
                   " MB communicated, f(x) = " + format_number(result.value);
  record.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return record;
}

// `final` (when not null) receives the parameters the run ended with.
template <class T>
RunRecord train_one(const RunSpec& run, const JobData<T>& data, const Model<T>& model, const Parameters<T>& start,
                    const std::string& label, const fs::path& dir, const JobControls& controls, bool checkpoint,
                    Parameters<T>* final = nullptr, bool record_start = false, std::int64_t evaluations_per_epoch = 1,
                    const FiniteSum<T>* objective = nullptr) {
  // `objective`: what is trained on when it is not the whole model (a decentralized rank's shard).
  const FiniteSum<T>& trained = objective ? *objective : model;
  Parameters<T> params = start;
  if (run.solver) {
    RunRecord record = solver_train_one<T>(run, data, model, params, label, dir, controls, record_start);
    if (final) *final = std::move(params);
    return record;
  }
  std::optional<EpochFiles> files;
  if (controls.primary) {
    fs::create_directories(dir);
    files.emplace(dir, controls.resume, label);
  }

  TrainOptions<T> options = train_options<T>(run);
  options.quiet = controls.quiet;
  options.interrupt = controls.interrupt;
  options.record_start = record_start && !controls.resume;
  options.evaluations_per_epoch = evaluations_per_epoch;
  if (data.test.size() > 0)
    options.evaluate = [&](std::span<const T> x) {
      const Evaluation e = evaluate(model, x, data.test, 1024);
      return HeldOutEvaluation{e.mean_loss, e.accuracy};
    };
  options.on_epoch = [&](const EpochRecord& e) {
    if (files) files->write(e);
  };
  const fs::path ckpt = dir / controls.checkpoint_name;
  if (checkpoint && (controls.primary || controls.own_checkpoint)) {
    fs::create_directories(dir);
    options.checkpoint = ckpt.string();
  }
  if (controls.resume) {
    if (!fs::exists(ckpt))
      throw IoError("cannot resume: no checkpoint at '" + ckpt.string() + "'" +
                    (controls.own_checkpoint ? " (a decentralized run resumes on the ranks that wrote it)" : ""));
    options.resume_from = ckpt.string();
  }
  const auto start_time = std::chrono::steady_clock::now();
  const TrainResult<T> result = train(trained, params, *run.optimizer, options);
  RunRecord record;
  record.label = label;
  record.optimizer = run.optimizer->spec();
  record.estimator = run.estimator_description();
  record.termination = result.summary.termination;
  record.message = result.summary.message;
  record.history = result.history;
  record.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  if (options.estimator) record.privacy = options.estimator->privacy_ledger();
  if (final) *final = std::move(params);
  return record;
}

template <class T>
bool binary_convention(const Dataset<T>& data) {
  bool zero = false, minus_one = false;
  for (T y : data.labels()) {
    if (y == T(0))
      zero = true;
    else if (y == T(-1))
      minus_one = true;
    else if (y != T(1))
      return false;
  }
  return !(zero && minus_one);
}

// The class binary logistic regression trains against the rest: [model].positive_class;
// unset, none when the labels are already 0/1 or -1/+1 (a libsvm file's +1/-1, say), else 0.
template <class T>
std::optional<std::int64_t> positive_class_for(const JobConfig& config, const Dataset<T>& train) {
  if (config.model.kind != "logistic") return std::nullopt;
  if (config.model.positive_class) return config.model.positive_class;
  if (binary_convention(train)) return std::nullopt;
  return 0;
}

template <class T>
struct ModelData {
  JobData<T> data;
  std::optional<std::int64_t> positive_class;  // logistic: the class trained against the rest
};

template <class T>
ModelData<T> load_for_model(const JobConfig& config) {
  ModelData<T> result{load_job_data<T>(config.data), std::nullopt};
  JobData<T>& data = result.data;
  result.positive_class = positive_class_for(config, data.train);
  if (const auto positive_class = result.positive_class) {
    const T positive = static_cast<T>(*positive_class);
    one_vs_rest(data.train, positive, BinaryEncoding::zero_one);
    if (data.test.size() > 0) one_vs_rest(data.test, positive, BinaryEncoding::zero_one);
    data.description += ", class " + std::to_string(*positive_class) + " vs rest";
  }
  return result;
}

template <class T>
RunRecord run_train_typed(const JobConfig& config, const RunSpec& run, const JobControls& controls) {
  const ModelData<T> loaded = load_for_model<T>(config);
  const JobData<T>& data = loaded.data;
  if (!controls.quiet) std::fprintf(stderr, "%s\n", data.description.c_str());
  const auto model = build_model<T>(run.model, data.train);
  Parameters<T> start = initial_parameters<T>(run.model, *model);
  if (run.distributed) {
    // Ranks that read different data must not train together; all start from rank 0's x.
    Communicator& comm = *world_communicator();
    check_same_on_every_rank(comm, data.description, "checking that every rank read the same data");
    broadcast(comm, start.flat(), 0, "broadcasting the starting parameters");
    if (!controls.quiet)
      std::fprintf(stderr, "distributed: %s over %d rank%s (%s)\n", run.distributed->spec().c_str(), comm.size(),
                   comm.size() == 1 ? "" : "s", comm.transport().c_str());
  }
  const fs::path dir = config.output.dir;
  // Decentralized SGD: rank r of P trains on rows segment_of(n, P, r) of the training data.
  const bool decentralized = run.distributed && run.distributed->method == "dsgd";
  std::optional<SampleSubset<T>> shard;
  JobControls rank_controls = controls;
  if (decentralized) {
    const Communicator& comm = *world_communicator();
    const Segment rows = segment_of(model->num_samples(), comm.size(), comm.rank());
    if (rows.size() == 0)
      throw ConfigError("distributed " + run.distributed->spec() + ": " + std::to_string(model->num_samples()) +
                        " training rows cannot give each of " + std::to_string(comm.size()) + " ranks a shard");
    std::vector<std::size_t> indices(rows.size());
    std::iota(indices.begin(), indices.end(), rows.begin);
    shard.emplace(*model, std::move(indices));
    rank_controls.checkpoint_name = "checkpoint.rank" + std::to_string(comm.rank()) + ".bin";
    rank_controls.own_checkpoint = true;
  }
  Parameters<T> final_params;
  RunRecord record;
  if (run.distributed && run.distributed->is_federated()) {
    final_params = start;
    record = federated_train_one<T>(run, data, *model, final_params, dir, rank_controls);
  } else {
    record = train_one<T>(run, data, *model, start, "train", dir, rank_controls, config.output.checkpoint,
                          &final_params, false, 1, shard ? &*shard : nullptr);
  }
  // The model a decentralized run keeps is the nodes' average; how far apart they are is
  // the consensus error.
  nlohmann::json decentralized_report;
  if (decentralized) {
    Communicator& comm = *world_communicator();
    Parameters<T> average = final_params;
    const double consensus = average_over_ranks<T>(comm, final_params.flat(), average.flat());
    final_params = std::move(average);
    const Graph graph =
        parse_graph(run.distributed->graph_spec(), static_cast<std::size_t>(comm.size()), run.training.seed);
    decentralized_report = {{"graph", graph.name()},
                            {"spectral_gap", spectral_gap(MixingMatrix::metropolis_hastings(graph)).gap},
                            {"consensus_error", consensus}};
    if (data.test.size() > 0) {
      const Evaluation e = evaluate(*model, final_params.flat(), data.test, 1024);
      decentralized_report["average_model_test_loss"] = e.mean_loss;
      if (std::isfinite(e.accuracy)) decentralized_report["average_model_test_accuracy"] = e.accuracy;
    }
    if (!controls.quiet) {
      std::fprintf(stderr, "decentralized: consensus error %.4g, spectral gap %.4g", consensus,
                   decentralized_report["spectral_gap"].get<double>());
      if (decentralized_report.contains("average_model_test_accuracy"))
        std::fprintf(stderr, ", average model's test accuracy %.4f",
                     decentralized_report["average_model_test_accuracy"].get<double>());
      std::fprintf(stderr, "\n");
    }
  }
  if (!controls.primary) return record;
  // A private run's guarantee goes into the summary, the model file and the terminal.
  const nlohmann::json privacy = record.privacy ? privacy_report(config.privacy, *record.privacy) : nlohmann::json();
  if (!privacy.is_null() && !controls.quiet) std::fprintf(stderr, "privacy: %s\n", privacy_summary(privacy).c_str());
  // The model is kept whenever its parameters are finite: a run stopped by Ctrl-C or a
  // stopping rule has a usable model, a diverged one has none to keep.
  if (record.termination != Termination::non_finite) {
    TrainedModel<T> kept =
        TrainedModel<T>::keep(run.model, *model, data.preprocessing, loaded.positive_class, std::move(final_params));
    nlohmann::json info = {{"data", data.description},
                           {"optimizer", record.optimizer},
                           {"estimator", record.estimator},
                           {"epochs", record.history.empty() ? 0 : record.history.back().epoch},
                           {"termination", to_string(record.termination)}};
    if (!privacy.is_null()) info["privacy"] = privacy;
    kept.set_training_info(info.dump());
    save_model(config.output.model_path(), kept);
  }
  nlohmann::json summary = {
      {"config", config.source},
      {"data", data.description},
      {"model", model->name()},
      {"parameters", model->dimension()},
      {"optimizer", record.optimizer},
      {"estimator", record.estimator},
      {"termination", to_string(record.termination)},
      {"message", record.message},
      {"wall_seconds", record.wall_seconds},
      {"model_file", record.termination != Termination::non_finite ? nlohmann::json(config.output.model_path())
                                                                   : nlohmann::json(nullptr)},
      {"epochs", nlohmann::json::array()}};
  for (const auto& e : record.history) summary["epochs"].push_back(to_json(e));
  // How OpenMP ran: timings depend on it (the CLI makes OMP_WAIT_POLICY=passive the default).
  const auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return v ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  summary["openmp"] = {{"threads", num_threads()},
                       {"OMP_WAIT_POLICY", env("OMP_WAIT_POLICY")},
                       {"GOMP_SPINCOUNT", env("GOMP_SPINCOUNT")}};
  if (!privacy.is_null()) summary["privacy"] = privacy;
  if (run.distributed) {
    const Communicator& comm = *world_communicator();
    summary["distributed"] = {{"method", run.distributed->spec()},
                              {"ranks", comm.size()},
                              {"transport", comm.transport()},
                              {"timeout_seconds", run.distributed->timeout_seconds}};
    if (!decentralized_report.is_null()) summary["distributed"]["decentralized"] = decentralized_report;
  }
  write_file_atomically(dir / "summary.json", summary.dump(2) + "\n");
  return record;
}

// f* for --reference-optimum auto: `planned` again from the job's start, in double
// precision, with the full objective, for reference_epochs_factor times the epochs (a
// solver: times its steps); the least f(x) of its epochs (a solver: its final value).
double computed_reference_optimum(const JobConfig& config, const RunSpec& planned, const JobControls& controls) {
  const JobData<double> data = load_for_model<double>(config).data;
  const auto model = build_model<double>(config.model, data.train);
  Parameters<double> params = initial_parameters<double>(config.model, *model);
  RunSpec run = planned;
  if (run.solver) {
    SolverRun solver_run;
    solver_run.max_steps = run.training.solver_steps * config.compare.reference_epochs_factor;
    solver_run.seed = run.training.seed;
    if (controls.interrupt) solver_run.stop = [&] { return controls.interrupt->load(); };
    const Summary<double> summary = run.solver->run<double>(*model, params, solver_run);
    const double value = model->value(params.flat());
    if (!std::isfinite(value))
      throw MismatchError("--reference-optimum auto: the reference run reached no finite f(x) (" + summary.message +
                          ")");
    return value;
  }
  run.training.epochs *= config.compare.reference_epochs_factor;
  run.training.full_objective = true;
  TrainOptions<double> options = train_options<double>(run);
  options.quiet = true;
  options.interrupt = controls.interrupt;
  const TrainResult<double> result = train(*model, params, *run.optimizer, options);
  double best = INFINITY;
  for (const EpochRecord& e : result.history)
    if (std::isfinite(e.objective)) best = std::min(best, e.objective);
  if (!std::isfinite(best))
    throw MismatchError("--reference-optimum auto: the reference run reached no finite f(x) (" +
                        result.summary.message + ")");
  return best;
}

template <class T>
std::vector<RunRecord> run_compare_typed(const JobConfig& config, const std::vector<ComparedRun>& planned,
                                         const JobControls& controls) {
  const JobData<T> data = load_for_model<T>(config).data;
  if (!controls.quiet) std::fprintf(stderr, "%s\n", data.description.c_str());
  // Every run starts from the same parameters: the model options are the job's, not the
  // run's. Repetition s starts from init_seed + s and samples with seed + s.
  const auto model = build_model<T>(config.model, data.train);
  const std::size_t seeds = config.compare.seeds;
  std::vector<Parameters<T>> starts;
  for (std::size_t s = 0; s < seeds; ++s) {
    ModelSpec spec = config.model;
    spec.init_seed += s;
    starts.push_back(initial_parameters<T>(spec, *model));
  }
  std::vector<RunRecord> runs;
  for (std::size_t k = 0; k < planned.size(); ++k)
    for (std::size_t s = 0; s < seeds; ++s) {
      if (controls.interrupt && controls.interrupt->load()) break;
      if (!controls.quiet)
        std::fprintf(
            stderr, "== %s%s\n", planned[k].label.c_str(),
            seeds > 1 ? (" (seed " + std::to_string(s + 1) + " of " + std::to_string(seeds) + ")").c_str() : "");
      fs::path dir = fs::path(config.output.dir) / ("run" + std::to_string(k + 1));
      if (seeds > 1) dir /= "seed" + std::to_string(s + 1);
      JobControls fresh = controls;
      fresh.resume = false;
      RunSpec run = planned[k].run;
      run.training.seed += s;
      // Curves start at the common starting point (epoch 0).
      runs.push_back(train_one<T>(run, data, *model, starts[s], planned[k].label, dir, fresh, /*checkpoint=*/false,
                                  nullptr, /*record_start=*/true, config.compare.evals_per_epoch));
      runs.back().repetition = s;
    }
  JobConfig reported = config;
  if (config.compare.reference_optimum_auto && !runs.empty() && !(controls.interrupt && controls.interrupt->load())) {
    // The planned run with the lowest mean final loss over its repetitions.
    std::size_t best = 0;
    double best_loss = INFINITY;
    for (std::size_t k = 0; k < planned.size(); ++k) {
      double sum = 0;
      std::size_t count = 0;
      for (const RunRecord& r : runs)
        if (r.label == planned[k].label && !r.history.empty() && std::isfinite(judged_loss(r.history.back()))) {
          sum += judged_loss(r.history.back());
          ++count;
        }
      if (count > 0 && sum / double(count) < best_loss) best_loss = sum / double(count), best = k;
    }
    if (!controls.quiet) std::fprintf(stderr, "== reference run: %s\n", planned[best].label.c_str());
    reported.compare.reference_optimum = computed_reference_optimum(config, planned[best].run, controls);
    reported.compare.reference_source =
        planned[best].run.solver ? "computed: " + planned[best].label + " for " +
                                       std::to_string(config.solver_steps * config.compare.reference_epochs_factor) +
                                       " iterations in double precision, its final f(x)"
                                 : "computed: " + planned[best].label + " for " +
                                       std::to_string(config.training.epochs * config.compare.reference_epochs_factor) +
                                       " epochs in double precision, the least f(x) of its epochs";
  }
  write_compare_report(config.output.dir, reported, data.description, runs);
  return runs;
}

}  // namespace

template <class T>
JobData<T> load_job_data(const DataConfig& c) {
  JobData<T> data;
  if (c.name == "synthetic") {
    GaussianClustersOptions o{
        .samples = c.synthetic_samples, .features = c.synthetic_features, .classes = c.synthetic_classes, .seed = 0};
    auto split = gaussian_clusters<T>(o, std::max<std::size_t>(1, c.synthetic_samples / 5));
    data.train = std::move(split.train);
    data.test = std::move(split.test);
  } else if (c.name == "fashion-mnist") {
    // Named one by one so that the first missing file is the one reported.
    const std::string train_images = fashion_file(c, "train-images-idx3-ubyte.gz");
    const std::string train_labels = fashion_file(c, "train-labels-idx1-ubyte.gz");
    const std::string test_images = fashion_file(c, "t10k-images-idx3-ubyte.gz");
    const std::string test_labels = fashion_file(c, "t10k-labels-idx1-ubyte.gz");
    data.train = read_idx_dataset<T>(train_images, train_labels);
    data.test = read_idx_dataset<T>(test_images, test_labels);
  } else {
    data.train = read_dataset<T>(c.train);
    if (!c.test.path.empty()) {
      DatasetSpec test = c.test;
      // A sparse test file may lack the last features: read it with the training width.
      if (data.train.is_sparse() && test.libsvm.dimension == 0) test.libsvm.dimension = data.train.dimension();
      data.test = read_dataset<T>(test);
    }
  }
  data.train = first_rows(std::move(data.train), c.train_limit);
  if (data.test.size() > 0) data.test = first_rows(std::move(data.test), c.test_limit);
  if (data.test.size() > 0 && data.test.dimension() != data.train.dimension())
    throw MismatchError("test data has " + std::to_string(data.test.dimension()) + " features, training data " +
                        std::to_string(data.train.dimension()));
  data.preprocessing = FittedPreprocessing::fit(c.preprocess, data.train);
  data.preprocessing.apply(data.train);
  if (data.test.size() > 0) data.preprocessing.apply(data.test);
  const std::string name = c.name == "fashion-mnist" ? "Fashion-MNIST"
                           : c.name == "synthetic"   ? "synthetic clusters"
                                                     : c.train.path;
  data.description = name + ": " + std::to_string(data.train.size()) + " train, " + std::to_string(data.test.size()) +
                     " test, " + std::to_string(data.train.dimension()) + " features" +
                     (data.train.is_sparse() ? " (sparse)" : "") + ", preprocess = " + c.preprocess;
  return data;
}

RunRecord run_train_job(const JobConfig& config, const JobControls& controls) {
  const RunSpec run = train_run_spec(config);  // every spec checked before any data is read
  if (config.training.threads > 0) set_num_threads(config.training.threads);
  const auto typed = [&](const JobControls& c) {
    return config.training.precision == "double" ? run_train_typed<double>(config, run, c)
                                                 : run_train_typed<float>(config, run, c);
  };
  if (!run.distributed) return typed(controls);
  // A distributed run: every rank runs this job; rank 0 writes its files.
  const CommunicatorPtr comm = launched_world();
  comm->set_timeout_seconds(run.distributed->timeout_seconds);
  set_world_communicator(comm);
  JobControls rank_controls = controls;
  rank_controls.primary = comm->rank() == 0;
  rank_controls.quiet = controls.quiet || !rank_controls.primary;
  try {
    check_same_on_every_rank(*comm,
                             run.model.kind + " | " + (run.optimizer ? run.optimizer->spec() : "") + " | " +
                                 run.estimator_description() + " | epochs " + std::to_string(run.training.epochs) +
                                 " | seed " + std::to_string(run.training.seed) + " | " + config.training.precision,
                             "checking that every rank runs the same job");
    RunRecord record = typed(rank_controls);
    record.primary = rank_controls.primary;
    set_world_communicator(nullptr);
    return record;
  } catch (const std::exception& e) {
    // One rank that fails must not leave the others waiting for it until their timeout.
    if (comm->size() > 1) comm->abort(e.what(), 1);
    set_world_communicator(nullptr);
    throw;
  }
}

std::vector<RunRecord> run_compare_job(const JobConfig& config, const JobControls& controls) {
  const std::vector<ComparedRun> planned = compare_run_specs(config);
  if (config.training.threads > 0) set_num_threads(config.training.threads);
  return config.training.precision == "double" ? run_compare_typed<double>(config, planned, controls)
                                               : run_compare_typed<float>(config, planned, controls);
}

template JobData<float> load_job_data<float>(const DataConfig&);
template JobData<double> load_job_data<double>(const DataConfig&);

}  // namespace descent
