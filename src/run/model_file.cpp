#include "descent/run/model_file.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <type_traits>

#include "descent/core/atomic_file.hpp"
#include "descent/core/error.hpp"
#include "descent/data/npz_archive.hpp"

namespace descent {
namespace {

constexpr const char* kFormat = "descent-model";
constexpr int kVersion = 1;

using Json = nlohmann::json;

template <class T>
constexpr const char* dtype_name() {
  return std::is_same_v<T, float> ? "float32" : "float64";
}

std::vector<std::uint64_t> shape_of(const std::vector<std::size_t>& shape) { return {shape.begin(), shape.end()}; }

// The statistics entries of each preprocessing kind.
std::pair<const char*, const char*> statistics_names(const std::string& kind) {
  if (kind == "scale") return {"preprocess.min", "preprocess.max"};
  return {"preprocess.mean", "preprocess.std"};
}

// Reads the metadata's fields with messages that name the file and the field.
class Metadata {
 public:
  Metadata(const std::string& path, Json json) : path_(path), json_(std::move(json)) {}

  [[noreturn]] void fail(const std::string& why) const { throw FormatError(path_ + ": " + why); }

  const Json& at(const Json& object, const char* key, const char* where) const {
    if (!object.is_object() || !object.contains(key)) fail(std::string("metadata: missing '") + key + "' in " + where);
    return object.at(key);
  }
  std::string text(const Json& object, const char* key, const char* where) const {
    const Json& v = at(object, key, where);
    if (!v.is_string()) fail(std::string("metadata: '") + key + "' in " + where + " must be a string");
    return v.get<std::string>();
  }
  double number(const Json& object, const char* key, const char* where) const {
    const Json& v = at(object, key, where);
    if (!v.is_number()) fail(std::string("metadata: '") + key + "' in " + where + " must be a number");
    return v.get<double>();
  }
  std::uint64_t count(const Json& object, const char* key, const char* where) const {
    const Json& v = at(object, key, where);
    if (!v.is_number_unsigned()) fail(std::string("metadata: '") + key + "' in " + where + " must be an integer >= 0");
    return v.get<std::uint64_t>();
  }
  bool flag(const Json& object, const char* key, const char* where) const {
    const Json& v = at(object, key, where);
    if (!v.is_boolean()) fail(std::string("metadata: '") + key + "' in " + where + " must be true or false");
    return v.get<bool>();
  }
  const Json& root() const noexcept { return json_; }

 private:
  const std::string& path_;
  Json json_;
};

Metadata read_metadata(const std::string& path, const NpzArchive& archive) {
  if (!archive.contains("metadata"))
    throw FormatError(path + ": not a descent model file (no 'metadata' entry; its entries: " + [&] {
      std::string names;
      for (const auto& n : archive.names()) names += (names.empty() ? "" : ", ") + n;
      return names.empty() ? std::string("none") : names;
    }() + ")");
  const NpyArray<double> raw = archive.read<double>("metadata");
  if (raw.descr != "|u1" || raw.shape.size() != 1)
    throw FormatError(path + ": metadata: expected a 1-d uint8 array of JSON text, found dtype '" + raw.descr + "'");
  std::string text(raw.values.size(), '\0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(static_cast<unsigned char>(raw.values[i]));
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) throw FormatError(path + ": metadata: not a JSON object");
  Metadata meta(path, std::move(json));
  if (!meta.root().contains("format") || meta.root().at("format") != kFormat)
    meta.fail(std::string("not a descent model file (metadata 'format' is not \"") + kFormat + "\")");
  const std::uint64_t version = meta.count(meta.root(), "version", "the metadata");
  if (version == 0 || version > static_cast<std::uint64_t>(kVersion))
    meta.fail("model file version " + std::to_string(version) + ": this descent reads version " +
              std::to_string(kVersion) + (version > kVersion ? " (the file is newer: update descent)" : ""));
  return meta;
}

template <class T>
TrainedModel<T> load_typed(const NpzArchive& archive, const Metadata& meta) {
  const Json& root = meta.root();
  const Json& m = meta.at(root, "model", "the metadata");
  ModelSpec spec;
  spec.kind = meta.text(m, "kind", "'model'");
  spec.activation = meta.text(m, "activation", "'model'");
  spec.num_classes = meta.count(m, "num_classes", "'model'");
  spec.l2 = meta.number(m, "l2", "'model'");
  spec.bias = meta.flag(m, "bias", "'model'");
  spec.init_seed = meta.count(m, "init_seed", "'model'");
  const Json& hidden = meta.at(m, "hidden", "'model'");
  if (!hidden.is_array()) meta.fail("metadata: 'hidden' in 'model' must be a list of widths");
  spec.hidden.clear();
  for (const Json& w : hidden) {
    if (!w.is_number_unsigned()) meta.fail("metadata: 'hidden' in 'model' must be a list of widths");
    spec.hidden.push_back(w.get<std::size_t>());
  }
  const std::size_t features = meta.count(root, "features", "the metadata");

  const Json& l = meta.at(root, "labels", "the metadata");
  LabelEncoding labels;
  labels.negative_label = meta.number(l, "negative_label", "'labels'");
  const Json& positive = meta.at(l, "positive_class", "'labels'");
  if (positive.is_number_integer())
    labels.positive_class = positive.get<std::int64_t>();
  else if (!positive.is_null())
    meta.fail("metadata: 'positive_class' in 'labels' must be an integer or null");

  const Json& p = meta.at(root, "preprocess", "the metadata");
  FittedPreprocessing preprocessing;
  preprocessing.kind = meta.text(p, "kind", "'preprocess'");
  preprocessing.center = meta.flag(p, "center", "'preprocess'");
  if (preprocessing.kind != "none") {
    if (preprocessing.kind != "scale" && preprocessing.kind != "standardize")
      meta.fail("metadata: unknown preprocess kind '" + preprocessing.kind + "'");
    const auto [first, second] = statistics_names(preprocessing.kind);
    for (const char* name : {first, second}) {
      if (!archive.contains(name)) meta.fail(std::string("missing entry '") + name + "'");
      const NpyArray<double> stats = archive.read<double>(name);
      if (stats.shape != std::vector<std::uint64_t>{features})
        meta.fail(std::string("entry '") + name + "' has " + std::to_string(stats.values.size()) +
                  " values, expected one per feature (" + std::to_string(features) + ")");
      (name == first ? preprocessing.first : preprocessing.second).assign(stats.values.begin(), stats.values.end());
    }
  }

  // The layout comes from the model the spec builds; the file's blocks must match it.
  const Json& blocks = meta.at(root, "blocks", "the metadata");
  if (!blocks.is_array()) meta.fail("metadata: 'blocks' must be a list");
  std::vector<std::pair<std::string, std::vector<std::uint64_t>>> listed;
  for (const Json& b : blocks) {
    const std::string name = meta.text(b, "name", "a block");
    const Json& shape = meta.at(b, "shape", "a block");
    std::vector<std::uint64_t> dims;
    if (!shape.is_array()) meta.fail("metadata: block '" + name + "': 'shape' must be a list");
    for (const Json& d : shape) {
      if (!d.is_number_unsigned()) meta.fail("metadata: block '" + name + "': 'shape' must be a list of sizes");
      dims.push_back(d.get<std::uint64_t>());
    }
    listed.emplace_back(name, std::move(dims));
  }

  ParameterLayout layout;
  try {
    layout = TrainedModel<T>::layout_of(spec, features, labels);
  } catch (const Error& e) {
    meta.fail(std::string("the model it describes cannot be built: ") + e.what());
  }
  if (listed.size() != layout.blocks().size())
    meta.fail("metadata lists " + std::to_string(listed.size()) + " parameter blocks, a " + spec.kind + " model has " +
              std::to_string(layout.blocks().size()));
  Parameters<T> params(layout);
  for (std::size_t b = 0; b < listed.size(); ++b) {
    const BlockInfo& block = layout.blocks()[b];
    const std::vector<std::uint64_t> expected = shape_of(block.shape);
    if (listed[b].first != block.name || listed[b].second != expected)
      meta.fail("metadata: block " + std::to_string(b) + " is '" + listed[b].first + "', the model's is '" +
                block.name + "'");
    if (!archive.contains(block.name)) meta.fail("missing entry '" + block.name + "'");
    const NpyArray<T> values = archive.read<T>(block.name);
    if (values.descr != (std::is_same_v<T, float> ? "<f4" : "<f8"))
      meta.fail("entry '" + block.name + "' has dtype '" + values.descr + "', the metadata says " + dtype_name<T>());
    if (values.shape != expected) {
      std::string dims;
      for (auto d : values.shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
      std::string want;
      for (auto d : expected) want += (want.empty() ? "" : ", ") + std::to_string(d);
      meta.fail("entry '" + block.name + "' has shape (" + dims + "), the model needs (" + want + ")");
    }
    std::copy(values.values.begin(), values.values.end(), params.data() + block.offset);
  }
  try {
    TrainedModel<T> model(std::move(spec), features, std::move(preprocessing), labels, std::move(params));
    if (root.contains("training")) model.set_training_info(root.at("training").dump());
    return model;
  } catch (const MismatchError& e) {
    meta.fail(e.what());
  } catch (const ConfigError& e) {
    meta.fail(e.what());
  }
}

}  // namespace

template <class T>
std::string model_file_bytes(const TrainedModel<T>& model) {
  const ModelSpec& spec = model.spec();
  Json meta;
  meta["format"] = kFormat;
  meta["version"] = kVersion;
  meta["model"] = {
      {"kind", spec.kind}, {"hidden", spec.hidden}, {"activation", spec.activation}, {"num_classes", spec.num_classes},
      {"l2", spec.l2},     {"bias", spec.bias},     {"init_seed", spec.init_seed}};
  meta["features"] = model.features();
  meta["dtype"] = dtype_name<T>();
  const LabelEncoding& labels = model.label_encoding();
  meta["labels"] = {{"positive_class", labels.positive_class ? Json(*labels.positive_class) : Json(nullptr)},
                    {"negative_label", labels.negative_label}};
  const FittedPreprocessing& pre = model.preprocessing();
  meta["preprocess"] = {{"kind", pre.kind}, {"center", pre.center}};
  meta["blocks"] = Json::array();
  for (const BlockInfo& b : model.parameters().layout().blocks())
    meta["blocks"].push_back({{"name", b.name}, {"shape", b.shape}});
  Json training = Json::parse(model.training_info(), nullptr, false);
  meta["training"] = training.is_discarded() ? Json::object() : training;
  const std::string text = meta.dump(1);

  NpzWriter writer;
  writer.add<std::uint8_t>("metadata", {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()},
                           {text.size()});
  const Parameters<T>& params = model.parameters();
  for (const BlockInfo& b : params.layout().blocks())
    writer.add<T>(b.name, std::span<const T>(params.data() + b.offset, b.size), shape_of(b.shape));
  if (pre.kind != "none") {
    const auto [first, second] = statistics_names(pre.kind);
    writer.add<double>(first, pre.first, {pre.first.size()});
    writer.add<double>(second, pre.second, {pre.second.size()});
  }
  return writer.finish();
}

template <class T>
void save_model(const std::string& path, const TrainedModel<T>& model) {
  write_file_atomically(path, model_file_bytes(model));
}

namespace {
LoadedModel load_archive(const std::string& path, const NpzArchive& archive) {
  const Metadata meta = read_metadata(path, archive);
  const std::string dtype = meta.text(meta.root(), "dtype", "the metadata");
  if (dtype == "float32") return load_typed<float>(archive, meta);
  if (dtype == "float64") return load_typed<double>(archive, meta);
  meta.fail("metadata: dtype '" + dtype + "' (float32 or float64)");
}
}  // namespace

LoadedModel load_model(const std::string& path) { return load_archive(path, NpzArchive(path)); }

LoadedModel load_model_bytes(const std::string& name, std::string bytes) {
  return load_archive(name, NpzArchive(name, std::move(bytes)));
}

template <class T>
TrainedModel<T> load_model_as(const std::string& path) {
  LoadedModel loaded = load_model(path);
  if (auto* same = std::get_if<TrainedModel<T>>(&loaded)) return std::move(*same);
  return std::visit(
      [](auto& other) -> TrainedModel<T> {
        const auto& from = other.parameters();
        Parameters<T> params(from.layout());
        for (std::size_t i = 0; i < from.size(); ++i) params[i] = static_cast<T>(from[i]);
        TrainedModel<T> model(other.spec(), other.features(), other.preprocessing(), other.label_encoding(),
                              std::move(params));
        model.set_training_info(other.training_info());
        return model;
      },
      loaded);
}

template std::string model_file_bytes<float>(const TrainedModel<float>&);
template std::string model_file_bytes<double>(const TrainedModel<double>&);
template void save_model<float>(const std::string&, const TrainedModel<float>&);
template void save_model<double>(const std::string&, const TrainedModel<double>&);
template TrainedModel<float> load_model_as<float>(const std::string&);
template TrainedModel<double> load_model_as<double>(const std::string&);

}  // namespace descent
