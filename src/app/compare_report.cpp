#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "descent/app/jobs.hpp"
#include "descent/app/privacy_report.hpp"
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

// One compared method: its repetitions over seeds (one record without --seeds).
struct Method {
  const RunRecord* first = nullptr;
  std::vector<const RunRecord*> reps;
};

// Consecutive records of one label, repetitions 0, 1, ..., form one method.
std::vector<Method> methods_of(const std::vector<RunRecord>& runs) {
  std::vector<Method> methods;
  for (const auto& run : runs) {
    if (methods.empty() || run.repetition == 0 || run.label != methods.back().first->label)
      methods.push_back(Method{&run, {}});
    methods.back().reps.push_back(&run);
  }
  return methods;
}

struct Spread {
  double mean = NAN, std = NAN, min = NAN, max = NAN;
  std::size_t count = 0;  // finite values
};

// Mean, sample standard deviation (n - 1), min and max of the finite values.
Spread spread(const std::vector<double>& values) {
  Spread s;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      s.min = s.count == 0 ? v : std::min(s.min, v);
      s.max = s.count == 0 ? v : std::max(s.max, v);
      ++s.count;
    }
  if (s.count == 0) return s;
  s.mean = sum / static_cast<double>(s.count);
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - s.mean) * (v - s.mean);
  s.std = s.count > 1 ? std::sqrt(squares / static_cast<double>(s.count - 1)) : 0.0;
  return s;
}

// The method's curve: at each epoch index, the mean over the repetitions of get_x and of
// get_y, and (with repetitions) the min-max band of get_y.
template <class GetX, class GetY>
PlotSeries series(const Method& m, GetX get_x, GetY get_y) {
  PlotSeries s{m.first->label, {}, {}, {}, {}};
  std::size_t longest = 0;
  for (const RunRecord* r : m.reps) longest = std::max(longest, r->history.size());
  for (std::size_t i = 0; i < longest; ++i) {
    std::vector<double> xs, ys;
    for (const RunRecord* r : m.reps)
      if (i < r->history.size()) {
        xs.push_back(get_x(r->history[i]));
        ys.push_back(get_y(r->history[i]));
      }
    const Spread x = spread(xs), y = spread(ys);
    s.x.push_back(x.mean);
    s.y.push_back(y.mean);
    if (m.reps.size() > 1) {
      s.lower.push_back(y.min);
      s.upper.push_back(y.max);
    }
  }
  return s;
}

// "mean ± std [min, max]" of a spread, each number with `format`.
std::string spread_cell(const Spread& s, const char* format) {
  if (s.count == 0) return "-";
  return cell(s.mean, format) + " ± " + cell(s.std, format) + " [" + cell(s.min, format) + ", " + cell(s.max, format) +
         "]";
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
    for (auto h : config.model.hidden) {
      md_text += ' ';
      md_text += std::to_string(h);
    }
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
  const std::vector<Method> methods = methods_of(runs);
  const std::size_t seeds = config.compare.seeds;
  if (seeds > 1)
    md_text +=
        "- " + std::to_string(seeds) + " repetitions per run (seeds " + std::to_string(config.training.seed) + ".." +
        std::to_string(config.training.seed + seeds - 1) +
        ", the same for every run): mean ± std [min, max] over them; plots: the mean, shaded from min to max\n\n";
  const double fstar = config.compare.reference_optimum;
  const bool gap = std::isfinite(fstar);
  if (gap)
    md_text +=
        "- reference optimum f* = " + format_number(fstar) +
        (config.compare.reference_source.empty() ? std::string() : " (" + config.compare.reference_source + ")") +
        ": the loss plots show f - f* (points at or below f* are left out of the log axis)\n\n";
  md_text += "| run | final " + loss_name + (gap ? std::string(" | final f - f*") : std::string()) +
             " | test accuracy | data passes | wall time (s) | time to loss " + cell(target, "%g") +
             " (s) | epochs to loss " + cell(target, "%g") + " | passes to loss " + cell(target, "%g") + " | end |\n";
  md_text += std::string(gap ? "|---" : "") + "|---|---|---|---|---|---|---|---|---|\n";
  for (const Method& m : methods) {
    std::vector<double> loss, accuracy, passes, wall, time_to, epochs_to, passes_to;
    std::string ends;
    for (const RunRecord* run : m.reps) {
      const EpochRecord* last = run->history.empty() ? nullptr : &run->history.back();
      loss.push_back(last ? judged_loss(*last) : NAN);
      accuracy.push_back(last ? last->test_accuracy : NAN);
      passes.push_back(last ? last->data_passes : NAN);
      wall.push_back(run->wall_seconds);
      double t = NAN, e_to = NAN, p_to = NAN;
      if (target > 0)
        for (const auto& e : run->history)
          if (judged_loss(e) <= target) {
            t = e.elapsed_seconds;
            e_to = e.progress;
            p_to = e.data_passes;
            break;
          }
      time_to.push_back(t);
      epochs_to.push_back(e_to);
      passes_to.push_back(p_to);
      const std::string end = to_string(run->termination);
      if (ends.find(end) == std::string::npos) ends += (ends.empty() ? "" : ", ") + end;
    }
    const bool repeated = m.reps.size() > 1;
    const auto one = [&](const std::vector<double>& v, const char* format) {
      return repeated ? spread_cell(spread(v), format) : cell(v[0], format);
    };
    // With repetitions, "reached" counts those that got to the target; the mean is over them.
    const auto reached = [&](const std::vector<double>& v, const char* format) {
      if (target <= 0) return std::string("-");
      if (!repeated) return cell(v[0], format);
      const Spread s = spread(v);
      return cell(s.mean, format) + " (" + std::to_string(s.count) + "/" + std::to_string(v.size()) + ")";
    };
    std::vector<double> gaps;
    for (double v : loss) gaps.push_back(v - fstar);
    md_text += "| " + md(m.first->label) + " | " + one(loss, objective ? "%.10g" : "%.4f") + " | " +
               (gap ? one(gaps, "%.3e") + " | " : std::string()) + one(accuracy, "%.4f") + " | " +
               cell(spread(passes).mean, "%.1f") + " | " + one(wall, "%.1f") + " | " + reached(time_to, "%.1f") +
               " | " + reached(epochs_to, "%.1f") + " | " + reached(passes_to, "%.1f") + " | " + ends + " |\n";
  }
  // Time and epochs to a test accuracy, as a table of its own: with repetitions, the mean over
  // the runs that reached it and how many did.
  const double accuracy_target = config.compare.target_accuracy;
  if (accuracy_target > 0) {
    const std::string level = cell(accuracy_target, "%g");
    md_text += "\n| run | epochs to test accuracy " + level + " | time to test accuracy " + level +
               " (s) | best test accuracy |\n|---|---|---|---|\n";
    for (const Method& m : methods) {
      std::vector<double> epochs_to, time_to, best;
      for (const RunRecord* run : m.reps) {
        double e_to = NAN, t_to = NAN, top = NAN;
        for (const auto& e : run->history) {
          if (std::isfinite(e.test_accuracy))
            top = std::isfinite(top) ? std::max(top, e.test_accuracy) : e.test_accuracy;
          if (!std::isfinite(e_to) && e.test_accuracy >= accuracy_target) {
            e_to = e.progress;
            t_to = e.elapsed_seconds;
          }
        }
        epochs_to.push_back(e_to);
        time_to.push_back(t_to);
        best.push_back(top);
      }
      const auto reached = [&](const std::vector<double>& v, const char* format) {
        if (v.size() == 1) return cell(v[0], format);
        const Spread s = spread(v);
        return cell(s.mean, format) + " (" + std::to_string(s.count) + "/" + std::to_string(v.size()) + ")";
      };
      md_text += "| " + md(m.first->label) + " | " + reached(epochs_to, "%.1f") + " | " + reached(time_to, "%.1f") +
                 " | " + (best.size() == 1 ? cell(best[0], "%.4f") : spread_cell(spread(best), "%.4f")) + " |\n";
    }
  }
  // Private runs: what each spent (the first repetition's ledger; repetitions differ only in seed).
  bool private_runs = false;
  for (const Method& m : methods)
    if (m.first->privacy) {
      if (!private_runs) md_text += "\nPrivacy, by the " + config.privacy.accountant + " accountant:\n\n";
      private_runs = true;
      md_text +=
          "- " + md(m.first->label) + ": " + privacy_summary(privacy_report(config.privacy, *m.first->privacy)) + "\n";
    }
  md_text +=
      "\nPlots: [loss vs epoch](loss_vs_epoch.svg), [loss vs data passes](loss_vs_passes.svg), "
      "[loss vs seconds](loss_vs_seconds.svg), [test accuracy vs epoch](accuracy_vs_epoch.svg).\n\n";
  md_text += "| label | optimizer spec | estimator |\n|---|---|---|\n";
  for (const Method& m : methods)
    md_text += "| " + md(m.first->label) + " | `" + m.first->optimizer + "` | `" + md(m.first->estimator) + "` |\n";
  md_text +=
      "\n![loss vs epoch](loss_vs_epoch.svg)\n\n![loss vs data passes](loss_vs_passes.svg)\n\n"
      "![loss vs seconds](loss_vs_seconds.svg)\n\n![test accuracy vs epoch](accuracy_vs_epoch.svg)\n";
  write_file_atomically(dir / "report.md", md_text);

  std::vector<PlotSeries> by_epoch, by_passes, by_time, accuracy;
  const auto epoch = [](const EpochRecord& e) { return e.progress; };
  const bool whole_epochs = config.compare.evals_per_epoch == 1;
  const auto passes = [](const EpochRecord& e) { return e.data_passes; };
  const auto seconds = [](const EpochRecord& e) { return e.elapsed_seconds; };
  const auto plotted = [&](const EpochRecord& e) { return gap ? judged_loss(e) - fstar : judged_loss(e); };
  for (const Method& m : methods) {
    by_epoch.push_back(series(m, epoch, plotted));
    by_passes.push_back(series(m, passes, plotted));
    by_time.push_back(series(m, seconds, plotted));
    accuracy.push_back(series(m, epoch, [](const EpochRecord& e) { return e.test_accuracy; }));
  }
  const std::string y_label =
      gap ? (objective ? "f(x) - f*" : "training loss - f*") : (objective ? "objective f(x)" : "training loss");
  write_file_atomically(dir / "loss_vs_epoch.svg", render_line_plot(by_epoch, {.title = "Training loss",
                                                                               .x_label = "epoch",
                                                                               .y_label = y_label,
                                                                               .log_y = true,
                                                                               .integer_x = whole_epochs}));
  write_file_atomically(dir / "loss_vs_passes.svg",
                        render_line_plot(by_passes, {.title = "Training loss against data passes",
                                                     .x_label = "data passes (per-sample gradients / n)",
                                                     .y_label = y_label,
                                                     .log_y = true}));
  write_file_atomically(
      dir / "loss_vs_seconds.svg",
      render_line_plot(
          by_time,
          {.title = "Training loss against wall time", .x_label = "seconds", .y_label = y_label, .log_y = true}));
  write_file_atomically(dir / "accuracy_vs_epoch.svg", render_line_plot(accuracy, {.title = "Test accuracy",
                                                                                   .x_label = "epoch",
                                                                                   .y_label = "test accuracy",
                                                                                   .integer_x = whole_epochs}));

  nlohmann::json results = nlohmann::json::array();
  for (const auto& run : runs) {
    nlohmann::json r = {{"label", run.label},
                        {"repetition", run.repetition},
                        {"optimizer", run.optimizer},
                        {"estimator", run.estimator},
                        {"termination", to_string(run.termination)},
                        {"wall_seconds", run.wall_seconds},
                        {"epochs", nlohmann::json::array()}};
    if (run.privacy) r["privacy"] = privacy_report(config.privacy, *run.privacy);
    for (const auto& e : run.history)
      r["epochs"].push_back(
          {{"epoch", e.epoch},
           {"progress", e.progress},
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
