// The privacy loss distribution (PLD) accountant for DP-SGD (Koskela, Jalko & Honkela 2020;
// Gopi, Lee & Wutschitz 2021; Google's dp_accounting).
//
// For a pair of output distributions (P, Q) of one step, the privacy loss is the random
// variable L = log(P(x) / Q(x)) with x ~ P. Composing steps adds independent losses, so the
// loss of a whole run is the convolution of the steps' distributions, and the run is
// (epsilon, delta)-DP with the tight
//     delta(epsilon) = E[(1 - e^(epsilon - L))_+] + P(L = infinity).
// One Poisson-subsampled Gaussian step with noise multiplier sigma and sampling rate q has,
// for the sensitivity-1 sum and its two adjacency directions:
//   remove (P = (1-q) N(0, s^2) + q N(1, s^2), Q = N(0, s^2)):
//       L(x) = log(1 - q + q e^((2x - 1) / (2 s^2))),   x ~ P, L > log(1 - q);
//   add (P = N(0, s^2), Q = (1-q) N(0, s^2) + q N(1, s^2)):
//       L(x) = -log(1 - q + q e^((2x - 1) / (2 s^2))),  x ~ N(0, s^2), L < -log(1 - q).
// A run's dataset pair is fixed, so each direction composes with itself only; the answer
// is the worse of the two (as dp_accounting does for add-or-remove adjacency).
//
// Discretization (pessimistic), on the grid {k * h}. Rounding up: grid point k carries
// P((k-1) h < L <= k h). A larger loss never lowers delta(epsilon), and rounding each step
// up is a coupling in which the rounded sum dominates the true sum, so every delta reported
// is an upper bound on the true one. Each step moves the loss by less than h, so after N steps
//     delta_true(eps) <= delta_reported(eps) <= delta_true(eps - N h) + truncated_mass,
// i.e. eps_true <= eps_reported <= eps_true + N h (up to the truncated mass, see
// PrivacyLossDistribution::truncated_mass, and floating-point rounding). Connect the dots
// (the default, see PldAccountantOptions::connect_dots) splits each bin's mass between its
// two ends so that the likelihood ratio e^L keeps its mean under the other distribution: a
// mean-preserving spread, which raises every hockey-stick divergence (Jensen) and survives
// composition (the spread pair dominates the true one in Blackwell's order); rounding up is a
// further spread of it, so the same two-sided bound holds, with an error that is in
// practice second order in h.
// Tails: the probability above the grid's top is moved to L = infinity (added to delta),
// the probability below its bottom is moved up to the bottom point; both are pessimistic.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "descent/privacy/accountant.hpp"

namespace descent {

struct PldAccountantOptions {
  static constexpr const char* kName = "PldAccountantOptions";
  // h, the spacing of the loss grid. dp_accounting's default; the reported epsilon exceeds
  // the exact one by at most (total steps) * h.
  double discretization_interval = 1e-4;
  // Mass cut from each tail after every convolution (and from each single-step
  // distribution), moved pessimistically (see above). dp_accounting's default for its
  // compositions.
  double tail_mass = 1e-15;
  // How the loss is put on the grid (both pessimistic, see above). false: every loss rounded
  // up to the next grid point. true (dp_accounting's default, Doroshenko, Ghazi, Kamath,
  // Kumar & Manurangsi 2022, "Connect the dots"): the probability of a loss between two grid
  // points is split between both so that the likelihood ratio e^L keeps its mean under the
  // other distribution; its hockey-stick curve is then the chord of the exact one through
  // the grid points, and its error is second order in h instead of first.
  bool connect_dots = true;

  // Throws ConfigError "PldAccountantOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

// Which neighbouring dataset the loss is measured against (see the header comment).
enum class Adjacency { remove, add };

// A privacy loss distribution on the grid {k * interval}: mass[i] is the probability of the
// loss (first_index + i) * interval; infinite_mass the probability of an infinite loss.
struct PrivacyLossDistribution {
  double interval = 1e-4;
  std::int64_t first_index = 0;
  std::vector<double> mass{1.0};
  double infinite_mass = 0;
  // Probability moved by tail truncations (to infinity or up to the grid's bottom). The
  // bound delta_reported(eps) <= delta_true(eps - N h) + truncated_mass holds for the
  // distribution's whole history of constructions and compositions.
  double truncated_mass = 0;

  double loss(std::size_t i) const {
    return static_cast<double>(first_index + static_cast<std::int64_t>(i)) * interval;
  }
  // sum over losses l > epsilon of (1 - e^(epsilon - l)) p(l), plus infinite_mass.
  double delta(double epsilon) const;
  // The smallest epsilon with delta(epsilon) <= delta (exact for this discrete
  // distribution: delta is of the form a - b e^epsilon between grid points); +infinity when
  // infinite_mass >= delta. May be negative for a large delta (the caller clamps).
  double epsilon(double delta) const;
};

// The pessimistically discretized loss of one Poisson-subsampled Gaussian step (noise
// multiplier sigma > 0, sampling rate q in (0, 1]) on the options' grid, with at most
// options.tail_mass cut from each tail. Throws ConfigError
// (PldAccountantOptions::discretization_interval) when the grid would need more than
// kMaxPldGridPoints points.
PrivacyLossDistribution subsampled_gaussian_loss(double noise_multiplier, double sampling_rate, Adjacency adjacency,
                                                 const PldAccountantOptions& options);

// The distribution of the sum of independent losses (FFT convolution; exact direct
// convolution when the product of sizes is small), then at most tail_mass cut from each
// tail. Both must share the interval.
PrivacyLossDistribution compose(const PrivacyLossDistribution& a, const PrivacyLossDistribution& b, double tail_mass);
// `times` (>= 0) independent copies composed, by exponentiation by squaring.
PrivacyLossDistribution self_compose(const PrivacyLossDistribution& a, std::int64_t times, double tail_mass);

// Grids longer than this are refused (a too fine interval for the ledger) rather than
// allocated: 2^26 points, 512 MiB per buffer.
inline constexpr std::int64_t kMaxPldGridPoints = std::int64_t{1} << 26;

class PldAccountant final : public PrivacyAccountant {
 public:
  explicit PldAccountant(PldAccountantOptions options = {});

  // "pld(discretization_interval=0.0001, tail_mass=1e-15, connect_dots=true)".
  std::string spec() const override;
  void compose(const GaussianSteps& steps) override;
  const std::vector<GaussianSteps>& ledger() const override { return ledger_; }
  // The worse of the two adjacency directions, clamped at 0.
  double epsilon(double delta) const override;
  double delta(double epsilon) const override;
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

  const PldAccountantOptions& options() const { return options_; }
  // The composed loss of the ledger in one direction, computed on the first query after a
  // compose or load (not thread-safe: concurrent queries on one accountant need a lock).
  const PrivacyLossDistribution& distribution(Adjacency adjacency) const;

 private:
  PldAccountantOptions options_;
  std::vector<GaussianSteps> ledger_;
  mutable std::optional<std::array<PrivacyLossDistribution, 2>> composed_;
};

}  // namespace descent
