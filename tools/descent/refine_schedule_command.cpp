#include "refine_schedule_command.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/transform/schedule_refinement.hpp"
#include "descent/transform/table_schedule.hpp"
#include "exit_codes.hpp"
#include "option_error.hpp"

namespace descent::cli {
namespace {

double read_norm(const std::string& text, const std::string& log, std::size_t line) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
    throw FormatError("log '" + log + "', line " + std::to_string(line) + ": gradient_norm '" + text +
                      "' is not a finite number");
  return v;
}

// The gradient_norm of every record, in order: a CSV with that column in its header, or
// JSON Lines whose objects have a "gradient_norm" member.
std::vector<double> read_gradient_norms(const std::string& log) {
  std::ifstream in(log);
  if (!in) throw IoError("cannot read log '" + log + "'");
  std::vector<double> norms;
  std::string line;
  std::size_t number = 0, column = 0;
  bool csv = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line.front() == '{') {
      const std::string key = "\"gradient_norm\":";
      const auto at = line.find(key);
      if (at == std::string::npos)
        throw FormatError("log '" + log + "', line " + std::to_string(number) + ": no \"gradient_norm\" member");
      const auto start = at + key.size();
      const auto stop = line.find_first_of(",}", start);
      norms.push_back(read_norm(line.substr(start, stop - start), log, number));
      continue;
    }
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (!csv) {  // the header
      std::size_t i = 0;
      while (i < cells.size() && cells[i] != "gradient_norm") ++i;
      if (i == cells.size())
        throw FormatError("log '" + log + "' has no gradient_norm column (write one with `descent minimize --log`)");
      column = i;
      csv = true;
      continue;
    }
    if (column >= cells.size())
      throw FormatError("log '" + log + "', line " + std::to_string(number) + ": fewer cells than the header");
    norms.push_back(read_norm(cells[column], log, number));
  }
  return norms;
}

}  // namespace

CLI::App* add_refine_schedule_command(CLI::App& app, RefineScheduleArgs& args) {
  CLI::App* c = app.add_subcommand("refine-schedule",
                                   "Writes the refined schedule (Defazio et al. 2023) of a run's per-step gradient "
                                   "norms, for table('FILE', peak=LR)");
  c->add_option("log", args.log, "the run's step log: a CSV or JSON Lines file with a gradient_norm per step")
      ->required();
  c->add_option("--out", args.out, "the schedule file to write (one multiplier per step, maximum 1)")->required();
  c->add_option("--median-window", args.median_window, "width of the median filter over the norms (1: none)")
      ->capture_default_str();
  c->add_option("--norm-power", args.norm_power, "p in w_t = G_t^-p sum_{s>t} G_s^-p: 2 for SGD, 1 for Adam (l1 norms)")
      ->capture_default_str();
  c->footer(
      "Example:\n"
      "  descent minimize --problem logistic --optimizer 'sgd(lr=linear_decay(init=0.5, steps=400))' --steps 400 "
      "--log run.csv\n"
      "  descent refine-schedule run.csv --out refined.txt\n"
      "  descent minimize ... --optimizer \"sgd(lr=table('refined.txt', peak=0.5))\"\n"
      "The log must hold one record per step (log every step): multiplier k is for update k.");
  return c;
}

int run_refine_schedule(const RefineScheduleArgs& a) {
  // Options first, so that a bad flag is named before the log is read.
  for_option("--median-window", [&] { validate(RefineOptions{a.median_window, 2}); });
  for_option("--norm-power", [&] { validate(RefineOptions{1, a.norm_power}); });
  const std::vector<double> norms = read_gradient_norms(a.log);
  const RefineOptions options{a.median_window, a.norm_power};
  const std::vector<double> schedule = refine_schedule(norms, options);
  write_schedule_file(a.out, schedule,
                      {"refined schedule (Defazio, Cutkosky, Mehta & Mishchenko, arXiv:2310.07831) of " + a.log,
                       std::to_string(norms.size()) + " steps, median_window=" + std::to_string(a.median_window) +
                           ", norm_power=" + format_number(a.norm_power)});
  std::cout << "wrote " << schedule.size() << " multipliers to " << a.out << "\n";
  return kExitOk;
}

}  // namespace descent::cli
