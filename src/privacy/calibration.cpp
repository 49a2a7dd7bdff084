#include "descent/privacy/calibration.hpp"

#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/privacy/make_accountant.hpp"

namespace descent {

const std::vector<Field<NoiseCalibration>>& NoiseCalibration::fields() {
  using O = NoiseCalibration;
  static const std::vector<Field<O>> f = {
      {"target_epsilon", &O::target_epsilon, Range::positive(), "the epsilon to spend at most"},
      {"delta", &O::delta, {0, 1, true, true}, "the delta of the (epsilon, delta) guarantee"},
      {"sampling_rate", &O::sampling_rate, {0, 1, true, false}, "q: each sample joins a batch with probability q"},
      {"steps", &O::steps, Range::at_least(1), "runs of the sampled Gaussian mechanism"},
      {"relative_tolerance",
       &O::relative_tolerance,
       {0, 1, true, false},
       "the answer is at most (1 + tolerance) times the exact noise multiplier"},
      {"min_noise_multiplier", &O::min_noise_multiplier, Range::positive(), "the smallest sigma searched"},
      {"max_noise_multiplier", &O::max_noise_multiplier, Range::positive(), "the largest sigma searched"}};
  return f;
}

void NoiseCalibration::validate() const {
  descent::validate(*this);
  require(max_noise_multiplier > min_noise_multiplier, kName, "max_noise_multiplier", max_noise_multiplier,
          "max_noise_multiplier > min_noise_multiplier = " + format_number(min_noise_multiplier));
}

namespace {

// epsilon at sigma, or +inf where the accountant certifies none.
double epsilon_at(double sigma, const NoiseCalibration& c, const AccountantFactory& make, int& evaluations) {
  ++evaluations;
  PrivacyAccountantPtr accountant = make();
  if (!accountant) throw ConfigError("noise_multiplier_for_epsilon: the accountant factory returned no accountant");
  accountant->compose({sigma, c.sampling_rate, c.steps});
  try {
    return accountant->epsilon(c.delta);
  } catch (const ConfigError&) {
    // delta was validated above: the only refusal left is "no finite epsilon at this sigma".
    return std::numeric_limits<double>::infinity();
  }
}

}  // namespace

CalibratedNoise noise_multiplier_for_epsilon(const NoiseCalibration& c, const AccountantFactory& make) {
  c.validate();
  if (!make) throw ConfigError("noise_multiplier_for_epsilon: no accountant factory given");
  int evaluations = 0;
  double hi = c.max_noise_multiplier, lo = c.min_noise_multiplier;
  double epsilon_hi = epsilon_at(hi, c, make, evaluations);
  if (epsilon_hi > c.target_epsilon)
    throw ConfigError("NoiseCalibration::target_epsilon = " + format_number(c.target_epsilon) +
                      " cannot be reached: even noise_multiplier = " + format_number(hi) + " spends epsilon = " +
                      format_number(epsilon_hi) + " (more steps or a larger sampling_rate than this target allows)");
  const double epsilon_lo = epsilon_at(lo, c, make, evaluations);
  if (epsilon_lo <= c.target_epsilon)
    throw ConfigError("NoiseCalibration::target_epsilon = " + format_number(c.target_epsilon) +
                      " is met already by noise_multiplier = " + format_number(lo) +
                      " (epsilon = " + format_number(epsilon_lo) + "): the answer lies below min_noise_multiplier");
  while (hi > lo * (1 + c.relative_tolerance)) {
    const double mid = std::sqrt(lo * hi);
    if (mid <= lo || mid >= hi) break;  // a tolerance below the spacing of doubles
    const double epsilon_mid = epsilon_at(mid, c, make, evaluations);
    if (epsilon_mid <= c.target_epsilon) {
      hi = mid;
      epsilon_hi = epsilon_mid;
    } else {
      lo = mid;
    }
  }
  return {hi, epsilon_hi, evaluations};
}

CalibratedNoise noise_multiplier_for_epsilon(const NoiseCalibration& c, const std::string& accountant) {
  make_accountant(accountant);  // an unknown name fails before the search
  return noise_multiplier_for_epsilon(c, [&] { return make_accountant(accountant); });
}

}  // namespace descent
