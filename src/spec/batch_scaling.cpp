#include "descent/spec/batch_scaling.hpp"

#include <cmath>
#include <functional>
#include <memory>

#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "descent/spec/spec_parser.hpp"
#include "descent/transform/transform.hpp"

namespace descent {
namespace {

// Writes a parsed call back as spec text (numbers in shortest round-trip form).
std::string print(const SpecCall& call);
std::string print(const SpecValue& v) {
  if (const double* d = std::get_if<double>(&v.value)) return format_number(*d);
  if (const bool* b = std::get_if<bool>(&v.value)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<SpecString>(&v.value)) {  // no escapes: the other quote around a '
    const char quote = s->text.find('\'') == std::string::npos ? '\'' : '"';
    return quote + s->text + quote;
  }
  return print(*std::get<std::shared_ptr<SpecCall>>(v.value));
}
std::string print(const SpecCall& call) {
  if (!call.has_parens && call.args.empty()) return call.name;
  std::string s = call.name + "(";
  for (std::size_t i = 0; i < call.args.size(); ++i) {
    if (i) s += ", ";
    if (call.args[i].key) s += *call.args[i].key + "=";
    s += print(call.args[i].value);
  }
  return s + ")";
}

SpecValue* find_arg(SpecCall& call, const std::string& key) {
  for (auto& a : call.args)
    if (a.key && *a.key == key) return &a.value;
  return nullptr;
}
double number(SpecCall& call, const std::string& key) {
  const SpecValue* v = find_arg(call, key);
  const double* d = v ? std::get_if<double>(&v->value) : nullptr;
  if (!d) throw ConfigError("scale_for_batch: '" + call.name + "' has no numeric argument '" + key + "'");
  return *d;
}
void set_number(SpecCall& call, const std::string& key, double value) { find_arg(call, key)->value = value; }

// Every built-in schedule's value is proportional to these fields (warmup through `after`).
void scale_schedule(SpecValue& v, double factor) {
  if (double* d = std::get_if<double>(&v.value)) {
    *d *= factor;
    return;
  }
  auto* call = std::get_if<std::shared_ptr<SpecCall>>(&v.value);
  if (!call) return;
  for (auto& a : (*call)->args) {
    if (!a.key) continue;
    if (*a.key == "init" || *a.key == "end" || *a.key == "value" || *a.key == "peak") {
      if (double* d = std::get_if<double>(&a.value.value)) *d *= factor;
    } else if (*a.key == "after") {
      scale_schedule(a.value, factor);
    }
  }
}

// 1 - beta -> kappa (1 - beta), which must stay a decay in [0, 1).
void scale_decay(SpecCall& call, const std::string& key, const char* options, double kappa) {
  const double beta = number(call, key);
  const double scaled = 1.0 - kappa * (1.0 - beta);
  if (!(scaled >= 0 && scaled < 1))
    throw ConfigError(std::string(options) + "::" + key + " = " + format_number(beta) +
                      " cannot be rescaled for kappa = " + format_number(kappa) + ": 1 - " + key +
                      " times kappa must stay in (0, 1], got " + format_number(kappa * (1.0 - beta)));
  set_number(call, key, scaled);
}

}  // namespace

std::string scale_for_batch(std::string_view optimizer_spec, double kappa) {
  require(std::isfinite(kappa) && kappa > 0, "BatchScaling", "kappa", kappa, "kappa > 0");
  // The canonical spec names every field, so each rule finds the fields it rescales.
  const std::string canonical = parse_transform(optimizer_spec)->spec();
  SpecCall call = parse_spec(canonical);
  const std::string& name = call.name;
  const double root = std::sqrt(kappa);
  if (name == "sgd" || name == "momentum" || name == "nesterov") {
    const double momentum = number(call, "momentum");
    if (momentum == 0) {
      scale_schedule(*find_arg(call, "lr"), kappa);
    } else {
      scale_decay(call, "momentum", "SgdOptions", kappa);
      scale_schedule(*find_arg(call, "lr"), kappa * kappa);
    }
  } else if (name == "adam" || name == "adamw" || name == "amsgrad") {
    scale_schedule(*find_arg(call, "lr"), root);
    scale_decay(call, "beta1", "AdamOptions", kappa);
    scale_decay(call, "beta2", "AdamOptions", kappa);
    set_number(call, "eps", number(call, "eps") / root);
    if (name == "adamw") set_number(call, "weight_decay", number(call, "weight_decay") * root);
  } else if (name == "rmsprop") {
    if (number(call, "momentum") != 0 || std::get<bool>(find_arg(call, "centered")->value))
      throw ConfigError(
          "scale_for_batch has no batch-size rule for rmsprop with momentum or centered = true (Malladi et al. "
          "derive the square-root rule for plain RMSProp)");
    scale_schedule(*find_arg(call, "lr"), root);
    scale_decay(call, "alpha", "RmspropOptions", kappa);
    set_number(call, "eps", number(call, "eps") / root);
  } else {
    throw ConfigError("scale_for_batch has no batch-size scaling rule for '" + name +
                      "' (rules exist for sgd, momentum, nesterov, adam, adamw, amsgrad and rmsprop)");
  }
  // Build it once more: the result must be a valid optimizer, in canonical form.
  return parse_transform(print(call))->spec();
}

}  // namespace descent
