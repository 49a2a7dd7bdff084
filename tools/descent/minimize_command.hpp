// `descent minimize`: runs a spec-built optimizer on a built-in test function, with
// logs, convergence tests, a time limit, checkpoints and resumption; prints the Summary
// and maps its termination to the exit status (exit_codes.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace descent::cli {

struct MinimizeArgs {
  std::string function;
  std::size_t dimension = 10;
  std::string optimizer = "adam";
  std::int64_t steps = 1000;
  std::string log;    // CSV
  std::string jsonl;  // JSON Lines
  std::uint64_t seed = 0;
  int threads = 0;  // 0: OpenMP's default
  std::string precision = "double";
  std::string init = "random";
  std::size_t batch_size = 0;  // 0: full gradient
  std::string estimator;       // spec; empty: per batch_size
  std::string average;         // averaging spec (polyak(...), tail(...), exponential(...)); empty: none
  std::string stationarity;    // stationarity(...) spec; empty: none
  std::vector<std::string> callbacks;  // --callback specs, in order
  std::string solver;          // a solver spec (lbfgs, lbfgsb, tron, ...): run it instead of the optimizer loop
  double lower = -std::numeric_limits<double>::infinity();  // --lower: every coordinate's bound (solvers)
  double upper = std::numeric_limits<double>::infinity();
  std::size_t samples = 0;     // set from LeastSquaresOptions' default
  double condition = 0;        // set from QuadraticOptions' default
  double gtol = 0;
  double rtol = 0;
  double time_limit = 0;  // 0: none
  std::string checkpoint;
  std::int64_t checkpoint_every = 0;  // set from CheckpointerOptions' default
  std::string resume;
  std::string output;
  bool quiet = false;
};

CLI::App* add_minimize_command(CLI::App& app, MinimizeArgs& args);

// Runs the command `command` parsed into `args`; returns the exit status. Throws
// OptionError or descent::Error for anything the user has to fix.
int run_minimize(const CLI::App& command, const MinimizeArgs& args, const std::atomic<bool>& interrupted);

}  // namespace descent::cli
