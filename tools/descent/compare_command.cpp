#include "compare_command.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "descent/app/jobs.hpp"
#include "exit_codes.hpp"
#include "option_error.hpp"

namespace descent::cli {

CLI::App* add_compare_command(CLI::App& app, CompareArgs& args) {
  CLI::App* c = app.add_subcommand("compare", "Compare optimizers on one problem and write a report with plots");
  add_job_options(*c, args.job);
  c->add_option("--compare", args.optimizers,
                "optimizer specs to compare (repeat the option); overrides [compare].optimizers");
  c->add_option("--compare-solver", args.solvers,
                "solver specs to compare too (repeat the option), each trained full-batch for --solver-steps "
                "iterations; overrides [compare].solvers");
  c->add_option("--compare-estimator", args.estimators,
                "estimator specs to compare (repeat the option); overrides [compare].estimators; pairs with "
                "--compare one to one, or a single one of either pairs with all of the other");
  c->add_option("--label", args.labels, "legend names, one per run");
  c->add_option("--target-loss", args.target_loss, "report the time to reach this training loss");
  c->add_option("--target-accuracy", args.target_accuracy,
                "report the time and epochs to reach this test accuracy (needs test data)");
  c->add_option("--seeds", args.seeds,
                "[compare].seeds: repeat every run K times (seed + 0..K-1); mean ± std and min-max bands");
  c->add_option("--evals-per-epoch", args.evals_per_epoch,
                "[compare].evals_per_epoch: points per epoch on the curves (evaluations inside each epoch)");
  c->add_option("--reference-optimum", args.reference_optimum,
                "[compare].reference_optimum: f* of the problem, or auto (a 10x longer double-precision run of the "
                "best method); the loss plots show f - f* on a log axis");
  c->footer(
      "Example:\n  descent compare --config examples/fmnist-compare.toml\n"
      "  descent compare --data synthetic --model softmax --epochs 5 --out runs/cmp \\\n"
      "      --compare 'sgd(lr=0.1)' --compare 'adam(lr=1e-3)'\n"
      "  descent compare --data synthetic --model logistic --batch-size 1 --full-objective \\\n"
      "      --compare 'sgd(lr=0.05)' --compare-estimator 'minibatch(1)' --compare-estimator lsvrg\n"
      "Writes <out>/report.md, loss_vs_epoch.svg, loss_vs_passes.svg, loss_vs_seconds.svg, accuracy_vs_epoch.svg,\n"
      "results.json.");
  return c;
}

int run_compare(const CompareArgs& args, const std::atomic<bool>& interrupted) {
  JobConfig config = job_config_from(args.job);
  if (!args.optimizers.empty()) config.compare.optimizers = args.optimizers;
  if (!args.estimators.empty()) config.compare.estimators = args.estimators;
  if (!args.solvers.empty()) {
    config.compare.solvers = args.solvers;
    for (std::size_t k = 0; k < args.solvers.size(); ++k)
      config.flags["[compare].solvers[" + std::to_string(k) + "]"] = "--compare-solver '" + args.solvers[k] + "'";
  }
  if (!args.optimizers.empty() || !args.estimators.empty() || !args.solvers.empty() || !args.labels.empty())
    config.compare.labels = args.labels;
  if (args.target_loss) config.compare.target_loss = *args.target_loss;
  if (args.target_accuracy) config.compare.target_accuracy = *args.target_accuracy;
  if (args.reference_optimum) {
    if (*args.reference_optimum == "auto") {
      config.compare.reference_optimum_auto = true;
    } else {
      char* end = nullptr;
      const double v = std::strtod(args.reference_optimum->c_str(), &end);
      if (args.reference_optimum->empty() || *end != '\0' || !std::isfinite(v))
        throw OptionError("--reference-optimum", "'" + *args.reference_optimum + "' is not a finite number or auto");
      config.compare.reference_optimum = v;
    }
  }
  if (args.evals_per_epoch) {
    config.compare.evals_per_epoch = *args.evals_per_epoch;
    config.flags["[compare].evals_per_epoch"] = "--evals-per-epoch";
  }
  if (args.seeds) {
    config.compare.seeds = *args.seeds;
    config.flags["[compare].seeds"] = "--seeds";
  }
  config.validate();
  const auto runs = run_compare_job(config, {.quiet = args.job.quiet, .interrupt = &interrupted});
  if (!args.job.quiet) {
    std::printf("%-40s %12s %14s %10s\n", "run", "loss", "test accuracy", "seconds");
    for (const auto& run : runs) {
      const double loss = run.history.empty() ? NAN : judged_loss(run.history.back());
      const double acc = run.history.empty() ? NAN : run.history.back().test_accuracy;
      const std::string name =
          config.compare.seeds > 1 ? run.label + " (seed " + std::to_string(run.repetition + 1) + ")" : run.label;
      std::printf("%-40.40s %12.4f %14.4f %10.1f\n", name.c_str(), loss, acc, run.wall_seconds);
    }
    std::printf("report: %s\n", (std::filesystem::path(config.output.dir) / "report.md").c_str());
  }
  if (interrupted.load()) return kExitInterrupted;
  for (const auto& run : runs)
    if (run.termination == Termination::non_finite) return kExitNonFinite;
  return kExitOk;
}

}  // namespace descent::cli
