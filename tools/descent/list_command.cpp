#include "list_command.hpp"

#include <algorithm>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/spec/estimator_registry.hpp"
#include "descent/spec/registry.hpp"
#include "option_error.hpp"

namespace descent::cli {

CLI::App* add_list_command(CLI::App& app, ListArgs& args) {
  CLI::App* list =
      app.add_subcommand("list", "List the optimizers, transforms, schedules and estimators a spec can name");
  list->add_option("--kind", args.kind, "Only entries of this kind")
      ->check(CLI::IsMember({"optimizer", "transform", "schedule", "estimator"}));
  list->add_option("name", args.name, "Only this entry (e.g. adam)");
  list->footer(
      "A spec is name(positional, ..., key=value, ...), e.g.\n"
      "  chain(clip_by_global_norm(1), adam(lr=warmup(cosine(1e-3, 5000), 100)))\n"
      "Positional arguments fill the parameters in the order listed; a bare name means the defaults.");
  return list;
}

namespace {

std::string with_article(const std::string& noun) { return (noun.front() == 'o' ? "an " : "a ") + noun; }

// The "allowed" column: the constraint, or what any value of the type may be.
std::string allowed(const ParameterDoc& p) {
  if (p.has_constraint) return p.constraint;
  if (p.type == "bool") return "true or false";
  if (p.type == "transforms") return "-";
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
    const RegistryEntry* e = find_entry(args.name);
    if (e == nullptr) e = find_estimator_entry(args.name);
    if (e == nullptr)
      throw ConfigError("no optimizer, transform, schedule or estimator is named '" + args.name + "'");
    if (!args.kind.empty() && to_string(e->kind) != args.kind)
      throw OptionError(
          "--kind", "'" + args.name + "' is " + with_article(to_string(e->kind)) + ", not " + with_article(args.kind));
    print_entry(out, *e);
    return;
  }
  bool first_group = true;
  for (EntryKind kind : {EntryKind::optimizer, EntryKind::transform, EntryKind::schedule, EntryKind::estimator}) {
    if (!args.kind.empty() && to_string(kind) != args.kind) continue;
    if (!first_group) out << '\n';
    first_group = false;
    std::string title = to_string(kind) + "s";
    for (char& c : title) c = static_cast<char>(c - 'a' + 'A');
    out << title << "\n\n";
    bool first = true;
    for (const auto& e : kind == EntryKind::estimator ? estimator_registry() : registry()) {
      if (e.kind != kind) continue;
      if (!first) out << '\n';
      first = false;
      print_entry(out, e);
    }
  }
}

}  // namespace descent::cli
