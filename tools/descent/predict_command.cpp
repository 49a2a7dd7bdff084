#include "predict_command.hpp"

#include <charconv>
#include <cstdio>
#include <type_traits>

#include "descent/core/atomic_file.hpp"
#include "descent/run/model_file.hpp"
#include "exit_codes.hpp"

namespace descent::cli {
namespace {

// The shortest text that reads back as the same T.
template <class T>
void append_number(std::string& out, T value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

template <class T>
std::string predictions_csv(const TrainedModel<T>& model, const Dataset<T>& data, bool proba) {
  const std::vector<T> predictions = model.predict(Dataset<T>(data));
  const bool with_proba = proba && model.is_classifier();
  const std::size_t classes = model.num_classes();
  std::vector<double> probabilities;
  if (with_proba) probabilities = model.predict_proba(Dataset<T>(data));
  std::string out = "prediction";
  if (with_proba)
    for (std::size_t c = 0; c < classes; ++c) out += ",proba_" + std::to_string(c);
  out += '\n';
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    append_number(out, predictions[i]);
    if (with_proba)
      for (std::size_t c = 0; c < classes; ++c) {
        out += ',';
        append_number(out, probabilities[i * classes + c]);
      }
    out += '\n';
  }
  return out;
}

}  // namespace

CLI::App* add_predict_command(CLI::App& app, PredictArgs& args) {
  CLI::App* c = app.add_subcommand("predict", "Predict the rows of a data file with a saved model");
  c->add_option("-m,--model", args.model, "model file written by `descent train` (model.npz)")->required();
  c->add_option("-d,--data", args.data, "the data file (its labels, if any, are not used)")->required();
  c->add_option("--labels", args.labels, "idx, npy: the labels file (optional)");
  c->add_option("-o,--output", args.output, "write the CSV here (atomically) instead of to stdout");
  c->add_flag("--no-proba", args.no_proba, "classifiers: only the predicted class, no probability columns");
  add_data_file_options(*c, args.file);
  c->footer(
      "Example:\n  descent predict --model runs/train/model.npz --data new.csv --output predictions.csv\n"
      "Columns: prediction (the fitted value, the class index, or for logistic regression 1 / the\n"
      "negative label), then proba_0 .. proba_{K-1} for classifiers (logistic: proba_1 = P(positive)).\n"
      "CSV data to predict on has no label column unless --label-column names one.");
  return c;
}

int run_predict(const PredictArgs& args) {
  const LoadedModel loaded = load_model(args.model);
  DatasetSpec spec;
  spec.path = args.data;
  spec.labels_path = args.labels;
  apply_data_file_options(args.file, spec);
  // CSV rows to predict usually lack the label; one named by --label-column is skipped.
  spec.unlabeled = args.labels.empty() && !args.file.label_column;
  const std::string csv = std::visit(
      [&](const auto& model) {
        using T = typename std::decay_t<decltype(model.parameters())>::value_type;
        const Dataset<T> data = read_for_model<T>(model, spec);
        return predictions_csv<T>(model, data, !args.no_proba);
      },
      loaded);
  if (args.output)
    write_file_atomically(*args.output, csv);
  else
    std::fwrite(csv.data(), 1, csv.size(), stdout);
  return kExitOk;
}

}  // namespace descent::cli
