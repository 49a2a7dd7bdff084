// The registry: spec names -> factories, with documentation derived from the options'
// field tables. Binding a parsed call to an Options struct is generic over the table,
// so every entry gets the same positional/named rules, type checks and messages.
#include "descent/spec/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <type_traits>

#include "descent/core/error.hpp"
#include "descent/core/suggest.hpp"
#include "descent/spec/spec_parser.hpp"
#include "option_binding.hpp"
#include "descent/transform/adagrad.hpp"
#include "descent/transform/adagrad_norm.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/clip_by_value.hpp"
#include "descent/transform/rmsprop.hpp"
#include "descent/transform/scale_by_schedule.hpp"
#include "descent/transform/schedule_options.hpp"
#include "descent/transform/sgd.hpp"
#include "descent/transform/weight_decay.hpp"

namespace descent {

std::string to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::optimizer:
      return "optimizer";
    case EntryKind::transform:
      return "transform";
    case EntryKind::schedule:
      return "schedule";
    case EntryKind::estimator:
      return "estimator";
  }
  return "unknown";
}

namespace {

using spec_detail::bind;
using spec_detail::describe_fields;
using spec_detail::describe_value;
using spec_detail::Source;

// ---------------------------------------------------------------------------------
// Entries.

struct Entry {
  RegistryEntry doc;
  std::function<TransformPtr(const SpecCall&, const Source&)> make_transform;  // optimizers and transforms
  std::function<SchedulePtr(const SpecCall&, const Source&)> make_schedule;    // schedules
};

const std::vector<Entry>& entries();

const Entry* find(std::string_view name) {
  for (const auto& e : entries())
    if (e.doc.name == name) return &e;
  return nullptr;
}

std::vector<std::string> names_of(bool schedules) {
  std::vector<std::string> names;
  for (const auto& e : entries())
    if ((e.doc.kind == EntryKind::schedule) == schedules) names.push_back(e.doc.name);
  return names;
}

TransformPtr build_transform(const SpecCall& call, const Source& src) {
  const Entry* e = find(call.name);
  if (e && e->make_transform) return e->make_transform(call, src);
  if (e) src.fail("'" + call.name + "' is a schedule, not an optimizer or transform", call.column);
  src.fail("unknown optimizer or transform '" + call.name + "'" + suggestion(call.name, names_of(false)), call.column);
}


// An entry built from an Options struct: `make(options)` returns a TransformPtr or a
// SchedulePtr, and decides whether this is a transform or a schedule entry.
template <class Options, class Make>
Entry options_entry(std::string name, EntryKind kind, std::string summary, std::string reference, Options prototype,
                    Make make, std::vector<std::string> fixed = {}) {
  Entry e;
  e.doc = {std::move(name), kind, std::move(summary), std::move(reference), describe_fields(prototype, fixed),
           Options::kName};
  auto build = [prototype, make, fixed](const SpecCall& call, const Source& src) {
    return make(bind(call, prototype, fixed, src));
  };
  if constexpr (std::is_same_v<std::invoke_result_t<Make, Options>, SchedulePtr>) {
    e.make_schedule = build;
  } else {
    e.make_transform = build;
  }
  return e;
}

// chain(t1, t2, ...): positional transforms only; the Chain flattens nested chains.
Entry chain_entry() {
  Entry e;
  e.doc.name = "chain";
  e.doc.kind = EntryKind::transform;
  e.doc.summary = "applies its transforms in order, each to the output of the one before (nested chains flatten)";
  e.doc.reference = "-";
  ParameterDoc members;
  members.name = "transforms";
  members.type = "transforms";
  members.doc = "any number of positional optimizer or transform calls, e.g. chain(clip_by_global_norm(1), adam)";
  e.doc.parameters.push_back(members);
  e.make_transform = [](const SpecCall& call, const Source& src) {
    std::vector<TransformPtr> parts;
    for (const auto& arg : call.args) {
      if (arg.key)
        src.fail("'chain' takes only positional transforms, found the named argument '" + *arg.key + "'", arg.column);
      const auto* member = std::get_if<std::shared_ptr<SpecCall>>(&arg.value.value);
      if (!member)
        src.fail("'chain' takes transforms (e.g. adam(lr=1e-3)), found " + describe_value(arg.value), arg.value.column);
      parts.push_back(build_transform(**member, src));
    }
    return chain(std::move(parts));
  };
  return e;
}

std::vector<Entry> make_entries() {
  using K = EntryKind;
  std::vector<Entry> v;
  // Optimizers.
  v.push_back(options_entry(
      "adagrad", K::optimizer, "AdaGrad: per-coordinate steps divided by the root of the summed squared gradients",
      "Duchi, Hazan & Singer, JMLR 2011", AdagradOptions{}, [](const AdagradOptions& o) { return adagrad(o); }));
  v.push_back(options_entry(
      "adagrad_norm", K::optimizer,
      "AdaGrad-Norm: one step size for all coordinates, lr divided by the root of the summed squared gradient norms",
      "Ward, Wu & Bottou, AdaGrad stepsizes: sharp convergence over nonconvex landscapes, ICML 2019 / JMLR 2020",
      AdagradNormOptions{}, [](const AdagradNormOptions& o) { return adagrad_norm(o); }));
  v.push_back(options_entry("adam", K::optimizer, "Adam: bias-corrected estimates of the gradient's first two moments",
                            "Kingma & Ba, ICLR 2015", AdamOptions{}, [](const AdamOptions& o) { return adam(o); }));
  v.push_back(options_entry("adamw", K::optimizer, "AdamW: Adam with decoupled weight decay (default 0.01)",
                            "Loshchilov & Hutter, ICLR 2019", AdamOptions{.weight_decay = 1e-2},
                            [](const AdamOptions& o) { return adamw(o); }));
  v.push_back(options_entry("amsgrad", K::optimizer,
                            "AMSGrad: Adam dividing by the running maximum of the second moment",
                            "Reddi, Kale & Kumar, ICLR 2018", AdamOptions{.amsgrad = true},
                            [](const AdamOptions& o) { return amsgrad(o); }, {"amsgrad"}));
  v.push_back(options_entry("momentum", K::optimizer, "SGD with heavy-ball momentum (default 0.9)",
                            "Polyak, USSR Comput. Math. Math. Phys. 1964", SgdOptions{.momentum = 0.9},
                            [](const SgdOptions& o) { return sgd(o); }, {"nesterov"}));
  v.push_back(options_entry("nesterov", K::optimizer, "SGD with Nesterov momentum (default 0.9)",
                            "Sutskever, Martens, Dahl & Hinton, ICML 2013",
                            SgdOptions{.momentum = 0.9, .nesterov = true}, [](const SgdOptions& o) { return sgd(o); },
                            {"nesterov"}));
  v.push_back(options_entry("rmsprop", K::optimizer,
                            "RMSProp: steps divided by a running root mean square of the gradients",
                            "Tieleman & Hinton, Coursera lecture 6.5, 2012", RmspropOptions{},
                            [](const RmspropOptions& o) { return rmsprop(o); }));
  v.push_back(options_entry("sgd", K::optimizer, "stochastic gradient descent, optionally with (Nesterov) momentum",
                            "Robbins & Monro, Ann. Math. Statist. 1951", SgdOptions{},
                            [](const SgdOptions& o) { return sgd(o); }));
  // Transforms.
  v.push_back(options_entry("add_decayed_weights", K::transform,
                            "coupled L2 decay: adds coefficient * p to the gradient (put it before an optimizer)", "-",
                            AddDecayedWeightsOptions{},
                            [](const AddDecayedWeightsOptions& o) { return add_decayed_weights(o.coefficient); }));
  v.push_back(chain_entry());
  v.push_back(options_entry("clip_by_global_norm", K::transform,
                            "rescales the whole direction to a Euclidean norm of at most max_norm",
                            "Pascanu, Mikolov & Bengio, ICML 2013", ClipByGlobalNormOptions{},
                            [](const ClipByGlobalNormOptions& o) { return clip_by_global_norm(o.max_norm); }));
  v.push_back(options_entry("clip_by_value", K::transform, "clamps every coordinate to [-limit, limit]", "-",
                            ClipByValueOptions{}, [](const ClipByValueOptions& o) { return clip_by_value(o.limit); }));
  v.push_back(options_entry("scale_by_schedule", K::transform, "multiplies the update by a schedule's value s(t)", "-",
                            ScaleByScheduleOptions{},
                            [](const ScaleByScheduleOptions& o) { return scale_by_schedule(o.schedule); }));
  v.push_back(options_entry("weight_decay", K::transform,
                            "decoupled weight decay: subtracts rate * p from the update (put it after an optimizer)",
                            "Loshchilov & Hutter, ICLR 2019", WeightDecayOptions{},
                            [](const WeightDecayOptions& o) { return weight_decay(o); }));
  // Schedules.
  auto schedule = [](const auto& o) { return make_schedule(o); };
  v.push_back(
      options_entry("constant", K::schedule, "the same value at every step", "-", ConstantScheduleOptions{}, schedule));
  v.push_back(options_entry("cosine", K::schedule, "end + (init - end) * (1 + cos(pi * min(t, steps) / steps)) / 2",
                            "Loshchilov & Hutter, ICLR 2017 (SGDR, one cycle)", CosineOptions{}, schedule));
  v.push_back(options_entry("exponential", K::schedule, "init * gamma^t", "-", ExponentialOptions{}, schedule));
  v.push_back(options_entry("linear_decay", K::schedule, "end + (init - end) * max(0, 1 - t / steps)", "-",
                            LinearDecayOptions{}, schedule));
  v.push_back(
      options_entry("step_decay", K::schedule, "init * gamma^floor(t / every)", "-", StepDecayOptions{}, schedule));
  v.push_back(
      options_entry("warmup", K::schedule,
                    "rises linearly from start * after(0) to after(0) over steps, then follows after(t - steps)",
                    "Goyal et al., arXiv:1706.02677, 2017", WarmupOptions{}, schedule));
  return v;
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = make_entries();
  return all;
}

}  // namespace

namespace spec_detail {

SchedulePtr build_schedule(const SpecCall& call, const Source& src) {
  const Entry* e = find(call.name);
  if (e && e->make_schedule) return e->make_schedule(call, src);
  if (e)
    src.fail("'" + call.name + "' is " + (e->doc.kind == EntryKind::optimizer ? "an optimizer" : "a transform") +
                 ", not a schedule",
             call.column);
  src.fail("unknown schedule '" + call.name + "'" + suggestion(call.name, names_of(true)), call.column);
}

}  // namespace spec_detail

const std::vector<RegistryEntry>& registry() {
  static const std::vector<RegistryEntry> docs = [] {
    std::vector<RegistryEntry> out;
    for (const auto& e : entries()) out.push_back(e.doc);
    return out;
  }();
  return docs;
}

const RegistryEntry* find_entry(std::string_view name) {
  for (const auto& e : registry())
    if (e.name == name) return &e;
  return nullptr;
}

TransformPtr parse_transform(std::string_view spec) {
  const SpecCall call = parse_spec(spec);
  return build_transform(call, Source{spec});
}

SchedulePtr parse_schedule(std::string_view spec) {
  const SpecValue value = parse_spec_value(spec);
  if (const double* number = std::get_if<double>(&value.value)) return constant(*number);
  if (const auto* call = std::get_if<std::shared_ptr<SpecCall>>(&value.value))
    return build_schedule(**call, Source{spec});
  Source{spec}.fail(
      "expected a schedule (a number or a call such as cosine(1e-3, 1000)), found " + describe_value(value),
      value.column);
}

}  // namespace descent
