// The built-in models: one entry each, with the ModelSpec options it reads, its factory
// and its initialization. Adding a model is adding an entry here; the CLI's --model, the
// job file's [model].type, Python's descent.train and `descent list --kind model` find it.
#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "entry.hpp"

namespace descent::spec_detail {

namespace {

// The documentation of one ModelSpec option, from the defaults of ModelSpec itself.
ParameterDoc model_option(const std::string& name) {
  const ModelSpec d;
  ParameterDoc p;
  p.name = name;
  if (name == "hidden") {
    std::string widths;
    for (std::size_t h : d.hidden) {
      if (!widths.empty()) widths += ' ';
      widths += std::to_string(h);
    }
    p = {name, "sizes", widths, "every width >= 1", "widths of the hidden layers (--hidden 256 128)", 0, true};
  } else if (name == "activation") {
    p = {name, "name", d.activation, "relu, tanh or gelu", "the hidden layers' nonlinearity", 0, true};
  } else if (name == "num_classes") {
    p = {name,
         "integer",
         std::to_string(d.num_classes),
         "num_classes = 0 or num_classes >= 2",
         "K classes (labels 0..K-1); 0: the largest label + 1",
         1,
         true};
  } else if (name == "l2") {
    p = {name, "number", format_field_value(d.l2), "l2 >= 0", "lambda in lambda/2 |W|^2 (biases are not penalized)",
         -1,   true};
  } else if (name == "bias") {
    p = {name, "bool", format_field_value(d.bias), "", "fit an intercept", 0, false};
  } else if (name == "init_seed") {
    p = {name,
         "integer",
         std::to_string(d.init_seed),
         "0 <= init_seed < 2^64",
         "the stream of the initial weights (He / Glorot)",
         -1,
         true};
  }
  return p;
}

// `make<T>(spec, data)` builds the model; `initialize` (a template lambda too, or nullptr
// for models that start at zero) writes its starting parameters.
template <class MakeModel, class InitModel>
Entry model_entry(std::string name, std::string summary, std::string reference, std::string options,
                  const std::vector<std::string>& fields, MakeModel make, InitModel init) {
  Entry e;
  e.doc = {name, EntryKind::model, std::move(summary), std::move(reference), {}, std::move(options)};
  for (const auto& f : fields) e.doc.parameters.push_back(model_option(f));
  const auto make_as = [make]<class T>() -> ModelKind::Make<T> {
    return [make](const ModelSpec& s, const Dataset<T>& data) { return make.template operator()<T>(s, data); };
  };
  const auto init_as = [init]<class T>() -> ModelKind::Initialize<T> {
    if constexpr (std::is_same_v<InitModel, std::nullptr_t>) {
      return nullptr;
    } else {
      return
          [init](const Model<T>& m, Parameters<T>& p, std::uint64_t seed) { init.template operator()<T>(m, p, seed); };
    }
  };
  e.make = ModelKind(std::move(name), make_as.template operator()<float>(), make_as.template operator()<double>(),
                     init_as.template operator()<float>(), init_as.template operator()<double>());
  return e;
}

}  // namespace

std::vector<Entry> model_entries() {
  std::vector<Entry> v;
  v.push_back(model_entry(
      "least_squares", "linear least squares (ridge when l2 > 0): f_i = 1/2 (a_i . w + b - y_i)^2 + l2/2 |w|^2", "-",
      LinearModelOptions::kName, {"l2", "bias"},
      []<class T>(const ModelSpec& s, const Dataset<T>& data) -> std::unique_ptr<Model<T>> {
        return std::make_unique<LeastSquares<T>>(data, LinearModelOptions{.l2 = s.l2, .bias = s.bias});
      },
      nullptr));
  v.push_back(model_entry(
      "logistic", "binary logistic regression; labels 1 positive, 0 or -1 negative", "-", LinearModelOptions::kName,
      {"l2", "bias"},
      []<class T>(const ModelSpec& s, const Dataset<T>& data) -> std::unique_ptr<Model<T>> {
        return std::make_unique<LogisticRegression<T>>(data, LinearModelOptions{.l2 = s.l2, .bias = s.bias});
      },
      nullptr));
  v.push_back(model_entry(
      "mlp", "multilayer perceptron classifier with softmax cross-entropy (labels 0..K-1), exact backpropagation",
      "He et al., ICCV 2015 (ReLU initialization); Glorot & Bengio, AISTATS 2010", MlpOptions::kName,
      {"hidden", "activation", "num_classes", "l2", "init_seed"},
      []<class T>(const ModelSpec& s, const Dataset<T>& data) -> std::unique_ptr<Model<T>> {
        return std::make_unique<Mlp<T>>(data,
                                        MlpOptions{s.hidden, parse_activation(s.activation), s.num_classes, s.l2});
      },
      []<class T>(const Model<T>& m, Parameters<T>& p, std::uint64_t seed) {
        static_cast<const Mlp<T>&>(m).initialize(p, seed);
      }));
  v.push_back(model_entry(
      "softmax", "multinomial logistic regression over K classes (labels 0..K-1)", "-", SoftmaxRegressionOptions::kName,
      {"num_classes", "l2", "bias"},
      []<class T>(const ModelSpec& s, const Dataset<T>& data) -> std::unique_ptr<Model<T>> {
        return std::make_unique<SoftmaxRegression<T>>(data, SoftmaxRegressionOptions{s.num_classes, s.l2, s.bias});
      },
      nullptr));
  return v;
}

}  // namespace descent::spec_detail

namespace descent {

const ModelKind& find_model_kind(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& e : spec_detail::entries()) {
    if (e.doc.kind != EntryKind::model) continue;
    if (e.doc.name == name) return std::get<ModelKind>(e.make);
    names.push_back(e.doc.name);
  }
  throw ConfigError("unknown model '" + std::string(name) + "'" + suggestion(name, names));
}

}  // namespace descent
