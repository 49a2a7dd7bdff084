// Time to a target suboptimality for L2-regularized binary logistic regression without an
// intercept, with descent's own data readers, preprocessing, model, transforms and loop:
//
//   f(w) = (1/n) sum_i log(1 + exp(-y_i x_i^T w)) + (lambda/2) |w|^2,
//
// on Fashion-MNIST's training set, class 0 against the rest, features standardized with the
// set's own mean and standard deviation. bench/logistic_peers runs it next to scikit-learn and
// LIBLINEAR; it supplies f* (bench/logistic_reference.py) and this program reports, per
// method, the solver time and the passes over the data until (f(w) - f*) / f* <= target.
//
// Clock. Only the solver runs on the clock: loading, standardizing and the objective values
// used to judge progress do not. For full-batch methods the value comes free with each
// gradient (the estimator computes f at the point it differentiates), so nothing is added to
// the run; the point x_t is credited with the time at which the update that produced it ended.
// Minibatch methods get an extra full pass every `--eval-every-epochs`, timed and subtracted.
// The estimate of L (power iteration) is a setup cost of the 1/L methods and is reported
// separately, with its own passes.
//
// Methods (names for --methods):
//   gd                 full gradient, step 1/L (L = lambda_max(X^T X)/(4n) + lambda bounds the Hessian);
//   nesterov           full gradient, Nesterov momentum beta = (sqrt(L) - sqrt(mu)) / (sqrt(L) + sqrt(mu)),
//                      step 1/L, mu = lambda (the strong convexity the L2 term guarantees; Nesterov 2004,
//                      constant-momentum scheme 2.2.19);
//   nesterov_restart   the same, and the momentum buffer is zeroed whenever f rises from one iterate to
//                      the next (function-value restart, O'Donoghue & Candes 2015): the true curvature at
//                      the minimum exceeds lambda, so the lambda-tuned momentum overshoots; restarting
//                      recovers the rate of the unknown local mu. The restart is done here, by a callback
//                      on the loop, not by a descent transform;
//   sgd_minibatch      minibatch SGD (batch --batch, shuffled epochs) with heavy-ball momentum 0.9 and a
//                      cosine-decayed step from 1/L to 0 over --sgd-epochs epochs: the usual recipe, to
//                      check whether a stochastic method gets near the target in a comparable time;
//   sgd_constant       plain SGD with a constant step, batch --vr-batch: the noise floor the
//                      variance-reduced methods below remove;
//   svrg, lsvrg, saga  the variance-reduced estimators (descent::Svrg, LooplessSvrg, Saga; batch --vr-batch,
//                      drawn with replacement) under plain SGD with the constant step
//                      --vr-step-scale / L_max, L_max = max_i |x_i|^2 / 4 + lambda the largest per-sample
//                      smoothness (SAGA's analysis takes 1/(3 L_max), L-SVRG's 1/(6 L_max)). Their passes
//                      include snapshots and SAGA's initial table pass;
//   lsvrg_as, importance  L-SVRG with adaptive sampling (descent::AdaptiveLooplessSvrg) and importance
//                      sampling by gradient norm (descent::ImportanceSampling) under plain SGD, batch
//                      --vr-batch; their norms and observations reuse the step's gradients, except
//                      importance sampling's first pass over all n norms, which counts as a pass;
//   lkatyusha          L-Katyusha (descent::loopless_katyusha, a solver of its own) with L = L_max,
//                      mu = lambda and the paper's theta1, theta2 = 1/2, p = batch / n, batch --vr-batch;
//   lkatyusha_as       the same with adaptive sampling (Zhao, Lyu & Kolar) and L = L_mean;
//   lbfgs, lbfgsb, nonlinear_cg, tron, grnewton
//                      descent's solvers with their own loops, by their registry specs (--solver-spec
//                      METHOD=SPEC replaces the default spec, e.g. --solver-spec 'tron=tron(eps=1e-9)'):
//                      the value at each iterate comes with the solver's own evaluation, so the trace
//                      costs nothing; their convergence tests are switched off (gtol = ftol = 0, tron's
//                      eps tiny) so that only the target stops them.
//
// Data: Fashion-MNIST as above, or --libsvm FILE: a libsvm file with labels +1/-1, sparse,
// used as it is (no standardization).
//
// Precision: float64 throughout. The target 1e-6 relative is an absolute gap near 5e-7 here;
// a float32 gradient carries rounding of order 1e-7 relative per term, and the floor that sets,
// |g_err|^2 / (2 lambda), would sit within an order of magnitude of the target, so float32
// would measure its rounding instead of the method. The peers (scikit-learn, LIBLINEAR) also
// work in float64.
//
// Threads: the models split large products into panels over OpenMP threads without changing
// a bit (model/model.hpp), but this problem's per-sample dot products and full-batch sums stay
// below those thresholds and run on one core; the JSON reports the OpenMP thread count.
//
//   descent_logistic_time_to_target_bench --data /usr/share/datasets/fashion-mnist --lambda 1e-4 \
//       --f-star 0.516347377424078 [--target 1e-6] [--rows 10000] [--methods gd,nesterov]
//       [--time-cap 300] [--reference-w w.npy]
//
// Prints one JSON document on stdout, progress on stderr. It does not use Google Benchmark
// (a run to a target is not a repeated kernel); it is linked with it only because every
// bench/*_bench.cpp is.
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "descent/core/error.hpp"
#include "descent/core/parameters.hpp"
#include "descent/data/idx_reader.hpp"
#include "descent/data/npy_reader.hpp"
#include "descent/data/preprocess.hpp"
#include "descent/estimator/full_gradient.hpp"
#include "descent/estimator/adaptive_loopless_svrg.hpp"
#include "descent/estimator/importance_sampling.hpp"
#include "descent/estimator/loopless_svrg.hpp"
#include "descent/estimator/minibatch.hpp"
#include "descent/estimator/saga.hpp"
#include "descent/estimator/svrg.hpp"
#include "descent/loop/callback.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/data/libsvm_reader.hpp"
#include "descent/solver/loopless_katyusha.hpp"
#include "descent/spec/solver_spec.hpp"
#include "descent/transform/schedule.hpp"
#include "descent/transform/sgd.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

const std::vector<std::string> kAllMethods = {
    "gd",         "nesterov", "nesterov_restart", "sgd_minibatch", "sgd_constant", "svrg",         "lsvrg",
    "saga",       "lkatyusha", "lsvrg_as",        "importance",    "lkatyusha_as", "lbfgs",        "lbfgsb",
    "nonlinear_cg", "tron",   "grnewton"};

// The solver methods' default specs: every convergence test off, so that the target stops them.
const std::map<std::string, std::string> kSolverSpecs = {
    {"lbfgs", "lbfgs(gtol=0, ftol=0)"},
    {"lbfgsb", "lbfgsb(gtol=0, ftol=0)"},
    {"nonlinear_cg", "nonlinear_cg(beta=hz, gtol=0, ftol=0)"},
    {"tron", "tron(eps=1e-15)"},
    {"grnewton", "grnewton(gtol=0, ftol=0)"}};

std::string known_methods() {
  std::string s;
  for (const auto& m : kAllMethods) s += (s.empty() ? "" : ", ") + m;
  return s;
}

struct Options {
  std::string data = "/usr/share/datasets/fashion-mnist";
  std::string libsvm;  // a sparse dataset with +1/-1 labels instead of Fashion-MNIST
  std::map<std::string, std::string> solver_specs = kSolverSpecs;
  double lambda = 1e-4;
  double f_star = std::nan("");
  double target = 1e-6;
  std::size_t rows = 0;  // 0: all
  std::vector<std::string> methods = kAllMethods;
  double time_cap = 300;  // solver seconds per method
  std::int64_t max_steps = 10'000'000;
  std::size_t batch = 256;
  std::int64_t sgd_epochs = 30;
  double eval_every_epochs = 1;
  std::size_t vr_batch = 1;
  double vr_step_scale = 1.0 / 3;
  bool vr_step_mean = false;  // --vr-step-base mean: the step is scale / L_mean instead of scale / L_max
  std::string reference_w;
};

// --key value pairs; every error names the option.
Options parse_options(int argc, char** argv) {
  Options o;
  auto number = [](const std::string& key, const std::string& text) {
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || text.empty()) throw descent::ConfigError(key + " = '" + text + "' is not a number");
    return value;
  };
  auto whole = [&](const std::string& key, const std::string& text, double minimum) {
    const double value = number(key, text);
    if (value != std::floor(value) || value < minimum)
      throw descent::ConfigError(key + " = " + text +
                                 " violates: a whole number >= " + descent::format_number(minimum));
    return value;
  };
  for (int k = 1; k < argc; k += 2) {
    const std::string key = argv[k];
    if (key == "--help" || key == "-h") {
      std::cout << "usage: " << argv[0]
                << " --f-star F [--data DIR] [--lambda L] [--target T] [--rows N] [--methods a,b]"
                   " [--time-cap S] [--max-steps N] [--batch B] [--sgd-epochs E] [--eval-every-epochs E]"
                   " [--vr-batch B] [--vr-step-scale S] [--reference-w w.npy]\nmethods: "
                << known_methods() << "\n";
      std::exit(0);
    }
    if (k + 1 >= argc) throw descent::ConfigError(key + " needs a value");
    const std::string value = argv[k + 1];
    if (key == "--data") {
      o.data = value;
    } else if (key == "--lambda") {
      o.lambda = number(key, value);
      descent::require(o.lambda > 0, "options", "--lambda", o.lambda, "lambda > 0");
    } else if (key == "--f-star") {
      o.f_star = number(key, value);
      descent::require(o.f_star > 0 && std::isfinite(o.f_star), "options", "--f-star", o.f_star, "0 < f* < inf");
    } else if (key == "--target") {
      o.target = number(key, value);
      descent::require(o.target > 0, "options", "--target", o.target, "target > 0");
    } else if (key == "--rows") {
      o.rows = static_cast<std::size_t>(whole(key, value, 1));
    } else if (key == "--methods") {
      o.methods.clear();
      std::stringstream list(value);
      for (std::string name; std::getline(list, name, ',');) {
        if (std::find(kAllMethods.begin(), kAllMethods.end(), name) == kAllMethods.end())
          throw descent::ConfigError("--methods: unknown method '" + name + "' (known: " + known_methods() + ")");
        o.methods.push_back(name);
      }
      if (o.methods.empty()) throw descent::ConfigError("--methods is empty");
    } else if (key == "--time-cap") {
      o.time_cap = number(key, value);
      descent::require(o.time_cap > 0, "options", "--time-cap", o.time_cap, "time-cap > 0");
    } else if (key == "--max-steps") {
      o.max_steps = static_cast<std::int64_t>(whole(key, value, 1));
    } else if (key == "--batch") {
      o.batch = static_cast<std::size_t>(whole(key, value, 1));
    } else if (key == "--sgd-epochs") {
      o.sgd_epochs = static_cast<std::int64_t>(whole(key, value, 1));
    } else if (key == "--eval-every-epochs") {
      o.eval_every_epochs = number(key, value);
      descent::require(o.eval_every_epochs > 0, "options", "--eval-every-epochs", o.eval_every_epochs, "> 0");
    } else if (key == "--vr-batch") {
      o.vr_batch = static_cast<std::size_t>(whole(key, value, 1));
    } else if (key == "--vr-step-scale") {
      o.vr_step_scale = number(key, value);
      descent::require(o.vr_step_scale > 0, "options", "--vr-step-scale", o.vr_step_scale, "> 0");
    } else if (key == "--vr-step-base") {
      if (value != "max" && value != "mean") throw descent::ConfigError("--vr-step-base: 'max' or 'mean', not '" + value + "'");
      o.vr_step_mean = value == "mean";
    } else if (key == "--libsvm") {
      o.libsvm = value;
    } else if (key == "--solver-spec") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || !kSolverSpecs.count(value.substr(0, eq)))
        throw descent::ConfigError("--solver-spec: expected METHOD=SPEC with METHOD one of the solver methods, got '" +
                                   value + "'");
      o.solver_specs[value.substr(0, eq)] = value.substr(eq + 1);
    } else if (key == "--reference-w") {
      o.reference_w = value;
    } else {
      throw descent::ConfigError("unknown option '" + key + "' (see --help)");
    }
  }
  if (std::isnan(o.f_star)) throw descent::ConfigError("--f-star is required (bench/logistic_reference.py gives it)");
  return o;
}

// One point of a run: the solver had x after `seconds` of its own time and `passes` passes
// over the data, and f(x) = value.
struct TracePoint {
  double seconds;
  double passes;
  double value;
};

// Watches a run: records (time, passes, f) per iterate, stops it at the target or the time
// cap, and (optionally) restarts the momentum when f rises.
template <class T>
class TargetWatcher final : public descent::Callback<T> {
 public:
  struct Config {
    double f_star;
    double target;
    double time_cap;
    std::size_t n;
    // 0: take f from the estimator (full gradient: f at the point it differentiated).
    // k > 0: evaluate f with a full pass every k steps, off the clock.
    std::int64_t evaluate_every = 0;
    bool restart_on_increase = false;
  };

  explicit TargetWatcher(Config config) : config_(config) {}

  void on_start(const descent::LoopView<T>& loop) override {
    if (config_.evaluate_every > 0) record(0, 0, evaluate(loop));
  }

  std::optional<descent::Stop> before_update(const descent::StepReport<T>& report,
                                             const descent::LoopView<T>& loop) override {
    if (config_.evaluate_every > 0) return std::nullopt;
    const double value = static_cast<double>(report.value);
    if (config_.restart_on_increase && report.step > 0 && value > previous_value_) restart(loop.state);
    previous_value_ = value;
    return record(pending_seconds_, pending_passes_, value);
  }

  std::optional<descent::Stop> after_update(const descent::StepReport<T>& report,
                                            const descent::LoopView<T>& loop) override {
    pending_seconds_ = report.elapsed_s - excluded_seconds_;
    pending_passes_ = static_cast<double>(report.sample_gradients) / static_cast<double>(config_.n);
    if (config_.evaluate_every > 0 && report.step % config_.evaluate_every == 0)
      if (auto stop = record(pending_seconds_, pending_passes_, evaluate(loop))) return stop;
    if (pending_seconds_ > config_.time_cap)
      return descent::Stop{descent::Termination::time_limit,
                           "solver time passed the cap of " + descent::format_number(config_.time_cap) + " s"};
    return std::nullopt;
  }

  const std::vector<TracePoint>& trace() const { return trace_; }
  std::optional<TracePoint> reached() const { return reached_; }
  std::int64_t restarts() const { return restarts_; }
  double excluded_seconds() const { return excluded_seconds_; }

 private:
  double evaluate(const descent::LoopView<T>& loop) {
    const auto start = Clock::now();
    const double value = static_cast<double>(loop.objective.value(loop.params.flat()));
    excluded_seconds_ += seconds_since(start);
    return value;
  }

  std::optional<descent::Stop> record(double seconds, double passes, double value) {
    trace_.push_back({seconds, passes, value});
    if (!reached_ && (value - config_.f_star) / config_.f_star <= config_.target) {
      reached_ = trace_.back();
      return descent::Stop{descent::Termination::converged, "reached the target suboptimality"};
    }
    return std::nullopt;
  }

  void restart(descent::TransformState<T>& state) {
    for (std::size_t s = 0; s < state.slot_names.size(); ++s)
      if (state.slot_names[s] == "momentum_buffer") std::fill(state.slots[s].begin(), state.slots[s].end(), T(0));
    ++restarts_;
  }

  Config config_;
  std::vector<TracePoint> trace_;
  std::optional<TracePoint> reached_;
  double pending_seconds_ = 0, pending_passes_ = 0, excluded_seconds_ = 0;
  double previous_value_ = 0;
  std::int64_t restarts_ = 0;
};

// lambda_max(X^T X) / (4n) by power iteration from the all-ones direction, until the estimate
// changes by less than 1e-10 relative. It approaches lambda_max from below, so L may fall short by
// about that much; harmless, since gradient steps 1/L stay stable up to 2/L.
struct Smoothness {
  double L = 0;      // lambda_max / (4n) + lambda
  double L_max = 0;   // max_i |x_i|^2 / 4 + lambda: the largest per-sample smoothness
  double L_mean = 0;  // mean_i |x_i|^2 / 4 + lambda: what importance sampling's rates depend on
  int iterations = 0;
  double seconds = 0;
  double passes = 0;  // two per iteration (X v, then X^T u)
};

Smoothness estimate_smoothness(const descent::Dataset<double>& data, double lambda) {
  if (data.is_sparse()) {
    const auto start = Clock::now();
    const auto X = data.sparse_map();
    const double n = static_cast<double>(data.size());
    Eigen::VectorXd v = Eigen::VectorXd::Ones(X.cols()).normalized(), u(X.cols()), z(X.rows());
    Smoothness s;
    double estimate = 0;
    for (s.iterations = 1; s.iterations <= 1000; ++s.iterations) {
      z = X * v;
      u = X.transpose() * z;
      const double previous = estimate;
      estimate = u.norm() / (4 * n);
      v = u.normalized();
      if (std::abs(estimate - previous) <= 1e-10 * estimate) break;
    }
    Eigen::VectorXd squared = Eigen::VectorXd::Zero(X.rows());
    for (Eigen::Index i = 0; i < X.outerSize(); ++i)
      for (decltype(X)::InnerIterator it(X, i); it; ++it) squared(i) += it.value() * it.value();
    s.L = estimate + lambda;
    s.L_max = squared.maxCoeff() / 4 + lambda;
    s.L_mean = squared.mean() / 4 + lambda;
    s.seconds = seconds_since(start);
    s.passes = 2.0 * s.iterations;
    return s;
  }
  const auto start = Clock::now();
  const auto X = data.dense_map();
  const double n = static_cast<double>(data.size());
  Eigen::VectorXd v = Eigen::VectorXd::Ones(X.cols()).normalized(), u(X.cols()), z(X.rows());
  Smoothness s;
  double estimate = 0;
  for (s.iterations = 1; s.iterations <= 1000; ++s.iterations) {
    z.noalias() = X * v;
    u.noalias() = X.transpose() * z;
    const double previous = estimate;
    estimate = u.norm() / (4 * n);
    v = u.normalized();
    if (std::abs(estimate - previous) <= 1e-10 * estimate) break;
  }
  s.L = estimate + lambda;
  s.L_max = X.rowwise().squaredNorm().maxCoeff() / 4 + lambda;
  s.L_mean = X.rowwise().squaredNorm().mean() / 4 + lambda;
  s.seconds = seconds_since(start);
  s.passes = 2.0 * s.iterations;
  return s;
}

struct Problem {
  descent::Dataset<double> data;
  double load_seconds = 0;
};

Problem load_problem(const Options& o) {
  const auto start = Clock::now();
  Problem p;
  if (!o.libsvm.empty()) {
    p.data = descent::read_libsvm<double>(o.libsvm);
    p.load_seconds = seconds_since(start);
    return p;
  }
  p.data =
      descent::read_idx_dataset<double>(o.data + "/train-images-idx3-ubyte.gz", o.data + "/train-labels-idx1-ubyte.gz");
  if (o.rows > 0) {
    if (o.rows > p.data.size())
      throw descent::ConfigError("--rows = " + std::to_string(o.rows) + " exceeds the " +
                                 std::to_string(p.data.size()) + " training rows");
    std::vector<std::size_t> first(o.rows);
    for (std::size_t i = 0; i < o.rows; ++i) first[i] = i;
    p.data = p.data.subset(first);
  }
  descent::Standardizer<double>::fit(p.data).apply(p.data);
  descent::one_vs_rest(p.data, 0.0, descent::BinaryEncoding::minus_one_plus_one);
  p.load_seconds = seconds_since(start);
  return p;
}

// Keeps about `count` points of a trace, spaced evenly in log(passes), plus the last one.
Json thin_trace(const std::vector<TracePoint>& trace, double f_star, std::size_t count = 120) {
  Json out = Json::array();
  double next_log = -1;
  for (std::size_t k = 0; k < trace.size(); ++k) {
    const auto& t = trace[k];
    const double log_passes = std::log10(1 + t.passes);
    if (k + 1 < trace.size() && log_passes < next_log) continue;
    out.push_back({t.seconds, t.passes, t.value, (t.value - f_star) / f_star});
    next_log = log_passes + 4.0 / static_cast<double>(count);
  }
  return out;
}

// L-Katyusha runs its own loop: the same watcher logic through on_step, f evaluated off
// the clock every --eval-every-epochs.
Json run_katyusha(const descent::LogisticRegression<double>& model, const Options& o, const Smoothness& smoothness,
                  bool adaptive) {
  const std::string name = adaptive ? "lkatyusha_as" : "lkatyusha";
  const double L = adaptive ? smoothness.L_mean : smoothness.L_max;
  const std::size_t n = model.num_samples();
  const std::int64_t every =
      std::max<std::int64_t>(1, std::llround(o.eval_every_epochs * double(n) / double(o.vr_batch)));
  std::vector<TracePoint> trace;
  std::optional<TracePoint> reached;
  double excluded = 0;
  const auto start = Clock::now();
  descent::Parameters<double> w(model.layout(), 0.0);
  const descent::LooplessKatyushaOptions options{.smoothness = L,
                                                 .strong_convexity = o.lambda,
                                                 .batch_size = static_cast<std::int64_t>(o.vr_batch),
                                                 .max_steps = o.max_steps,
                                                 .adaptive_sampling = adaptive};
  std::cerr << "logistic_time_to_target: " << name << ": L = " << L << ", mu = " << o.lambda << std::endl;
  const auto summary = descent::loopless_katyusha<double>(model, w, options, [&](const descent::KatyushaStep<double>& s) {
    if (s.step % every != 0) return false;
    const double seconds = seconds_since(start) - excluded;
    const auto eval_start = Clock::now();
    const double value = model.value(s.y);
    excluded += seconds_since(eval_start);
    trace.push_back({seconds, double(s.sample_gradients) / double(n), value});
    if ((value - o.f_star) / o.f_star <= o.target) {
      reached = trace.back();
      return true;
    }
    return seconds > o.time_cap;
  });
  double best = trace.empty() ? std::nan("") : trace.front().value;
  for (const auto& t : trace) best = std::min(best, t.value);
  const double solver_seconds = trace.empty() ? 0 : trace.back().seconds;
  const double passes = double(summary.sample_gradients) / double(n);
  Json result = {{"method", name},
                 {"transform", "-"},
                 {"estimator", "-"},
                 {"settings", {{"L", L}, {"mu", o.lambda}, {"batch", o.vr_batch}, {"adaptive_sampling", adaptive}}},
                 {"termination", reached ? "converged" : descent::to_string(summary.termination)},
                 {"message", reached ? "reached the target suboptimality" : summary.message},
                 {"steps", summary.steps},
                 {"passes", passes},
                 {"solver_seconds", solver_seconds},
                 {"seconds_per_pass", passes > 0 ? solver_seconds / passes : 0.0},
                 {"evaluation_seconds_excluded", excluded},
                 {"best_value", best},
                 {"best_suboptimality", (best - o.f_star) / o.f_star},
                 {"restarts", 0},
                 {"trace_columns", {"seconds", "passes", "f", "relative_suboptimality"}},
                 {"trace", thin_trace(trace, o.f_star)}};
  result["reached"] = reached.has_value();
  result["seconds_to_target"] = reached ? Json(reached->seconds) : Json(nullptr);
  result["passes_to_target"] = reached ? Json(reached->passes) : Json(nullptr);
  std::cerr << "logistic_time_to_target: " << name << ": " << summary.steps << " steps, " << solver_seconds
            << " s, best relative suboptimality " << (best - o.f_star) / o.f_star << std::endl;
  return result;
}

// A solver with a loop of its own, by its registry spec: each reported iterate carries f, so
// the trace is free; the run stops at the target or the time cap through the observer.
Json run_solver(const std::string& method, const descent::LogisticRegression<double>& model, const Options& o) {
  const descent::SolverSpec solver = descent::parse_solver(o.solver_specs.at(method));
  const std::size_t n = model.num_samples();
  std::vector<TracePoint> trace;
  std::optional<TracePoint> reached;
  descent::Parameters<double> w(model.layout(), 0.0);
  trace.push_back({0, 0, model.value(w.flat())});
  const auto start = Clock::now();
  descent::SolverRun run;
  run.max_steps = o.max_steps;
  run.observe_double = [&](const descent::SolverIterate<double>& it) {
    const double seconds = seconds_since(start);
    trace.push_back({seconds, double(it.sample_gradients) / double(n), it.value});
    if (!reached && (it.value - o.f_star) / o.f_star <= o.target) {
      reached = trace.back();
      return true;
    }
    return seconds > o.time_cap;
  };
  std::cerr << "logistic_time_to_target: " << method << ": " << solver.canonical() << std::endl;
  const auto summary = solver.run<double>(model, w, run);
  double best = trace.front().value;
  for (const auto& t : trace) best = std::min(best, t.value);
  const double solver_seconds = trace.back().seconds;
  const double passes = double(summary.sample_gradients) / double(n);
  Json result = {{"method", method},
                 {"transform", solver.canonical()},
                 {"estimator", "-"},
                 {"settings", {{"spec", solver.canonical()}}},
                 {"termination", reached ? "converged" : descent::to_string(summary.termination)},
                 {"message", reached ? "reached the target suboptimality" : summary.message},
                 {"steps", summary.steps},
                 {"passes", passes},
                 {"solver_seconds", solver_seconds},
                 {"seconds_per_pass", passes > 0 ? solver_seconds / passes : 0.0},
                 {"evaluation_seconds_excluded", 0.0},
                 {"best_value", best},
                 {"best_suboptimality", (best - o.f_star) / o.f_star},
                 {"restarts", 0},
                 {"solver_message", summary.message},
                 {"trace_columns", {"seconds", "passes", "f", "relative_suboptimality"}},
                 {"trace", thin_trace(trace, o.f_star)}};
  result["reached"] = reached.has_value();
  result["seconds_to_target"] = reached ? Json(reached->seconds) : Json(nullptr);
  result["passes_to_target"] = reached ? Json(reached->passes) : Json(nullptr);
  std::cerr << "logistic_time_to_target: " << method << ": " << summary.steps << " steps, " << solver_seconds
            << " s, " << passes << " passes, best relative suboptimality " << (best - o.f_star) / o.f_star << " ("
            << summary.message << ")" << std::endl;
  return result;
}

Json run_method(const std::string& method, const descent::LogisticRegression<double>& model, const Options& o,
                const Smoothness& smoothness) {
  if (method == "lkatyusha" || method == "lkatyusha_as") return run_katyusha(model, o, smoothness, method == "lkatyusha_as");
  if (kSolverSpecs.count(method)) return run_solver(method, model, o);
  const double L = smoothness.L, mu = o.lambda;
  const double beta = (std::sqrt(L) - std::sqrt(mu)) / (std::sqrt(L) + std::sqrt(mu));
  const std::size_t n = model.num_samples();
  descent::MinimizeOptions<double> options;
  options.max_steps = o.max_steps;
  options.final_evaluation = false;  // the watcher has what it needs; a final pass would only cost time
  typename TargetWatcher<double>::Config watch{o.f_star, o.target, o.time_cap, n};
  descent::TransformPtr transform;
  Json settings;
  if (method == "gd") {
    transform = descent::sgd({.lr = descent::constant(1 / L)});
    settings = {{"lr", 1 / L}};
  } else if (method == "nesterov" || method == "nesterov_restart") {
    transform = descent::nesterov(1 / L, beta);
    watch.restart_on_increase = method == "nesterov_restart";
    settings = {{"lr", 1 / L}, {"momentum", beta}, {"mu", mu}};
  } else if (method == "sgd_constant" || method == "svrg" || method == "lsvrg" || method == "saga" ||
             method == "lsvrg_as" || method == "importance") {
    const double lr = o.vr_step_scale / (o.vr_step_mean ? smoothness.L_mean : smoothness.L_max);
    const auto b = static_cast<std::int64_t>(o.vr_batch);
    const std::uint64_t seed = 0;
    transform = descent::sgd({.lr = descent::constant(lr)});
    if (method == "sgd_constant")
      options.estimator = std::make_shared<descent::Minibatch<double>>(
          descent::MinibatchOptions{.batch_size = o.vr_batch, .seed = seed});
    else if (method == "svrg")
      options.estimator = std::make_shared<descent::Svrg<double>>(descent::SvrgOptions{.batch_size = b}, seed);
    else if (method == "lsvrg")
      options.estimator =
          std::make_shared<descent::LooplessSvrg<double>>(descent::LooplessSvrgOptions{.batch_size = b}, seed);
    else if (method == "lsvrg_as")
      options.estimator = std::make_shared<descent::AdaptiveLooplessSvrg<double>>(
          descent::AdaptiveLooplessSvrgOptions{.batch_size = b}, seed);
    else if (method == "importance")
      options.estimator = std::make_shared<descent::ImportanceSampling<double>>(
          descent::ImportanceSamplingOptions{.batch_size = b}, seed);
    else
      options.estimator = std::make_shared<descent::Saga<double>>(descent::SagaOptions{.batch_size = b}, seed);
    const std::int64_t steps_per_epoch = static_cast<std::int64_t>((n + o.vr_batch - 1) / o.vr_batch);
    watch.evaluate_every =
        std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(o.eval_every_epochs * steps_per_epoch)));
    settings = {{"lr", lr}, {"L_max", smoothness.L_max}, {"L_mean", smoothness.L_mean}, {"batch", o.vr_batch}};
  } else {  // sgd_minibatch
    const std::int64_t steps_per_epoch = static_cast<std::int64_t>((n + o.batch - 1) / o.batch);
    transform = descent::sgd({.lr = descent::cosine(1 / L, o.sgd_epochs * steps_per_epoch), .momentum = 0.9});
    options.estimator = std::make_shared<descent::Minibatch<double>>(descent::MinibatchOptions{.batch_size = o.batch});
    options.max_steps = std::min(options.max_steps, o.sgd_epochs * steps_per_epoch);
    watch.evaluate_every =
        std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(o.eval_every_epochs * steps_per_epoch)));
    settings = {{"lr_start", 1 / L}, {"momentum", 0.9}, {"batch", o.batch}, {"epochs", o.sgd_epochs}};
  }
  auto watcher = std::make_shared<TargetWatcher<double>>(watch);
  options.callbacks.push_back(watcher);
  descent::Parameters<double> w(model.layout(), 0.0);
  std::cerr << "logistic_time_to_target: " << method << ": " << transform->spec() << std::endl;
  const auto summary = descent::minimize(model, w, *transform, options);

  const auto& trace = watcher->trace();
  double best = trace.empty() ? std::nan("") : trace.front().value;
  for (const auto& t : trace) best = std::min(best, t.value);
  const double solver_seconds = trace.empty() ? 0 : std::max(trace.back().seconds, 0.0);
  const double passes = static_cast<double>(summary.sample_gradients) / static_cast<double>(n);
  Json result = {{"method", method},
                 {"transform", transform->spec()},
                 {"estimator", options.estimator ? options.estimator->spec() : "full_gradient"},
                 {"settings", settings},
                 {"termination", descent::to_string(summary.termination)},
                 {"message", summary.message},
                 {"steps", summary.steps},
                 {"passes", passes},
                 {"solver_seconds", solver_seconds},
                 {"seconds_per_pass", passes > 0 ? solver_seconds / passes : 0.0},
                 {"evaluation_seconds_excluded", watcher->excluded_seconds()},
                 {"best_value", best},
                 {"best_suboptimality", (best - o.f_star) / o.f_star},
                 {"restarts", watcher->restarts()},
                 {"trace_columns", {"seconds", "passes", "f", "relative_suboptimality"}},
                 {"trace", thin_trace(trace, o.f_star)}};
  if (const auto reached = watcher->reached()) {
    result["reached"] = true;
    result["seconds_to_target"] = reached->seconds;
    result["passes_to_target"] = reached->passes;
  } else {
    result["reached"] = false;
    result["seconds_to_target"] = nullptr;
    result["passes_to_target"] = nullptr;
  }
  std::cerr << "logistic_time_to_target: " << method << ": " << descent::to_string(summary.termination) << " after "
            << summary.steps << " steps, " << solver_seconds << " s, best relative suboptimality "
            << (best - o.f_star) / o.f_star << std::endl;
  return result;
}

int run(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  Problem problem = load_problem(o);
  const descent::LogisticRegression<double> model(problem.data, {.l2 = o.lambda, .bias = false});
  const std::size_t n = problem.data.size();
  const Smoothness smoothness = estimate_smoothness(problem.data, o.lambda);

  Json out;
  out["problem"] = {{"data", o.libsvm.empty() ? o.data : o.libsvm},
                    {"n", n},
                    {"d", problem.data.dimension()},
                    {"lambda", o.lambda},
                    {"positive_class", o.libsvm.empty() ? Json(0) : Json(nullptr)},
                    {"nonzeros", problem.data.is_sparse() ? Json(problem.data.sparse().values.size()) : Json(nullptr)},
                    {"precision", "float64"},
                    {"f_star", o.f_star},
                    {"target", o.target},
                    {"load_seconds", problem.load_seconds}};
  out["smoothness"] = {{"L", smoothness.L},
                       {"L_max", smoothness.L_max},
                       {"L_mean", smoothness.L_mean},
                       {"power_iterations", smoothness.iterations},
                       {"seconds", smoothness.seconds},
                       {"passes", smoothness.passes}};
  out["omp_max_threads"] = omp_get_max_threads();
  out["model_threads"] = 1;
  out["time_cap_seconds"] = o.time_cap;
  {
    // f at 0 is log 2 exactly in real arithmetic: a check of the model on this data.
    descent::Parameters<double> zero(model.layout(), 0.0);
    out["problem"]["f_at_zero"] = model.value(zero.flat());
  }
  if (!o.reference_w.empty()) {
    // descent's f at the reference minimizer, against the f* computed in NumPy: they must
    // agree to rounding (both sum 60000 terms in float64), which checks that the two
    // programs set up the same problem.
    const auto w = descent::read_npy<double>(o.reference_w);
    if (w.values.size() != model.dimension())
      throw descent::MismatchError(o.reference_w + ": " + std::to_string(w.values.size()) + " weights, the model has " +
                                   std::to_string(model.dimension()));
    const double value = model.value(w.values.span());
    out["problem"]["descent_f_at_reference_w"] = value;
    out["problem"]["reference_relative_difference"] = (value - o.f_star) / o.f_star;
  }
  out["methods"] = Json::array();
  for (const auto& method : o.methods) out["methods"].push_back(run_method(method, model, o, smoothness));
  std::cout << out.dump(1) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const descent::Error& error) {
    std::cerr << "logistic_time_to_target: " << error.what() << std::endl;
    return 2;
  } catch (const std::exception& error) {  // out of memory and the like: still a message, not an abort
    std::cerr << "logistic_time_to_target: unexpected error: " << error.what() << std::endl;
    return 1;
  }
}
