#include "evaluate_command.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <type_traits>

#include "descent/core/error.hpp"
#include "descent/run/model_file.hpp"
#include "exit_codes.hpp"

namespace descent::cli {
namespace {

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// Logistic regression's classes are its negative label and 1; the others' are indices.
std::string class_name(std::size_t c, double negative_label, bool binary) {
  if (binary) return c == 1 ? "1" : format_number(negative_label);
  return std::to_string(c);
}

void print_text(const ModelEvaluation& e, const std::string& model_name, double negative_label, bool binary) {
  std::printf("model: %s\nsamples: %zu\nmean loss: %.6g\n", model_name.c_str(), e.samples, e.mean_loss);
  if (std::isfinite(e.rmse)) std::printf("rmse: %.6g\n", e.rmse);
  if (e.classes == 0) return;
  std::printf("accuracy: %.6g\n", e.accuracy);
  std::printf("confusion matrix (rows: true class, columns: predicted class):\n%8s", "");
  for (std::size_t c = 0; c < e.classes; ++c) std::printf(" %8s", class_name(c, negative_label, binary).c_str());
  std::printf("\n");
  for (std::size_t r = 0; r < e.classes; ++r) {
    std::printf("%8s", class_name(r, negative_label, binary).c_str());
    for (std::size_t c = 0; c < e.classes; ++c) std::printf(" %8zu", e.confusion[r * e.classes + c]);
    std::printf("\n");
  }
  std::printf("per-class accuracy:\n");
  for (std::size_t c = 0; c < e.classes; ++c) {
    if (std::isfinite(e.class_accuracy[c]))
      std::printf("%8s %.6g\n", class_name(c, negative_label, binary).c_str(), e.class_accuracy[c]);
    else
      std::printf("%8s (no rows)\n", class_name(c, negative_label, binary).c_str());
  }
}

nlohmann::json to_json(const ModelEvaluation& e, const std::string& model_name) {
  nlohmann::json j = {{"model", model_name},
                      {"samples", e.samples},
                      {"mean_loss", e.mean_loss},
                      {"accuracy", finite_or_null(e.accuracy)},
                      {"rmse", finite_or_null(e.rmse)}};
  if (e.classes > 0) {
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t r = 0; r < e.classes; ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (std::size_t c = 0; c < e.classes; ++c) row.push_back(e.confusion[r * e.classes + c]);
      rows.push_back(row);
    }
    j["confusion"] = rows;
    nlohmann::json per_class = nlohmann::json::array();
    for (double a : e.class_accuracy) per_class.push_back(finite_or_null(a));
    j["class_accuracy"] = per_class;
  }
  return j;
}

}  // namespace

CLI::App* add_evaluate_command(CLI::App& app, EvaluateArgs& args) {
  CLI::App* c = app.add_subcommand(
      "evaluate", "Loss, accuracy, confusion matrix and per-class accuracy of a saved model on labeled data");
  c->add_option("-m,--model", args.model, "model file written by `descent train` (model.npz)")->required();
  c->add_option("-d,--data", args.data, "the labeled data file")->required();
  c->add_option("--labels", args.labels, "idx, npy: the labels file");
  c->add_flag("--json", args.json, "print one JSON object instead of text");
  add_data_file_options(*c, args.file);
  c->footer(
      "Example:\n  descent evaluate --model runs/train/model.npz --data test.libsvm\n"
      "Labels are read as in training: a logistic model trained one class against the rest maps\n"
      "that class to 1 and every other label to the negative class.");
  return c;
}

int run_evaluate(const EvaluateArgs& args) {
  const LoadedModel loaded = load_model(args.model);
  DatasetSpec spec;
  spec.path = args.data;
  spec.labels_path = args.labels;
  apply_data_file_options(args.file, spec);
  std::visit(
      [&](const auto& model) {
        using T = typename std::decay_t<decltype(model.parameters())>::value_type;
        const ModelEvaluation e = model.evaluate(read_for_model<T>(model, spec));
        const bool binary = model.num_classes() == 2 && model.model().num_outputs() == 1;
        if (args.json)
          std::printf("%s\n", to_json(e, model.model().name()).dump(2).c_str());
        else
          print_text(e, model.model().name(), model.label_encoding().negative_label, binary);
      },
      loaded);
  return kExitOk;
}

}  // namespace descent::cli
