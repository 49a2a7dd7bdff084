// The inverse question of an accountant: the smallest noise multiplier sigma with which
// `steps` runs of the Poisson-subsampled Gaussian mechanism at sampling rate q spend at most
// a target epsilon at delta.
//
// epsilon is decreasing in sigma (each order's RDP falls as sigma grows, and so does the
// minimum over orders), so the answer is found by bisection on log sigma inside
// [min_noise_multiplier, max_noise_multiplier]: the bracket [lo, hi] always has
// epsilon(lo) > target >= epsilon(hi), and halves (geometrically) until hi / lo <= 1 +
// relative_tolerance. The result is hi: it meets the target, and the exact answer sigma*
// satisfies sigma* <= hi <= sigma* (1 + relative_tolerance).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "descent/privacy/accountant.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct NoiseCalibration {
  static constexpr const char* kName = "NoiseCalibration";
  double target_epsilon = 1;           // > 0
  double delta = 1e-5;                 // in (0, 1)
  double sampling_rate = 0.01;         // q in (0, 1]
  std::int64_t steps = 1;              // >= 1
  double relative_tolerance = 1e-6;    // in (0, 1]: the bracket's final hi / lo - 1
  double min_noise_multiplier = 1e-3;  // > 0: the search range
  double max_noise_multiplier = 1e4;   // > min_noise_multiplier
  static const std::vector<Field<NoiseCalibration>>& fields();
  void validate() const;  // the table's ranges, plus min_noise_multiplier < max_noise_multiplier
};

struct CalibratedNoise {
  double noise_multiplier = 0;
  double epsilon = 0;   // the epsilon at that noise multiplier (<= target_epsilon)
  int evaluations = 0;  // accountants asked
};

using AccountantFactory = std::function<PrivacyAccountantPtr()>;

// Throws ConfigError for invalid settings, and a ConfigError that says which end failed when
// the target cannot be met inside the range: even max_noise_multiplier spends more than the
// target, or already min_noise_multiplier spends no more than it (the answer lies below the
// range). A noise multiplier at which the accountant certifies no finite epsilon counts as
// spending more than any target.
CalibratedNoise noise_multiplier_for_epsilon(const NoiseCalibration& calibration, const AccountantFactory& make);
// The same with make_accountant(accountant).
CalibratedNoise noise_multiplier_for_epsilon(const NoiseCalibration& calibration, const std::string& accountant);

}  // namespace descent
