#include "train_command.hpp"

#include <cmath>
#include <cstdio>

#include "descent/app/jobs.hpp"
#include "exit_codes.hpp"

namespace descent::cli {

CLI::App* add_train_command(CLI::App& app, TrainArgs& args) {
  CLI::App* c = app.add_subcommand("train", "Train one model on a dataset and evaluate it after every epoch");
  add_job_options(*c, args.job);
  c->add_flag("--resume", args.resume, "continue from <out>/checkpoint.bin, bit for bit");
  c->add_option("--output", args.output, "[output].model: the model file (default <out>/model.npz)");
  c->footer(
      "Example:\n  descent train --config examples/fmnist-mlp.toml\n"
      "  descent train --data synthetic --model softmax --optimizer 'sgd(lr=0.1)' --epochs 5 --out runs/s\n"
      "  descent train --train data.libsvm --test test.libsvm --model logistic --output model.npz\n"
      "Writes <out>/metrics.csv, metrics.jsonl, checkpoint.bin, summary.json and the model file\n"
      "(`descent predict`, `descent evaluate`, Python's descent.load). Ctrl-C stops after writing a\n"
      "checkpoint and the model; --resume continues from the checkpoint.");
  return c;
}

int run_train(const TrainArgs& args, const std::atomic<bool>& interrupted) {
  JobConfig config = job_config_from(args.job);
  if (args.output) config.output.model = *args.output;
  const RunRecord run =
      run_train_job(config, {.resume = args.resume, .quiet = args.job.quiet, .interrupt = &interrupted});
  if (!args.job.quiet && run.primary) {
    std::printf("%s: %s\n", to_string(run.termination).c_str(), run.message.c_str());
    if (!run.history.empty()) {
      const EpochRecord& e = run.history.back();
      std::printf("epoch %lld: train loss %.4f", static_cast<long long>(e.epoch), e.train_loss);
      if (std::isfinite(e.test_accuracy)) std::printf(", test accuracy %.4f", e.test_accuracy);
      std::printf(", %.1f s in all\n", run.wall_seconds);
    }
    std::printf("results in %s\n", config.output.dir.c_str());
    if (run.termination != Termination::non_finite) std::printf("model in %s\n", config.output.model_path().c_str());
  }
  switch (run.termination) {
    case Termination::non_finite:
      return kExitNonFinite;
    case Termination::user_stop:
      return kExitInterrupted;
    default:
      return kExitOk;
  }
}

}  // namespace descent::cli
