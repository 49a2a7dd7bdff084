// The one table of everything a spec can name, joined from each kind's entry list, and
// the lookups every parse_* function goes through.
#include "descent/spec/registry.hpp"

#include <algorithm>

#include "descent/core/error.hpp"
#include "descent/core/suggest.hpp"
#include "entry.hpp"

namespace descent {

namespace {

struct KindName {
  EntryKind kind;
  const char* name;
  const char* described;
};

constexpr KindName kKindNames[] = {
    {EntryKind::optimizer, "optimizer", "an optimizer"}, {EntryKind::transform, "transform", "a transform"},
    {EntryKind::schedule, "schedule", "a schedule"},     {EntryKind::estimator, "estimator", "an estimator"},
    {EntryKind::solver, "solver", "a solver"},           {EntryKind::averaging, "averaging", "an averaging"},
    {EntryKind::stopping, "stopping", "a stopping rule"}, {EntryKind::model, "model", "a model"}};

const KindName& kind_name(EntryKind kind) {
  for (const auto& k : kKindNames)
    if (k.kind == kind) return k;
  return kKindNames[0];
}

}  // namespace

std::string to_string(EntryKind kind) { return kind_name(kind).name; }

std::string describe(EntryKind kind) { return kind_name(kind).described; }

bool parse_entry_kind(std::string_view name, EntryKind& kind) {
  for (const auto& k : kKindNames)
    if (name == k.name) {
      kind = k.kind;
      return true;
    }
  return false;
}

namespace spec_detail {

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = [] {
    std::vector<Entry> v;
    for (auto list : {transform_entries, estimator_entries, solver_entries, callback_entries, model_entries})
      for (auto& e : list()) v.push_back(std::move(e));
    std::stable_sort(v.begin(), v.end(), [](const Entry& a, const Entry& b) {
      if (a.doc.kind != b.doc.kind) return static_cast<int>(a.doc.kind) < static_cast<int>(b.doc.kind);
      return a.doc.name < b.doc.name;
    });
    return v;
  }();
  return all;
}

const Entry& find(const SpecCall& call, const Source& src, std::initializer_list<EntryKind> kinds,
                  std::string_view what) {
  const auto wanted = [&](EntryKind k) { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); };
  const Entry* other = nullptr;
  std::vector<std::string> names;
  for (const auto& e : entries()) {
    if (wanted(e.doc.kind)) {
      if (e.doc.name == call.name) return e;
      names.push_back(e.doc.name);
    } else if (e.doc.name == call.name && other == nullptr) {
      other = &e;
    }
  }
  const std::string article = std::string(what).find_first_of("aeiou") == 0 ? "an " : "a ";
  if (other)
    src.fail("'" + call.name + "' is " + describe(other->doc.kind) + ", not " + article + std::string(what),
             call.column);
  src.fail("unknown " + std::string(what) + " '" + call.name + "'" + suggestion(call.name, names), call.column);
}

TransformPtr build_transform(const SpecCall& call, const Source& src) {
  return maker<TransformPtr>(find(call, src, {EntryKind::optimizer, EntryKind::transform}, "optimizer or transform"))(
      call, src);
}

SchedulePtr build_schedule(const SpecCall& call, const Source& src) {
  return maker<SchedulePtr>(find(call, src, {EntryKind::schedule}, "schedule"))(call, src);
}

}  // namespace spec_detail

const std::vector<RegistryEntry>& registry() {
  static const std::vector<RegistryEntry> docs = [] {
    std::vector<RegistryEntry> out;
    for (const auto& e : spec_detail::entries()) out.push_back(e.doc);
    return out;
  }();
  return docs;
}

std::vector<const RegistryEntry*> entries_of(EntryKind kind) {
  std::vector<const RegistryEntry*> out;
  for (const auto& e : registry())
    if (e.kind == kind) out.push_back(&e);
  return out;
}

const RegistryEntry* find_entry(std::string_view name) {
  for (const auto& e : registry())
    if (e.name == name) return &e;
  return nullptr;
}

const RegistryEntry* find_entry(std::string_view name, EntryKind kind) {
  for (const auto& e : registry())
    if (e.name == name && e.kind == kind) return &e;
  return nullptr;
}

TransformPtr parse_transform(std::string_view spec) {
  const SpecCall call = parse_spec(spec);
  return spec_detail::build_transform(call, spec_detail::Source{spec});
}

SchedulePtr parse_schedule(std::string_view spec) {
  const SpecValue value = parse_spec_value(spec);
  if (const double* number = std::get_if<double>(&value.value)) return constant(*number);
  if (const auto* call = std::get_if<std::shared_ptr<SpecCall>>(&value.value))
    return spec_detail::build_schedule(**call, spec_detail::Source{spec});
  spec_detail::Source{spec}.fail(
      "expected a schedule (a number or a call such as cosine(1e-3, 1000)), found " +
          spec_detail::describe_value(value),
      value.column);
}

std::string canonical_spec(EntryKind kind, std::string_view spec) {
  switch (kind) {
    case EntryKind::optimizer:
    case EntryKind::transform:
      return parse_transform(spec)->spec();
    case EntryKind::schedule:
      return parse_schedule(spec)->spec();
    case EntryKind::estimator:
      return parse_estimator(spec).canonical();
    case EntryKind::solver:
      return parse_solver(spec).canonical();
    case EntryKind::averaging:
    case EntryKind::stopping:
      return parse_callback(spec, kind).canonical();
    case EntryKind::model:
      break;
  }
  throw ConfigError("models are named by a ModelSpec, not a spec string ('" + std::string(spec) + "')");
}

}  // namespace descent
