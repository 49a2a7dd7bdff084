// `descent privacy`: the (epsilon, delta) guarantee of DP-SGD's noisy steps. With --sigma, the
// epsilon that `steps` runs of the Poisson-subsampled Gaussian mechanism spend at --delta (and
// the RDP order that gave it); with --epsilon instead, the smallest noise multiplier that
// spends at most that epsilon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace descent::cli {

struct PrivacyArgs {
  std::optional<double> sigma;    // the noise multiplier: print epsilon
  std::optional<double> epsilon;  // a target epsilon: print the noise multiplier
  double q = 0;
  std::int64_t steps = 0;
  double delta = 0;
  std::string accountant = "rdp";
};

CLI::App* add_privacy_command(CLI::App& app, PrivacyArgs& args);
int run_privacy(const PrivacyArgs& args);

}  // namespace descent::cli
