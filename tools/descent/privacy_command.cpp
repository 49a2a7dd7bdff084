#include "privacy_command.hpp"

#include <cstdio>

#include "descent/core/error.hpp"
#include "descent/privacy/calibration.hpp"
#include "descent/privacy/make_accountant.hpp"
#include "descent/privacy/rdp_accountant.hpp"
#include "descent/spec/hyperparameters.hpp"
#include "exit_codes.hpp"
#include "option_error.hpp"

namespace descent::cli {

CLI::App* add_privacy_command(CLI::App& app, PrivacyArgs& args) {
  CLI::App* c = app.add_subcommand(
      "privacy", "The epsilon of DP-SGD's noisy steps at a delta, or the noise multiplier for a target epsilon");
  CLI::Option* sigma =
      c->add_option("--sigma", args.sigma, "noise multiplier: the noise's std is sigma times the clipping norm");
  CLI::Option* epsilon = c->add_option("--epsilon", args.epsilon, "a target epsilon: print the noise multiplier");
  sigma->excludes(epsilon);
  epsilon->excludes(sigma);
  c->add_option("--q", args.q, "sampling rate: each sample joins a batch with probability q")->required();
  c->add_option("--steps", args.steps, "number of noisy steps")->required();
  c->add_option("--delta", args.delta, "the delta of the (epsilon, delta) guarantee")->required();
  c->add_option("--accountant", args.accountant, "privacy accountant: " + describe_choices(accountant_names()))
      ->capture_default_str();
  c->footer(
      "Examples:\n"
      "  descent privacy --sigma 1.5 --q 0.04 --steps 2250 --delta 1e-5\n"
      "  descent privacy --epsilon 3 --q 0.01 --steps 10000 --delta 1e-5\n"
      "Batches are Poisson samples (each sample joins with probability q), neighbors differ by adding\n"
      "or removing one sample; the rdp accountant gives an upper bound from the best of its orders.");
  return c;
}

int run_privacy(const PrivacyArgs& a) {
  if (a.sigma.has_value() == a.epsilon.has_value())
    throw OptionError("--sigma", "give either --sigma (to print epsilon) or --epsilon (to print the noise multiplier)");
  for_option("--accountant", [&] { make_accountant(a.accountant); });
  // Each option on its own, so that the message names the one to fix.
  for_option("--q", [&] { validate(GaussianSteps{1, a.q, 1}); });
  for_option("--steps", [&] { validate(GaussianSteps{1, 1, a.steps}); });
  for_option("--delta", [&] { make_accountant(a.accountant)->epsilon(a.delta); });  // checks delta

  if (a.sigma) {
    for_option("--sigma", [&] { validate(GaussianSteps{*a.sigma, 1, 1}); });
    PrivacyAccountantPtr accountant = make_accountant(a.accountant);
    accountant->compose({*a.sigma, a.q, a.steps});
    const double epsilon = accountant->epsilon(a.delta);
    std::printf("accountant: %s\nepsilon: %.10g\n", accountant->spec().c_str(), epsilon);
    if (const auto* rdp = dynamic_cast<const RdpAccountant*>(accountant.get()))
      std::printf("best order: %.10g\n", rdp->best_order(a.delta));
    return kExitOk;
  }
  NoiseCalibration calibration;
  calibration.target_epsilon = *a.epsilon;
  calibration.delta = a.delta;
  calibration.sampling_rate = a.q;
  calibration.steps = a.steps;
  for_option("--epsilon", [&] { calibration.validate(); });
  const CalibratedNoise found = noise_multiplier_for_epsilon(calibration, a.accountant);
  std::printf("accountant: %s\nnoise multiplier: %.10g\nepsilon: %.10g\n", a.accountant.c_str(), found.noise_multiplier,
              found.epsilon);
  std::printf("(the smallest noise multiplier with epsilon <= %.10g, to a relative %.0e)\n", calibration.target_epsilon,
              calibration.relative_tolerance);
  return kExitOk;
}

}  // namespace descent::cli
