// A privacy accountant: the (epsilon, delta) guarantee of a sequence of DP-SGD steps.
//
// Each step of DP-SGD is one run of the Poisson-subsampled Gaussian mechanism: every sample
// joins the batch independently with probability q (the sampling rate), each per-sample
// gradient is clipped to norm C, and Gaussian noise of standard deviation sigma * C is added
// to their sum (sigma is the noise multiplier). Adjacent datasets differ by adding or
// removing one sample. An accountant composes such steps (with possibly different q and
// sigma: a schedule) and answers the two questions a user asks: the epsilon spent at a
// given delta, and the delta at a given epsilon.
//
// Two accountants implement it: Renyi DP (rdp_accountant.hpp: an upper bound, cheap, the
// one Abadi et al.'s moments accountant became) and the privacy loss distribution
// (pld_accountant.hpp: numerically tight up to a stated discretization error). Their state
// is saved in checkpoints so that an interrupted private run resumes its accounting.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/binary_io.hpp"

namespace descent {

// `steps` runs of the Poisson-subsampled Gaussian mechanism with noise multiplier sigma
// (> 0) and sampling rate q (in (0, 1]).
struct GaussianSteps {
  double noise_multiplier = 1;
  double sampling_rate = 1;
  std::int64_t steps = 1;
};

// Throws ConfigError naming the field (noise_multiplier <= 0, sampling_rate outside (0, 1],
// steps < 0, or a value that is not finite).
void validate(const GaussianSteps& steps);

class PrivacyAccountant {
 public:
  virtual ~PrivacyAccountant() = default;
  // "rdp" or "pld", with the settings that change its answers.
  virtual std::string spec() const = 0;

  // Adds steps to the ledger (validated first; nothing changes on error).
  virtual void compose(const GaussianSteps& steps) = 0;
  // The ledger so far, in the order composed (equal consecutive entries merged).
  virtual const std::vector<GaussianSteps>& ledger() const = 0;

  // The smallest epsilon the accountant can certify at this delta (in (0, 1)); 0 before any
  // step. Throws ConfigError for a delta outside (0, 1), and ConfigError saying so when no
  // finite epsilon is certified at that delta, rather than returning infinity.
  virtual double epsilon(double delta) const = 0;
  // The delta certified at this epsilon (>= 0); 0 before any step.
  virtual double delta(double epsilon) const = 0;

  virtual void save(BinaryWriter& out) const = 0;
  virtual void load(BinaryReader& in) = 0;  // checks everything before assigning
};

using PrivacyAccountantPtr = std::unique_ptr<PrivacyAccountant>;

}  // namespace descent
