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
  md_text += "- model: " + config.model.type;
  if (config.model.type == "mlp") {
    md_text += " (hidden";
    for (auto h : config.model.hidden) md_text += " " + std::to_string(h);
    md_text += ", " + config.model.activation + ")";
  }
  md_text += "\n- training: " + std::to_string(config.training.epochs) + " epochs, batch " +
             std::to_string(config.training.batch_size) + ", " + config.training.sampling + " sampling, seed " +
             std::to_string(config.training.seed) + ", " + config.training.precision + "\n";
  md_text += "- every run starts from the same initial parameters and draws the same batches\n\n";
  md_text += "| optimizer | final train loss | test accuracy | wall time (s) | time to loss " + cell(target, "%g") +
             " (s) | epochs to loss " + cell(target, "%g") + " | end |\n";
  md_text += "|---|---|---|---|---|---|---|\n";
  for (const auto& run : runs) {
    const EpochRecord* last = run.history.empty() ? nullptr : &run.history.back();
    double time_to = NAN, epochs_to = NAN;
    if (target > 0)
      for (const auto& e : run.history)
        if (e.train_loss <= target) {
          time_to = e.elapsed_seconds;
          epochs_to = static_cast<double>(e.epoch);
          break;
        }
    md_text += "| " + md(run.label) + " | " + cell(last ? last->train_loss : NAN, "%.4f") + " | " +
               cell(last ? last->test_accuracy : NAN, "%.4f") + " | " + cell(run.wall_seconds, "%.1f") + " | " +
               (target > 0 ? cell(time_to, "%.1f") : "-") + " | " + (target > 0 ? cell(epochs_to, "%.0f") : "-") +
               " | " + to_string(run.termination) + " |\n";
  }
  md_text +=
      "\nThe training loss of an epoch is the mean of its minibatch losses. Plots: "
      "[loss vs epoch](loss_vs_epoch.svg), [loss vs seconds](loss_vs_seconds.svg), "
      "[test accuracy vs epoch](accuracy_vs_epoch.svg).\n\n";
  md_text += "| label | optimizer spec |\n|---|---|\n";
  for (const auto& run : runs) md_text += "| " + md(run.label) + " | `" + run.optimizer + "` |\n";
  md_text +=
      "\n![training loss vs epoch](loss_vs_epoch.svg)\n\n![training loss vs seconds](loss_vs_seconds.svg)\n\n"
      "![test accuracy vs epoch](accuracy_vs_epoch.svg)\n";
  write_file_atomically(dir / "report.md", md_text);

  std::vector<PlotSeries> by_epoch, by_time, accuracy;
  const auto epoch = [](const EpochRecord& e) { return static_cast<double>(e.epoch); };
  const auto seconds = [](const EpochRecord& e) { return e.elapsed_seconds; };
  for (const auto& run : runs) {
    by_epoch.push_back(series(run, epoch, [](const EpochRecord& e) { return e.train_loss; }));
    by_time.push_back(series(run, seconds, [](const EpochRecord& e) { return e.train_loss; }));
    accuracy.push_back(series(run, epoch, [](const EpochRecord& e) { return e.test_accuracy; }));
  }
  write_file_atomically(dir / "loss_vs_epoch.svg", render_line_plot(by_epoch, {.title = "Training loss",
                                                                               .x_label = "epoch",
                                                                               .y_label = "training loss",
                                                                               .log_y = true,
                                                                               .integer_x = true}));
  write_file_atomically(dir / "loss_vs_seconds.svg",
                        render_line_plot(by_time, {.title = "Training loss against wall time",
                                                   .x_label = "seconds",
                                                   .y_label = "training loss",
                                                   .log_y = true}));
  write_file_atomically(
      dir / "accuracy_vs_epoch.svg",
      render_line_plot(accuracy,
                       {.title = "Test accuracy", .x_label = "epoch", .y_label = "test accuracy", .integer_x = true}));

  nlohmann::json results = nlohmann::json::array();
  for (const auto& run : runs) {
    nlohmann::json r = {{"label", run.label},
                        {"optimizer", run.optimizer},
                        {"termination", to_string(run.termination)},
                        {"wall_seconds", run.wall_seconds},
                        {"epochs", nlohmann::json::array()}};
    for (const auto& e : run.history)
      r["epochs"].push_back(
          {{"epoch", e.epoch},
           {"train_loss", std::isfinite(e.train_loss) ? nlohmann::json(e.train_loss) : nullptr},
           {"test_accuracy", std::isfinite(e.test_accuracy) ? nlohmann::json(e.test_accuracy) : nullptr},
           {"elapsed_seconds", e.elapsed_seconds}});
    results.push_back(r);
  }
  write_file_atomically(dir / "results.json", results.dump(2) + "\n");
}

}  // namespace descent
