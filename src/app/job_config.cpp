#include "descent/app/job_config.hpp"

#include <toml++/toml.h>
#include <cmath>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "descent/core/atomic_file.hpp"
#include "descent/core/error.hpp"
#include "descent/core/suggest.hpp"
#include "descent/privacy/make_accountant.hpp"
#include "descent/run/run_spec.hpp"
#include "descent/spec/registry.hpp"
#include "descent/spec/spec_parser.hpp"

namespace descent {

namespace {

// Reads one TOML table, key by key, remembering which keys were used so that any other
// key is reported as unknown.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string name, const std::string& source)
      : table_(table), name_(std::move(name)), source_(source), top_level_(name_.empty()) {}

  // A number, or the string "auto" (sets `is_auto`).
  void number_or_auto(const char* key, double& out, bool& is_auto) {
    if (auto* node = find(key); node && node->is_string()) {
      if (**node->as_string() != "auto") type_error(*node, key, "a number or \"auto\"");
      is_auto = true;
      return;
    }
    number(key, out);
  }

  void string(const char* key, std::string& out) {
    if (auto* node = find(key)) {
      if (!node->is_string()) type_error(*node, key, "a string");
      out = **node->as_string();
    }
  }
  void boolean(const char* key, bool& out) {
    if (auto* node = find(key)) {
      if (!node->is_boolean()) type_error(*node, key, "true or false");
      out = **node->as_boolean();
    }
  }
  void number(const char* key, double& out) {
    if (auto* node = find(key)) {
      if (node->is_integer())
        out = static_cast<double>(**node->as_integer());
      else if (node->is_floating_point())
        out = **node->as_floating_point();
      else
        type_error(*node, key, "a number");
    }
  }
  template <class Integer>
  void integer(const char* key, Integer& out, std::int64_t min) {
    if (auto* node = find(key)) {
      if (!node->is_integer()) type_error(*node, key, "an integer");
      const std::int64_t v = **node->as_integer();
      if (v < min)
        fail(*node,
             "[" + name_ + "]." + key + " = " + std::to_string(v) + " violates " + key + " >= " + std::to_string(min));
      out = static_cast<Integer>(v);
    }
  }
  void strings(const char* key, std::vector<std::string>& out) {
    if (auto* node = find(key)) {
      const toml::array* array = node->as_array();
      if (!array) type_error(*node, key, "an array of strings");
      out.clear();
      for (const auto& item : *array) {
        if (!item.is_string()) type_error(item, key, "an array of strings");
        out.push_back(**item.as_string());
      }
    }
  }
  void sizes(const char* key, std::vector<std::size_t>& out) {
    if (auto* node = find(key)) {
      const toml::array* array = node->as_array();
      if (!array) type_error(*node, key, "an array of positive integers");
      out.clear();
      for (const auto& item : *array) {
        if (!item.is_integer() || **item.as_integer() < 1) type_error(item, key, "an array of positive integers");
        out.push_back(static_cast<std::size_t>(**item.as_integer()));
      }
    }
  }
  // A sub-table such as [data.train]; null when absent.
  const toml::table* table(const char* key) {
    if (auto* node = find(key)) {
      if (!node->is_table()) type_error(*node, key, "a table");
      return node->as_table();
    }
    return nullptr;
  }

  // An array of tables such as [[optimizer.groups]]; empty when absent.
  std::vector<const toml::table*> tables(const char* key) {
    std::vector<const toml::table*> out;
    if (auto* node = find(key)) {
      const toml::array* array = node->as_array();
      if (!array) type_error(*node, key, "an array of tables ([[" + name_ + "." + key + "]])");
      for (const auto& item : *array) {
        if (!item.is_table()) type_error(item, key, "an array of tables ([[" + name_ + "." + key + "]])");
        out.push_back(item.as_table());
      }
    }
    return out;
  }
  // Where the table starts, for messages about the table as a whole.
  std::string position() const {
    if (!table_) return source_;
    const auto& where = table_->source().begin;
    return source_ + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  }

  // Every key of the table must have been asked for.
  void finish() const {
    if (!table_) return;
    for (const auto& [key, node] : *table_) {
      const std::string k(key.str());
      if (used_.count(k)) continue;
      std::vector<std::string> known(asked_.begin(), asked_.end());
      const auto& where = key.source().begin;  // the key's own position, not its value's
      throw ConfigError(source_ + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                        (top_level_ ? ": unknown table [" + k + "]" : ": unknown key '" + k + "' in [" + name_ + "]") +
                        suggestion(k, known));
    }
  }

  [[noreturn]] void fail(const toml::node& node, const std::string& message) const {
    const auto& where = node.source().begin;
    throw ConfigError(source_ + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " + message);
  }

 private:
  const toml::node* find(const char* key) {
    asked_.insert(key);
    if (!table_) return nullptr;
    const toml::node* node = table_->get(key);
    if (node) used_.insert(key);
    return node;
  }
  [[noreturn]] void type_error(const toml::node& node, const char* key, const std::string& expected) const {
    fail(node, "[" + name_ + "]." + key + " must be " + expected);
  }

  const toml::table* table_;
  std::string name_;
  const std::string& source_;
  bool top_level_;  // the root: its keys are tables
  std::set<std::string> asked_, used_;
};

void read_dataset_spec(TableReader& parent, const char* key, const std::string& source, DatasetSpec& spec,
                       const std::string& name) {
  TableReader t(parent.table(key), name + "." + key, source);
  t.string("format", spec.format);
  t.string("path", spec.path);
  t.string("labels", spec.labels_path);
  t.string("label_column", spec.csv.label_name);
  t.boolean("header", spec.csv.has_header);
  t.boolean("zero_based", spec.libsvm.zero_based);
  t.finish();
}

// [[optimizer.groups]] tables (match, ndim, spec): a transform per group of parameter
// blocks. They make the optimizer partition(group(...), ..., default=<[optimizer].spec>),
// so the config says in tables what the spec grammar says in one line. Each group's spec
// is parsed here, so that an error in it names the file and the table it is in.
void read_optimizer_groups(TableReader& optimizer, const std::string& source, std::string& spec) {
  const auto groups = optimizer.tables("groups");
  if (groups.empty()) return;
  std::string composed = "partition(";
  for (std::size_t k = 0; k < groups.size(); ++k) {
    const std::string name = "optimizer.groups[" + std::to_string(k + 1) + "]";
    TableReader g(groups[k], name, source);
    std::string match = "*", transform;
    std::int64_t ndim = -1;
    g.string("match", match);
    g.integer("ndim", ndim, -1);
    g.string("spec", transform);
    g.finish();
    if (transform.empty()) throw ConfigError(g.position() + ": [" + name + "] needs spec = \"<transform>\"");
    std::string canonical;
    try {
      canonical = parse_transform(transform)->spec();
      composed += "group(match=" + quote_spec_string(match, "[" + name + "].match") + ", ndim=" + std::to_string(ndim) +
                  ", transform=" + canonical + "), ";
    } catch (const Error& e) {
      throw ConfigError(g.position() + ": [" + name + "]: " + e.what());
    }
  }
  spec = composed + "default=" + spec + ")";
}

// "<where>: " for a flag ("--model: 'mpl' ..."), "<where> = " for a key of a file
// ("job.toml: [model].type = 'mpl' ..."): JobConfig::origin says which.
std::string value_prefix(const JobConfig& c, const std::string& key) {
  const std::string where = c.origin(key);
  return where.starts_with("--") ? where + ": " : where + " = ";
}

void require_one_of(const JobConfig& c, const std::string& key, const std::string& value,
                    const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  throw ConfigError(value_prefix(c, key) + "'" + value + "' is not allowed" + suggestion(value, allowed));
}

void require_at_least(const JobConfig& c, const std::string& key, double value, double min, const char* name) {
  if (value >= min) return;
  throw ConfigError(value_prefix(c, key) + format_number(value) + " violates " + name + " >= " + format_number(min));
}

std::vector<std::string> model_kinds() {
  std::vector<std::string> names;
  for (const RegistryEntry* e : entries_of(EntryKind::model)) names.push_back(e->name);
  return names;
}

}  // namespace

void JobConfig::validate() const {
  require_one_of(*this, "[data].name", data.name, {"fashion-mnist", "synthetic", "files"});
  require_one_of(*this, "[data].preprocess", data.preprocess, {"scale", "standardize", "none"});
  require_one_of(*this, "[model].type", model.kind, model_kinds());
  require_one_of(*this, "[model].activation", model.activation, {"relu", "tanh", "gelu"});
  // The run layer's own list of samplings (run_spec.hpp), not a copy of it.
  parse_at(origin("[training].sampling"), [&] { return parse_sampling(training.sampling); });
  require_one_of(*this, "[training].precision", training.precision, {"float", "double"});
  if (data.name == "files" && data.train.path.empty())
    throw ConfigError(source + ": [data.train].path is required when [data].name = 'files'");
  require_at_least(*this, "[model].l2", model.l2, 0, "l2");
  require_at_least(*this, "[training].epochs", static_cast<double>(training.epochs), 1, "epochs");
  require_at_least(*this, "[training].batch_size", static_cast<double>(training.batch_size), 1, "batch_size");
  require_at_least(*this, "[compare].target_loss", compare.target_loss, 0, "target_loss");
  require_at_least(*this, "[compare].target_accuracy", compare.target_accuracy, 0, "target_accuracy");
  if (compare.target_accuracy > 1)
    throw ConfigError(value_prefix(*this, "[compare].target_accuracy") + format_number(compare.target_accuracy) +
                      " violates target_accuracy <= 1");
  require_at_least(*this, "[compare].seeds", static_cast<double>(compare.seeds), 1, "seeds");
  require_at_least(*this, "[compare].evals_per_epoch", static_cast<double>(compare.evals_per_epoch), 1,
                   "evals_per_epoch");
  const std::size_t runs = compare_runs();
  const auto pairs = [runs](std::size_t size) { return size == 0 || size == 1 || size == runs; };
  if (!pairs(compare.optimizers.size()) || !pairs(compare.estimators.size()))
    throw ConfigError(source + ": [compare].optimizers has " + std::to_string(compare.optimizers.size()) +
                      " entries and [compare].estimators " + std::to_string(compare.estimators.size()) +
                      ": give both the same number, or one of them a single entry");
  if (!compare.labels.empty() && compare.labels.size() != runs + compare.solvers.size())
    throw ConfigError(source + ": [compare].labels has " + std::to_string(compare.labels.size()) + " entries for " +
                      std::to_string(runs + compare.solvers.size()) + " runs");
  require_at_least(*this, "[solver].steps", static_cast<double>(solver_steps), 0, "steps");
  if (!(privacy.delta > 0 && privacy.delta < 1))
    throw ConfigError(value_prefix(*this, "[privacy].delta") + format_number(privacy.delta) +
                      " violates 0 < delta < 1");
  require_one_of(*this, "[privacy].accountant", privacy.accountant, accountant_names());
  if (!(distributed.timeout > 0 && std::isfinite(distributed.timeout)))
    throw ConfigError(value_prefix(*this, "[distributed].timeout") + format_number(distributed.timeout) +
                      " violates timeout > 0");
  if (data.synthetic_classes < 2) throw ConfigError(source + ": [data].synthetic_classes must be at least 2");
  require(model.num_classes != 1, "[model]", "num_classes", 1, "num_classes = 0 or num_classes >= 2");
}

std::string JobConfig::origin(const std::string& key) const {
  const auto it = flags.find(key);
  return it != flags.end() ? it->second : source + ": " + key;
}

std::size_t JobConfig::compare_runs() const { return std::max(compare.optimizers.size(), compare.estimators.size()); }

const std::string& JobConfig::compare_optimizer(std::size_t k) const {
  if (compare.optimizers.empty()) return optimizer;
  return compare.optimizers.size() == 1 ? compare.optimizers[0] : compare.optimizers.at(k);
}

const std::string& JobConfig::compare_estimator(std::size_t k) const {
  if (compare.estimators.empty()) return estimator;
  return compare.estimators.size() == 1 ? compare.estimators[0] : compare.estimators.at(k);
}

JobConfig parse_job_config(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(source + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
                      std::string(e.description()));
  }
  JobConfig c;
  c.source = source;
  TableReader top(&root, "", source);

  TableReader data(top.table("data"), "data", source);
  data.string("name", c.data.name);
  data.string("dir", c.data.dir);
  data.string("preprocess", c.data.preprocess);
  data.integer("train_limit", c.data.train_limit, 0);
  data.integer("test_limit", c.data.test_limit, 0);
  data.integer("synthetic_samples", c.data.synthetic_samples, 2);
  data.integer("synthetic_features", c.data.synthetic_features, 1);
  data.integer("synthetic_classes", c.data.synthetic_classes, 2);
  read_dataset_spec(data, "train", source, c.data.train, "data");
  read_dataset_spec(data, "test", source, c.data.test, "data");
  data.finish();

  TableReader model(top.table("model"), "model", source);
  model.string("type", c.model.kind);
  model.sizes("hidden", c.model.hidden);
  model.string("activation", c.model.activation);
  model.number("l2", c.model.l2);
  model.integer("num_classes", c.model.num_classes, 0);
  model.boolean("bias", c.model.bias);
  if (std::int64_t positive = -1; model.integer("positive_class", positive, 0), positive >= 0)
    c.model.positive_class = positive;
  model.integer("init_seed", c.model.init_seed, 0);
  model.finish();

  TableReader optimizer(top.table("optimizer"), "optimizer", source);
  optimizer.string("spec", c.optimizer);
  read_optimizer_groups(optimizer, source, c.optimizer);
  optimizer.finish();

  TableReader estimator(top.table("estimator"), "estimator", source);
  estimator.string("spec", c.estimator);
  estimator.finish();

  TableReader solver(top.table("solver"), "solver", source);
  solver.string("spec", c.solver);
  solver.integer("steps", c.solver_steps, 0);
  solver.finish();

  TableReader training(top.table("training"), "training", source);
  training.integer("epochs", c.training.epochs, 1);
  training.integer("batch_size", c.training.batch_size, 1);
  training.string("sampling", c.training.sampling);
  training.integer("seed", c.training.seed, 0);
  training.integer("threads", c.training.threads, 0);
  training.string("precision", c.training.precision);
  training.boolean("full_objective", c.training.full_objective);
  training.string("average", c.training.average);
  training.string("stationarity_stop", c.training.stationarity_stop);
  training.strings("callbacks", c.training.callbacks);
  training.finish();

  TableReader output(top.table("output"), "output", source);
  output.string("dir", c.output.dir);
  output.boolean("checkpoint", c.output.checkpoint);
  output.string("model", c.output.model);
  output.finish();

  TableReader privacy(top.table("privacy"), "privacy", source);
  privacy.number("delta", c.privacy.delta);
  privacy.string("accountant", c.privacy.accountant);
  privacy.finish();

  TableReader distributed(top.table("distributed"), "distributed", source);
  distributed.string("method", c.distributed.method);
  distributed.number("timeout", c.distributed.timeout);
  distributed.finish();

  TableReader compare(top.table("compare"), "compare", source);
  compare.strings("optimizers", c.compare.optimizers);
  compare.strings("estimators", c.compare.estimators);
  compare.strings("solvers", c.compare.solvers);
  compare.strings("labels", c.compare.labels);
  compare.number("target_loss", c.compare.target_loss);
  compare.number("target_accuracy", c.compare.target_accuracy);
  compare.integer("seeds", c.compare.seeds, 1);
  compare.number_or_auto("reference_optimum", c.compare.reference_optimum, c.compare.reference_optimum_auto);
  compare.integer("reference_epochs_factor", c.compare.reference_epochs_factor, 1);
  compare.integer("evals_per_epoch", c.compare.evals_per_epoch, 1);
  compare.finish();

  top.finish();
  c.validate();
  return c;
}

JobConfig load_job_config(const std::string& path) {
  JobConfig c = parse_job_config(read_file(path), path);
  // Data paths written in the file are relative to the file, so a job file and its data
  // can move together; outputs stay relative to where the program runs.
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  const auto anchor = [&](std::string& p) {
    if (!p.empty() && std::filesystem::path(p).is_relative()) p = (folder / p).lexically_normal().string();
  };
  for (DatasetSpec* spec : {&c.data.train, &c.data.test}) {
    anchor(spec->path);
    anchor(spec->labels_path);
  }
  anchor(c.data.dir);
  return c;
}

}  // namespace descent
