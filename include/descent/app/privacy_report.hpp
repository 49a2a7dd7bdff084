// What a private run spent, as the front ends report it: its ledger (Estimator::privacy_ledger)
// turned into epsilon at [privacy].delta by [privacy].accountant, for summary.json, a
// comparison's results.json, the model file and one line on the terminal.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "descent/app/job_config.hpp"
#include "descent/privacy/accountant.hpp"

namespace descent {

// {"accountant", "delta", "epsilon", "noise_multiplier", "sampling_rate", "steps"}; an epsilon the
// accountant cannot certify is null, with the accountant's reason under "epsilon_error".
nlohmann::json privacy_report(const PrivacyConfig& config, const GaussianSteps& ledger);

// "epsilon = 2.481 at delta = 1e-05 (rdp; noise multiplier 1, sampling rate 0.05, 20 steps)"
// (the terminal prints it after "privacy: ", a comparison's report after the run's label).
std::string privacy_summary(const nlohmann::json& report);

}  // namespace descent
