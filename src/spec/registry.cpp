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
#include "descent/transform/adagrad.hpp"
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
  }
  return "unknown";
}

namespace {

// The spec being built, so that errors deep in a nested call can show all of it.
struct Source {
  std::string_view text;

  [[noreturn]] void fail(const std::string& message, std::size_t column) const {
    throw ParseError(point_at(message, text, column), column);
  }
};

// ---------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------
// Describing the values found in a spec, for type errors.

std::string describe_value(const SpecValue& v) {
  if (const double* d = std::get_if<double>(&v.value)) return "the number " + format_number(*d);
  if (const bool* b = std::get_if<bool>(&v.value)) return *b ? "true" : "false";
  return "a call to '" + std::get<std::shared_ptr<SpecCall>>(v.value)->name + "'";
}

template <class Options>
std::string type_name(const Field<Options>& f) {
  if (std::holds_alternative<double Options::*>(f.member)) return "number";
  if (std::holds_alternative<std::int64_t Options::*>(f.member)) return "integer";
  if (std::holds_alternative<bool Options::*>(f.member)) return "bool";
  return "number or schedule";
}

bool is_unconstrained(const Range& r) { return !std::isfinite(r.lo) && !std::isfinite(r.hi); }

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

SchedulePtr build_schedule(const SpecCall& call, const Source& src) {
  const Entry* e = find(call.name);
  if (e && e->make_schedule) return e->make_schedule(call, src);
  if (e)
    src.fail("'" + call.name + "' is " + (e->doc.kind == EntryKind::optimizer ? "an optimizer" : "a transform") +
                 ", not a schedule",
             call.column);
  src.fail("unknown schedule '" + call.name + "'" + suggestion(call.name, names_of(true)), call.column);
}

// Out of line on purpose: inlined into assign<Options>() for an Options without any
// schedule field (where the branch is dead), g++ 12 warns -Warray-bounds about the
// shared_ptr move it cannot prove unreachable.
[[gnu::noinline]] void set_schedule(SchedulePtr& target, SchedulePtr value) { target = std::move(value); }

// An integer field's value. A plain integer literal is read exactly from its text (a
// double holds integers exactly only up to 2^53, and canonical specs write int64
// fields in full); other forms ("1e3") must be integral doubles within int64's range.
std::int64_t to_integer(const SpecValue& v, const double* number, const std::string& where, const Source& src) {
  if (!number) src.fail(where + " expects an integer, found " + describe_value(v), v.column);
  const std::string_view token = v.token;
  const bool plain = !token.empty() && token.find_first_of(".eE") == std::string_view::npos;
  if (plain) {
    const std::size_t skip = token.front() == '+' ? 1 : 0;
    std::int64_t exact = 0;
    const auto [ptr, ec] = std::from_chars(token.data() + skip, token.data() + token.size(), exact);
    if (ec == std::errc() && ptr == token.data() + token.size()) return exact;
    src.fail(where + " expects an integer, found " + std::string(token) + " (beyond the 64-bit range)", v.column);
  }
  // 2^63 is exact in a double; every integral double in [-2^63, 2^63) converts exactly.
  constexpr double kLimit = 9223372036854775808.0;
  if (std::floor(*number) != *number || *number < -kLimit || *number >= kLimit)
    src.fail(where + " expects an integer, found " + describe_value(v), v.column);
  return static_cast<std::int64_t>(*number);
}

// Writes one parsed value into a field, checking its type.
template <class Options>
void assign(Options& options, const Field<Options>& f, const SpecValue& v, const std::string& owner,
            const Source& src) {
  const std::string where = "argument '" + std::string(f.name) + "' of '" + owner + "'";
  const double* number = std::get_if<double>(&v.value);
  if (auto m = std::get_if<double Options::*>(&f.member)) {
    if (!number) src.fail(where + " expects a number, found " + describe_value(v), v.column);
    options.*(*m) = *number;
  } else if (auto mi = std::get_if<std::int64_t Options::*>(&f.member)) {
    options.*(*mi) = to_integer(v, number, where, src);
  } else if (auto mb = std::get_if<bool Options::*>(&f.member)) {
    const bool* flag = std::get_if<bool>(&v.value);
    if (!flag) src.fail(where + " expects true or false, found " + describe_value(v), v.column);
    options.*(*mb) = *flag;
  } else if (auto ms = std::get_if<SchedulePtr Options::*>(&f.member)) {
    if (number) {
      set_schedule(options.*(*ms), constant(*number));
    } else if (auto call = std::get_if<std::shared_ptr<SpecCall>>(&v.value)) {
      set_schedule(options.*(*ms), build_schedule(**call, src));
    } else {
      src.fail(where + " expects a number or a schedule, found " + describe_value(v), v.column);
    }
  }
}

// Fields of `Options` a spec may set: all but those an entry fixes (amsgrad's amsgrad).
template <class Options>
std::vector<const Field<Options>*> settable_fields(const std::vector<std::string>& fixed) {
  std::vector<const Field<Options>*> out;
  for (const auto& f : Options::fields())
    if (std::find(fixed.begin(), fixed.end(), f.name) == fixed.end()) out.push_back(&f);
  return out;
}

template <class Options>
Options bind(const SpecCall& call, Options options, const std::vector<std::string>& fixed, const Source& src) {
  const auto fields = settable_fields<Options>(fixed);
  std::vector<std::string> names;
  for (const auto* f : fields) names.push_back(f->name);
  std::vector<std::size_t> set_at(fields.size(), 0);  // column of the argument that set it; 0: unset
  std::size_t next_positional = 0;
  bool named_seen = false;
  for (const auto& arg : call.args) {
    std::size_t index = 0;
    if (arg.key) {
      named_seen = true;
      const auto it = std::find(names.begin(), names.end(), *arg.key);
      if (it == names.end()) {
        if (std::find(fixed.begin(), fixed.end(), *arg.key) != fixed.end())
          src.fail("argument '" + *arg.key + "' is fixed by '" + call.name + "'", arg.column);
        std::string valid;
        for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
        std::string hint = suggestion(*arg.key, names);
        if (hint.rfind("; did you mean", 0) != 0) hint.clear();
        src.fail("'" + call.name + "' has no argument '" + *arg.key + "'" + hint +
                     " (arguments: " + (valid.empty() ? "none" : valid) + ")",
                 arg.column);
      }
      index = static_cast<std::size_t>(it - names.begin());
    } else {
      if (named_seen) src.fail("positional argument after a named one", arg.column);
      if (next_positional >= fields.size()) {
        std::string valid;
        for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
        src.fail("too many arguments: '" + call.name + "' takes at most " + std::to_string(fields.size()) +
                     (fields.empty() ? "" : " (" + valid + ")"),
                 arg.column);
      }
      index = next_positional++;
    }
    if (set_at[index] != 0)
      src.fail("argument '" + names[index] + "' given twice (first at column " + std::to_string(set_at[index]) + ")",
               arg.column);
    set_at[index] = arg.column;
    assign(options, *fields[index], arg.value, call.name, src);
  }
  return options;
}

template <class Options>
std::vector<ParameterDoc> describe_fields(const Options& prototype, const std::vector<std::string>& fixed) {
  std::vector<ParameterDoc> docs;
  for (const auto* f : settable_fields<Options>(fixed)) {
    ParameterDoc d;
    d.name = f->name;
    d.type = type_name(*f);
    std::visit([&](auto m) { d.default_value = format_field_value(prototype.*m); }, f->member);
    d.doc = f->doc;
    // A bool's range is meaningless (Range::any), and an unbounded range allows every
    // finite value, which the grammar already guarantees.
    if (!std::holds_alternative<bool Options::*>(f->member) && !is_unconstrained(f->range)) {
      d.has_constraint = true;
      d.constraint = f->range.describe(f->name);
      d.outside = f->range.outside();
    }
    docs.push_back(std::move(d));
  }
  return docs;
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
