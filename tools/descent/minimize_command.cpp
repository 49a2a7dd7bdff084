#include "minimize_command.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <type_traits>

#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/core/parameters.hpp"
#include "descent/core/suggest.hpp"
#include "descent/loop/callbacks/checkpointer.hpp"
#include "descent/loop/callbacks/early_stopping.hpp"
#include "descent/loop/callbacks/metrics_logger.hpp"
#include "descent/loop/callbacks/progress_bar.hpp"
#include "descent/loop/callbacks/time_limit.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/objective/least_squares_problem.hpp"
#include "descent/objective/quadratic.hpp"
#include "descent/run/build.hpp"
#include "descent/spec/registry.hpp"
#include "exit_codes.hpp"
#include "option_error.hpp"
#include "problem.hpp"

namespace descent::cli {

namespace {

// An integer option's check, run on the text before CLI11 converts it: CLI11 would
// wrap "-3" around into a huge unsigned value, and its range validators print their
// limits with six decimals. The message is plain: "must be an integer >= 1, found -3".
template <class Int>
CLI::Validator integer_at_least(Int lo) {
  const std::string rule = "an integer >= " + std::to_string(lo);
  return CLI::Validator(
      [lo, rule](std::string& text) -> std::string {
        Int v{};
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || ptr != text.data() + text.size() || v < lo)
          return "must be " + rule + ", found '" + text + "'";
        return {};
      },
      ">=" + std::to_string(lo));
}

}  // namespace

CLI::App* add_minimize_command(CLI::App& app, MinimizeArgs& a) {
  // Defaults of the problem options come from the library's own option structs.
  a.samples = LeastSquaresOptions{}.samples;
  a.condition = QuadraticOptions{}.condition_number;
  a.checkpoint_every = CheckpointerOptions{}.every;

  CLI::App* cmd = app.add_subcommand("minimize", "Minimize a built-in test function with a spec-built optimizer");
  cmd->add_option("--function", a.function,
                  "Objective to minimize: quadratic, rosenbrock, rastrigin, least_squares or a test problem of "
                  "docs/objectives.md (beale, wood, penalty_1, ...)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            const std::vector<std::string> known = function_names();
            if (std::find(known.begin(), known.end(), value) != known.end()) return "";
            std::string names;
            for (const auto& k : kFunctions) names += (names.empty() ? "" : ", ") + k;
            std::string problems;
            for (const auto& k : test_problem_names()) problems += (problems.empty() ? "" : ", ") + k;
            // "did you mean" over every name; the list of test problems after it, not instead.
            const std::string hint = suggestion(value, known);
            const bool close = hint.rfind("; did you mean", 0) == 0;
            return "'" + value + "' is not one of " + names + (close ? hint + " " : ". ") +
                   "Also accepted: the test problems of docs/objectives.md (" + problems + ")";
          },
          "", "function"));
  cmd->add_option("--dim", a.dimension,
                  "Dimension d (least_squares: features); a test problem's own default when not given")
      ->check(integer_at_least<std::size_t>(1))
      ->capture_default_str();
  cmd->add_option("--optimizer", a.optimizer, "Optimizer spec (see `descent list`)")
      ->type_name("SPEC")
      ->capture_default_str();
  cmd->add_option("--steps", a.steps, "Maximum number of updates (a resumed run counts earlier ones)")
      ->check(integer_at_least<std::int64_t>(0))
      ->capture_default_str();
  cmd->add_option("--log", a.log, "Write step,value,gradient_norm,... as CSV to FILE")->type_name("FILE");
  cmd->add_option("--jsonl", a.jsonl, "Write the same records as JSON Lines to FILE")->type_name("FILE");
  cmd->add_option("--seed", a.seed, "Seed of the random start, the minibatches and the synthetic data")
      ->check(integer_at_least<std::uint64_t>(0))
      ->capture_default_str();
  cmd->add_option("--threads", a.threads, "OpenMP threads (default: OpenMP's choice)")->check(integer_at_least(1));
  cmd->add_option("--precision", a.precision, "Floating-point type of the run")
      ->check(CLI::IsMember({"float", "double"}))
      ->capture_default_str();
  cmd->add_option("--init", a.init,
                  "Start: 'random' (x_i ~ N(0, 1) from --seed), 'standard' (a test problem's standard start) or a "
                  "number for every coordinate")
      ->capture_default_str();
  cmd->add_option("--batch-size", a.batch_size, "least_squares: minibatch gradient of this many samples")
      ->check(integer_at_least<std::size_t>(1));
  cmd->add_option("--estimator", a.estimator,
                  "Gradient estimator spec, e.g. 'lsvrg(batch_size=4)' (see `descent list --kind estimator`)")
      ->type_name("SPEC");
  cmd->add_option("--average", a.average,
                  "Return an average of the iterates: polyak(start_step=N), tail(tail_fraction=F) or "
                  "exponential(decay=D) (docs/averaging.md)")
      ->type_name("SPEC");
  cmd->add_option("--stationarity-stop", a.stationarity,
                  "Stop once the iterates are stationary and their average is precise (Dhaka et al. 2020), e.g. "
                  "'stationarity(rhat_threshold=1.1, mcse_relative=0.01)'; returns that average")
      ->type_name("SPEC");
  cmd->add_option("--callback", a.callbacks,
                  "Another loop callback, repeatable: any averaging or stopping rule of `descent list`")
      ->type_name("SPEC");
  cmd->add_option("--solver", a.solver,
                  "Run a solver with a loop of its own instead of --optimizer (`descent list --kind solver`), e.g. "
                  "'lkatyusha(smoothness=L, strong_convexity=mu)' on least_squares (docs/algorithms.md)")
      ->type_name("SPEC");
  cmd->add_option("--lower", a.lower, "With --solver lbfgsb: a lower bound for every coordinate")->type_name("X");
  cmd->add_option("--upper", a.upper, "With --solver lbfgsb: an upper bound for every coordinate")->type_name("X");
  cmd->add_option("--samples", a.samples, "least_squares: number of samples n")
      ->check(integer_at_least<std::size_t>(1))
      ->capture_default_str();
  cmd->add_option("--condition", a.condition, "quadratic: condition number L / mu")->capture_default_str();
  cmd->add_option("--gtol", a.gtol, "Converged when the gradient norm is <= this (0: off)")->capture_default_str();
  cmd->add_option("--rtol", a.rtol, "Converged when the relative change of f is <= this (0: off)")
      ->capture_default_str();
  cmd->add_option("--time-limit", a.time_limit, "Stop after this many seconds of wall time");
  CLI::Option* checkpoint =
      cmd->add_option("--checkpoint", a.checkpoint, "Write checkpoints to FILE")->type_name("FILE");
  cmd->add_option("--checkpoint-every", a.checkpoint_every, "Steps between checkpoints")
      ->needs(checkpoint)
      ->capture_default_str();
  cmd->add_option("--resume", a.resume, "Continue the run saved in checkpoint FILE")->type_name("FILE");
  cmd->add_option("--output", a.output, "Write the final parameters to FILE, one per line in C99 hex-float (%a)")
      ->type_name("FILE");
  cmd->add_flag("--quiet,-q", a.quiet, "Print neither progress nor the summary");
  cmd->footer(
      "Exit status: 0 converged, max_steps or time_limit; 1 non-finite values; 2 usage, spec, value or file "
      "errors; 130 interrupted (Ctrl-C).");
  return cmd;
}

namespace {

// One parameter per line as a C99 hex float, exact for float and double alike, so that
// two runs can be compared bit for bit with diff.
template <class T>
void write_parameters(const std::string& path, std::span<const T> x) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!file) throw OptionError("--output", "cannot write '" + path + "': " + std::strerror(errno));
  bool ok = true;
  for (const T v : x) ok = ok && std::fprintf(file.get(), "%a\n", static_cast<double>(v)) > 0;
  ok = std::fflush(file.get()) == 0 && ok;
  if (!ok) throw OptionError("--output", "cannot write '" + path + "': " + std::strerror(errno));
}

int exit_status(Termination t, bool interrupted) {
  switch (t) {
    case Termination::converged:
    case Termination::max_steps:
    case Termination::time_limit:
    case Termination::no_progress:  // a result, written like any other; the message says why
      return kExitOk;
    case Termination::non_finite:
      return kExitNonFinite;
    case Termination::user_stop:
      return interrupted ? kExitInterrupted : kExitOk;
  }
  return kExitInternal;
}

// Catches a mistyped directory before the run rather than when the first record or
// checkpoint is written, and names the option.
void check_writable_location(const std::string& option, const std::string& path) {
  if (path.empty()) return;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent))
    throw OptionError(option, "cannot write '" + path + "': directory '" + parent.string() + "' does not exist");
}

// The run's specs, each parsed once with its option's name in the messages.
RunSpec run_spec(const CLI::App& cmd, const MinimizeArgs& a) {
  RunSpec run;
  run.training.seed = a.seed;
  if (cmd.count("--solver")) {
    // A solver is its own loop: none of the loop's estimator, optimizer or callbacks apply.
    for (const char* other : {"--optimizer", "--estimator", "--batch-size", "--average", "--stationarity-stop",
                              "--callback", "--checkpoint", "--resume", "--gtol", "--rtol", "--time-limit"})
      if (cmd.count(other)) throw OptionError(other, "does not apply with --solver");
    run.solver = parse_at("--solver", [&] { return parse_solver(a.solver); });
    return run;
  }
  run.optimizer = parse_at("--optimizer", [&] { return parse_transform(a.optimizer); });
  if (cmd.count("--estimator")) {
    if (cmd.count("--batch-size"))
      throw OptionError("--batch-size", "conflicts with --estimator (give the batch size in its spec)");
    run.estimator = parse_at("--estimator", [&] { return parse_estimator(a.estimator); });
  } else if (a.batch_size > 0) {  // --batch-size N is minibatch(N)
    run.estimator = parse_estimator("minibatch(" + std::to_string(a.batch_size) + ")");
  }
  if (cmd.count("--average"))
    run.callbacks.push_back(parse_at("--average", [&] { return parse_callback(a.average, EntryKind::averaging); }));
  if (cmd.count("--stationarity-stop"))
    run.callbacks.push_back(
        parse_at("--stationarity-stop", [&] { return parse_callback(a.stationarity, EntryKind::stopping); }));
  for (const std::string& c : a.callbacks)
    run.callbacks.push_back(parse_at("--callback", [&] { return parse_callback(c); }));
  return run;
}

template <class T>
int run(const CLI::App& cmd, const MinimizeArgs& a, const std::atomic<bool>& interrupted) {
  const RunSpec spec = run_spec(cmd, a);

  const bool finite_sum = a.function == "least_squares";
  if (!cmd.count("--solver"))
    for (const char* bound : {"--lower", "--upper"})
      if (cmd.count(bound)) throw OptionError(bound, "only applies with --solver (a solver that takes bounds: lbfgsb)");
  if (cmd.count("--batch-size") && !finite_sum)
    throw OptionError("--batch-size", "needs a finite-sum objective (--function least_squares)");
  if (cmd.count("--samples") && !finite_sum) throw OptionError("--samples", "only applies to --function least_squares");
  if (cmd.count("--condition") && a.function != "quadratic")
    throw OptionError("--condition", "only applies to --function quadratic");

  check_writable_location("--log", a.log);
  check_writable_location("--jsonl", a.jsonl);
  check_writable_location("--checkpoint", a.checkpoint);
  check_writable_location("--output", a.output);
  if (!a.resume.empty() && !std::filesystem::is_regular_file(a.resume))
    throw OptionError("--resume", "no checkpoint file '" + a.resume + "'");

  const ProblemArgs problem_args{a.function, a.dimension, a.samples, a.condition, a.seed, cmd.count("--dim") > 0};
  const std::unique_ptr<Differentiable<T>> objective = make_problem<T>(problem_args);
  const std::vector<T> x0 = initial_point<T>(a.init, problem_args, objective->dimension());
  Parameters<T> params = Parameters<T>::from(std::span<const T>(x0));

  if (spec.solver) {
    SolverRun run = solver_run(spec, a.steps, [&] { return interrupted.load(); });
    if (cmd.count("--lower") || cmd.count("--upper")) {
      // One bound for every coordinate; the solver checks lower <= upper and that it takes bounds.
      run.lower.assign(objective->dimension(), a.lower);
      run.upper.assign(objective->dimension(), a.upper);
    }
    MetricsLog csv, jsonl;
    if (!a.log.empty()) csv.open(a.log, LogFormat::csv, false, 100);
    if (!a.jsonl.empty()) jsonl.open(a.jsonl, LogFormat::jsonl, false, 100);
    const auto start = std::chrono::steady_clock::now();
    const auto observe = [&](const SolverIterate<T>& it) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      for (MetricsLog* log : {&csv, &jsonl})
        if (log == &csv ? !a.log.empty() : !a.jsonl.empty())
          log->write(it.step, it.value, it.gradient_norm, elapsed, it.objective_calls, it.sample_gradients);
      return false;
    };
    if constexpr (std::is_same_v<T, float>) {
      run.observe_float = observe;
    } else {
      run.observe_double = observe;
    }
    const Summary<T> summary = for_option("--solver", [&] { return spec.solver->run<T>(*objective, params, run); });
    if (!a.log.empty()) csv.close();
    if (!a.jsonl.empty()) jsonl.close();
    if (!a.output.empty()) write_parameters<T>(a.output, params.flat());
    if (!a.quiet)
      std::cout << "function: " << objective->name() << " (d = " << objective->dimension() << ", " << a.precision
                << ")\n"
                << "solver: " << spec.solver->canonical() << '\n'
                << describe(summary) << std::flush;
    return exit_status(summary.termination, interrupted.load());
  }

  MinimizeOptions<T> options;
  options.max_steps = a.steps;
  options.resume_from = a.resume;
  options.interrupt = &interrupted;
  options.estimator = build_estimator<T>(spec);

  // Order matters: the loop stops asking callbacks at the first that stops it, so the
  // recorders (progress, logs, checkpoints) come before the tests that stop the run.
  auto& callbacks = options.callbacks;
  if (!a.quiet) callbacks.push_back(std::make_shared<ProgressBar<T>>(stderr));
  const bool resuming = !a.resume.empty();  // a resumed run continues its logs
  if (!a.log.empty())
    callbacks.push_back(
        std::make_shared<MetricsLogger<T>>(a.log, MetricsLoggerOptions{.format = LogFormat::csv, .append = resuming}));
  if (!a.jsonl.empty())
    callbacks.push_back(std::make_shared<MetricsLogger<T>>(
        a.jsonl, MetricsLoggerOptions{.format = LogFormat::jsonl, .append = resuming}));
  if (!a.checkpoint.empty()) {
    callbacks.push_back(for_option("--checkpoint-every", [&] {
      return std::make_shared<Checkpointer<T>>(a.checkpoint, CheckpointerOptions{.every = a.checkpoint_every});
    }));
  }
  if (cmd.count("--gtol")) {
    callbacks.push_back(for_option("--gtol", [&] {
      return std::make_shared<EarlyStopping<T>>(EarlyStoppingOptions{.gradient_tolerance = a.gtol});
    }));
  }
  if (cmd.count("--rtol")) {
    callbacks.push_back(for_option("--rtol", [&] {
      return std::make_shared<EarlyStopping<T>>(EarlyStoppingOptions{.relative_tolerance = a.rtol});
    }));
  }
  if (cmd.count("--time-limit"))
    callbacks.push_back(for_option("--time-limit", [&] { return std::make_shared<TimeLimit<T>>(a.time_limit); }));
  for (auto& c : build_callbacks<T>(spec)) callbacks.push_back(std::move(c));

  const Summary<T> summary = minimize(*objective, params, *spec.optimizer, options);

  if (!a.output.empty()) write_parameters<T>(a.output, params.flat());
  if (!a.quiet) {
    std::cout << "function: " << objective->name() << " (d = " << objective->dimension() << ", " << a.precision << ", "
              << num_threads() << " thread" << (num_threads() == 1 ? "" : "s") << ")\n"
              << "optimizer: " << spec.optimizer->spec() << '\n'
              << "estimator: " << (options.estimator ? options.estimator->spec() : "full_gradient") << '\n'
              << describe(summary) << std::flush;
  }
  return exit_status(summary.termination, interrupted.load());
}

}  // namespace

int run_minimize(const CLI::App& cmd, const MinimizeArgs& a, const std::atomic<bool>& interrupted) {
  if (cmd.count("--threads")) set_num_threads(a.threads);
  return a.precision == "float" ? run<float>(cmd, a, interrupted) : run<double>(cmd, a, interrupted);
}

}  // namespace descent::cli
