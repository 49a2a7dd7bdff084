#include "descent/app/privacy_report.hpp"

#include <cstdio>

#include "descent/core/error.hpp"
#include "descent/privacy/make_accountant.hpp"

namespace descent {

nlohmann::json privacy_report(const PrivacyConfig& config, const GaussianSteps& ledger) {
  const PrivacyAccountantPtr accountant = make_accountant(config.accountant);
  accountant->compose(ledger);
  nlohmann::json report = {{"accountant", accountant->spec()},
                           {"delta", config.delta},
                           {"noise_multiplier", ledger.noise_multiplier},
                           {"sampling_rate", ledger.sampling_rate},
                           {"steps", ledger.steps}};
  try {
    report["epsilon"] = accountant->epsilon(config.delta);
  } catch (const ConfigError& e) {
    report["epsilon"] = nullptr;
    report["epsilon_error"] = e.what();
  }
  return report;
}

std::string privacy_summary(const nlohmann::json& report) {
  // Four significant digits on the terminal; summary.json keeps every digit.
  const auto short_number = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", v);
    return std::string(text);
  };
  const std::string epsilon = report["epsilon"].is_null()
                                  ? "not certified (" + report["epsilon_error"].get<std::string>() + ")"
                                  : short_number(report["epsilon"].get<double>());
  return "epsilon = " + epsilon + " at delta = " + format_number(report["delta"].get<double>()) + " (" +
         report["accountant"].get<std::string>() + "; noise multiplier " +
         short_number(report["noise_multiplier"].get<double>()) + ", sampling rate " +
         short_number(report["sampling_rate"].get<double>()) + ", " +
         std::to_string(report["steps"].get<std::int64_t>()) + " steps)";
}

}  // namespace descent
