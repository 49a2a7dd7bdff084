#include "list_command.hpp"

#include <algorithm>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "option_error.hpp"

namespace descent::cli {

CLI::App* add_list_command(CLI::App& app, ListArgs& args) {
  CLI::App* list = app.add_subcommand(
      "list",
      "List everything a spec can name: optimizers, transforms, schedules, estimators, solvers, callbacks, models");
  std::vector<std::string> kinds;
  for (EntryKind k : kEntryKinds) kinds.push_back(to_string(k));
  list->add_option("--kind", args.kind, "Only entries of this kind")->check(CLI::IsMember(kinds));
  list->add_option("name", args.name, "Only this entry (e.g. adam)");
  list->footer(
      "A spec is name(positional, ..., key=value, ...), e.g.\n"
      "  chain(clip_by_global_norm(1), adam(lr=warmup(cosine(1e-3, 5000), 100)))\n"
      "Positional arguments fill the parameters in the order listed; a bare name means the defaults.");
  return list;
}

namespace {

// The group's heading: "OPTIMIZERS", "STOPPING RULES", "AVERAGING".
std::string heading(EntryKind kind) {
  std::string title = kind == EntryKind::averaging  ? "averaging"
                      : kind == EntryKind::stopping ? "stopping rules"
                                                    : to_string(kind) + "s";
  for (char& c : title)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return title;
}

// The "allowed" column: the constraint, or what any value of the type may be.
std::string allowed(const ParameterDoc& p) {
  if (p.has_constraint) return p.constraint;
  if (p.type == "bool") return "true or false";
  if (p.type == "transforms" || p.type == "groups" || p.type == "transform") return "-";
  if (p.type == "quoted path") return "a readable file";
  return "any finite";
}

// Prints rows as left-aligned columns two spaces apart; the last column runs free.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c + 1 < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

void print_entry(std::ostream& out, const RegistryEntry& e) {
  out << e.name << ": " << e.summary << '\n';
  if (e.reference != "-") out << "  reference: " << e.reference << '\n';
  if (e.parameters.empty()) {
    out << "  no parameters\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"parameter", "type", "default", "allowed", "meaning"}};
  for (const auto& p : e.parameters)
    rows.push_back({p.name, p.type, p.default_value.empty() ? "-" : p.default_value, allowed(p), p.doc});
  print_table(out, rows, "  ");
}

}  // namespace

void print_list(const ListArgs& args, std::ostream& out) {
  if (!args.name.empty()) {
    // A name may serve two kinds ("exponential": a schedule and an averaging): print each.
    std::vector<const RegistryEntry*> found;
    for (const auto& e : registry())
      if (e.name == args.name && (args.kind.empty() || to_string(e.kind) == args.kind)) found.push_back(&e);
    if (found.empty()) {
      const RegistryEntry* other = find_entry(args.name);
      if (other == nullptr) throw ConfigError("nothing a spec can name is called '" + args.name + "'");
      EntryKind kind = EntryKind::optimizer;
      parse_entry_kind(args.kind, kind);
      throw OptionError("--kind", "'" + args.name + "' is " + describe(other->kind) + ", not " + describe(kind));
    }
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (i > 0) out << '\n';
      print_entry(out, *found[i]);
    }
    return;
  }
  bool first_group = true;
  for (EntryKind kind : kEntryKinds) {
    if (!args.kind.empty() && to_string(kind) != args.kind) continue;
    if (!first_group) out << '\n';
    first_group = false;
    out << heading(kind) << "\n\n";
    bool first = true;
    for (const RegistryEntry* e : entries_of(kind)) {
      if (!first) out << '\n';
      first = false;
      print_entry(out, *e);
    }
  }
}

}  // namespace descent::cli
