// `descent list`: every optimizer, transform and schedule a spec can name, with its
// summary, reference and a table of hyperparameters (type, default, allowed range),
// all taken from the registry.
#pragma once

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

namespace descent::cli {

struct ListArgs {
  std::string kind;  // "", "optimizer", "transform" or "schedule"
  std::string name;  // "": every entry of the kind
};

CLI::App* add_list_command(CLI::App& app, ListArgs& args);

// Prints the entries `args` selects; throws OptionError for an unknown name.
void print_list(const ListArgs& args, std::ostream& out);

}  // namespace descent::cli
