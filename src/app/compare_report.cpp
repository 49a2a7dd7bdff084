#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "descent/app/jobs.hpp"
#include "descent/core/atomic_file.hpp"
#include "descent/core/error.hpp"
#include "descent/report/line_plot.hpp"

namespace descent {

namespace fs = std::filesystem;

namespace {

std::string cell(double v, const char* format) {
  if (!std::isfinite(v)) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

// Markdown table cells cannot hold '|'.
std::string md(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

template <class Get>
PlotSeries series(const RunRecord& run, Get get_x, double (*get_y)(const EpochRecord&)) {
  PlotSeries s{run.label, {}, {}};
  for (const auto& e : run.history) {
    s.x.push_back(get_x(e));
    s.y.push_back(get_y(e));
  }
  return s;
}

}  // namespace

void write_compare_report(const std::string& dir_name, const JobConfig& config, const std::string& data_description,
                          const std::vector<RunRecord>& runs) {
  const fs::path dir(dir_name);
  fs::create_directories(dir);
  const double target = config.compare.target_loss;

  std::string md_text = "# Optimizer comparison\n\n";
  md_text += "- data: " + data_description + "\n";
  md_text += "- model: " + config.model.kind;
  if (config.model.kind == "mlp") {
    md_text += " (hidden";
    for (auto h : config.model.hidden) md_text += " " + std::to_string(h);
    md_text += ", " + config.model.activation + ")";
  }
  md_text += "\n- training: " + std::to_string(config.training.epochs) + " epochs, batch " +
             std::to_string(config.training.batch_size) + ", " + config.training.sampling + " sampling, seed " +
             std::to_string(config.training.seed) + ", " + config.training.precision + "\n";
  md_text += "- every run starts from the same initial parameters and seeds its sampling with the same seed\n";
  const bool objective = config.training.full_objective;
  const std::string loss_name = objective ? "objective f(x)" : "train loss";
  md_text += std::string("- loss: ") +
             (objective ? "f(x) over all training samples after each epoch ([training].full_objective)"
                        : "the mean of the epoch's minibatch losses") +
             "; data passes: per-sample gradients / n, snapshots and tables included\n\n";
  md_text += "| run | final " + loss_name + " | test accuracy | data passes | wall time (s) | time to loss " +
             cell(target, "%g") + " (s) | epochs to loss " + cell(target, "%g") + " | passes to loss " +
             cell(target, "%g") + " | end |\n";
  md_text += "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& run : runs) {
    const EpochRecord* last = run.history.empty() ? nullptr : &run.history.back();
    double time_to = NAN, epochs_to = NAN, passes_to = NAN;
    if (target > 0)
      for (const auto& e : run.history)
        if (judged_loss(e) <= target) {
          time_to = e.elapsed_seconds;
          epochs_to = static_cast<double>(e.epoch);
          passes_to = e.data_passes;
          break;
        }
    md_text += "| " + md(run.label) + " | " + cell(last ? judged_loss(*last) : NAN, objective ? "%.10g" : "%.4f") +
               " | " + cell(last ? last->test_accuracy : NAN, "%.4f") + " | " +
               cell(last ? last->data_passes : NAN, "%.1f") + " | " + cell(run.wall_seconds, "%.1f") + " | " +
               (target > 0 ? cell(time_to, "%.1f") : "-") + " | " + (target > 0 ? cell(epochs_to, "%.0f") : "-") +
               " | " + (target > 0 ? cell(passes_to, "%.1f") : "-") + " | " + to_string(run.termination) + " |\n";
  }
  md_text +=
      "\nPlots: [loss vs epoch](loss_vs_epoch.svg), [loss vs data passes](loss_vs_passes.svg), "
      "[loss vs seconds](loss_vs_seconds.svg), [test accuracy vs epoch](accuracy_vs_epoch.svg).\n\n";
  md_text += "| label | optimizer spec | estimator |\n|---|---|---|\n";
  for (const auto& run : runs)
    md_text += "| " + md(run.label) + " | `" + run.optimizer + "` | `" + md(run.estimator) + "` |\n";
  md_text +=
      "\n![loss vs epoch](loss_vs_epoch.svg)\n\n![loss vs data passes](loss_vs_passes.svg)\n\n"
      "![loss vs seconds](loss_vs_seconds.svg)\n\n![test accuracy vs epoch](accuracy_vs_epoch.svg)\n";
  write_file_atomically(dir / "report.md", md_text);

  std::vector<PlotSeries> by_epoch, by_passes, by_time, accuracy;
  const auto epoch = [](const EpochRecord& e) { return static_cast<double>(e.epoch); };
  const auto passes = [](const EpochRecord& e) { return e.data_passes; };
  const auto seconds = [](const EpochRecord& e) { return e.elapsed_seconds; };
  for (const auto& run : runs) {
    by_epoch.push_back(series(run, epoch, judged_loss));
    by_passes.push_back(series(run, passes, judged_loss));
    by_time.push_back(series(run, seconds, judged_loss));
    accuracy.push_back(series(run, epoch, [](const EpochRecord& e) { return e.test_accuracy; }));
  }
  const std::string y_label = objective ? "objective f(x)" : "training loss";
  write_file_atomically(dir / "loss_vs_epoch.svg", render_line_plot(by_epoch, {.title = "Training loss",
                                                                               .x_label = "epoch",
                                                                               .y_label = y_label,
                                                                               .log_y = true,
                                                                               .integer_x = true}));
  write_file_atomically(dir / "loss_vs_passes.svg",
                        render_line_plot(by_passes, {.title = "Training loss against data passes",
                                                     .x_label = "data passes (per-sample gradients / n)",
                                                     .y_label = y_label,
                                                     .log_y = true}));
  write_file_atomically(dir / "loss_vs_seconds.svg",
                        render_line_plot(by_time, {.title = "Training loss against wall time",
                                                   .x_label = "seconds",
                                                   .y_label = y_label,
                                                   .log_y = true}));
  write_file_atomically(
      dir / "accuracy_vs_epoch.svg",
      render_line_plot(accuracy,
                       {.title = "Test accuracy", .x_label = "epoch", .y_label = "test accuracy", .integer_x = true}));

  nlohmann::json results = nlohmann::json::array();
  for (const auto& run : runs) {
    nlohmann::json r = {{"label", run.label},
                        {"optimizer", run.optimizer},
                        {"estimator", run.estimator},
                        {"termination", to_string(run.termination)},
                        {"wall_seconds", run.wall_seconds},
                        {"epochs", nlohmann::json::array()}};
    for (const auto& e : run.history)
      r["epochs"].push_back(
          {{"epoch", e.epoch},
           {"train_loss", std::isfinite(e.train_loss) ? nlohmann::json(e.train_loss) : nullptr},
           {"test_accuracy", std::isfinite(e.test_accuracy) ? nlohmann::json(e.test_accuracy) : nullptr},
           {"objective", std::isfinite(e.objective) ? nlohmann::json(e.objective) : nullptr},
           {"data_passes", e.data_passes},
           {"elapsed_seconds", e.elapsed_seconds}});
    results.push_back(r);
  }
  write_file_atomically(dir / "results.json", results.dump(2) + "\n");
}

}  // namespace descent
