#include "descent/privacy/pld_accountant.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "descent/core/error.hpp"

namespace descent {
namespace {

constexpr const char* kMagic = "descent.pld_accountant";
constexpr std::uint32_t kFormatVersion = 1;

std::size_t direction_index(Adjacency adjacency) { return adjacency == Adjacency::remove ? 0 : 1; }

}  // namespace

void PldAccountantOptions::validate() const {
  require(std::isfinite(discretization_interval) && discretization_interval > 0, kName, "discretization_interval",
          discretization_interval, "discretization_interval > 0");
  // A cut tail becomes delta: more than 1e-3 would make every answer meaningless.
  require(tail_mass > 0 && tail_mass <= 1e-3, kName, "tail_mass", tail_mass, "0 < tail_mass <= 0.001");
}

PldAccountant::PldAccountant(PldAccountantOptions options) : options_(options) { options_.validate(); }

std::string PldAccountant::spec() const {
  return "pld(discretization_interval=" + format_number(options_.discretization_interval) +
         ", tail_mass=" + format_number(options_.tail_mass) +
         ", connect_dots=" + (options_.connect_dots ? "true" : "false") + ")";
}

void PldAccountant::compose(const GaussianSteps& steps) {
  validate(steps);
  if (steps.steps == 0) return;  // no release, no loss: the ledger records releases only
  if (!ledger_.empty() && ledger_.back().noise_multiplier == steps.noise_multiplier &&
      ledger_.back().sampling_rate == steps.sampling_rate) {
    ledger_.back().steps += steps.steps;
  } else {
    ledger_.push_back(steps);
  }
  composed_.reset();
}

const PrivacyLossDistribution& PldAccountant::distribution(Adjacency adjacency) const {
  if (!composed_) {
    std::array<PrivacyLossDistribution, 2> both;
    for (Adjacency a : {Adjacency::remove, Adjacency::add}) {
      PrivacyLossDistribution total;  // no step: mass 1 at loss 0
      total.interval = options_.discretization_interval;
      for (std::size_t i = 0; i < ledger_.size(); ++i) {
        const GaussianSteps& e = ledger_[i];
        const PrivacyLossDistribution entry = self_compose(
            subsampled_gaussian_loss(e.noise_multiplier, e.sampling_rate, a, options_), e.steps, options_.tail_mass);
        total = i == 0 ? entry : descent::compose(total, entry, options_.tail_mass);
      }
      both[direction_index(a)] = std::move(total);
    }
    composed_ = std::move(both);
  }
  return (*composed_)[direction_index(adjacency)];
}

double PldAccountant::epsilon(double delta) const {
  require(delta > 0 && delta < 1, "PldAccountant", "delta", delta, "0 < delta < 1");
  if (ledger_.empty()) return 0;
  double worst = 0;
  for (Adjacency a : {Adjacency::remove, Adjacency::add}) {
    const PrivacyLossDistribution& pld = distribution(a);
    const double eps = pld.epsilon(delta);
    if (!std::isfinite(eps))
      throw ConfigError("PldAccountant: no finite epsilon is certified at delta = " + format_number(delta) +
                        ": the privacy loss (" + (a == Adjacency::remove ? "remove" : "add") +
                        " direction) is infinite with probability " + format_number(pld.infinite_mass) +
                        " >= delta (tails beyond the grid count as infinite loss; a smaller " +
                        "PldAccountantOptions::tail_mass or a larger delta may help)");
    worst = std::max(worst, eps);
  }
  return worst;
}

double PldAccountant::delta(double epsilon) const {
  require(std::isfinite(epsilon) && epsilon >= 0, "PldAccountant", "epsilon", epsilon, "epsilon >= 0");
  if (ledger_.empty()) return 0;
  return std::max(distribution(Adjacency::remove).delta(epsilon), distribution(Adjacency::add).delta(epsilon));
}

void PldAccountant::save(BinaryWriter& out) const {
  out.string(kMagic);
  out.u32(kFormatVersion);
  out.f64(options_.discretization_interval);
  out.f64(options_.tail_mass);
  out.u8(options_.connect_dots ? 1 : 0);
  out.u64(ledger_.size());
  for (const GaussianSteps& e : ledger_) {
    out.f64(e.noise_multiplier);
    out.f64(e.sampling_rate);
    out.i64(e.steps);
  }
}

void PldAccountant::load(BinaryReader& in) {
  if (in.string("PLD accountant magic") != kMagic) in.fail("not a saved PLD accountant");
  const std::uint32_t version = in.u32("PLD accountant format version");
  if (version != kFormatVersion) in.fail("PLD accountant format version " + std::to_string(version) + " unknown");
  PldAccountantOptions options;
  options.discretization_interval = in.f64("PLD discretization interval");
  options.tail_mass = in.f64("PLD tail mass");
  const std::uint8_t connect_dots = in.u8("PLD connect_dots flag");
  if (connect_dots > 1) in.fail("PLD connect_dots flag " + std::to_string(connect_dots) + " is neither 0 nor 1");
  options.connect_dots = connect_dots == 1;
  try {
    options.validate();
  } catch (const ConfigError& e) {
    in.fail(e.what());
  }
  const std::uint64_t count = in.u64("PLD ledger length");
  // Each entry takes 24 bytes: a claimed length is checked before anything is allocated.
  if (count > in.remaining() / 24) in.fail("PLD ledger claims " + std::to_string(count) + " entries");
  std::vector<GaussianSteps> ledger(count);
  for (GaussianSteps& e : ledger) {
    e.noise_multiplier = in.f64("PLD ledger noise multiplier");
    e.sampling_rate = in.f64("PLD ledger sampling rate");
    e.steps = in.i64("PLD ledger steps");
    try {
      validate(e);
    } catch (const ConfigError& error) {
      in.fail(error.what());
    }
  }
  options_ = options;
  ledger_ = std::move(ledger);
  composed_.reset();
}

}  // namespace descent
