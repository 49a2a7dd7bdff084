#include "descent/privacy/rdp_accountant.hpp"

#include <cmath>
#include <limits>
#include <span>
#include <utility>

#include "descent/core/error.hpp"
#include "descent/privacy/rdp_conversion.hpp"
#include "descent/privacy/sampled_gaussian_rdp.hpp"

namespace descent {
namespace {

constexpr const char* kOwner = "RdpAccountant";
constexpr std::uint32_t kFormatVersion = 1;

void check_orders(const std::vector<double>& orders) {
  if (orders.empty()) throw ConfigError("RdpAccountant::orders is empty: give at least one order > 1");
  for (std::size_t k = 0; k < orders.size(); ++k)
    require(std::isfinite(orders[k]) && orders[k] > 1, kOwner, "orders[" + std::to_string(k) + "]", orders[k],
            "orders > 1");
}

void check_delta(double delta) { require(delta > 0 && delta < 1, kOwner, "delta", delta, "0 < delta < 1"); }

}  // namespace

std::vector<double> RdpAccountant::default_orders() {
  std::vector<double> orders;
  for (int x = 1; x < 100; ++x) orders.push_back(1 + x / 10.0);  // as dp_accounting writes them
  for (int a = 11; a < 64; ++a) orders.push_back(a);
  for (double a : {128, 256, 512, 1024}) orders.push_back(a);
  return orders;
}

RdpAccountant::RdpAccountant() : RdpAccountant(default_orders()) {}

RdpAccountant::RdpAccountant(std::vector<double> orders) : orders_(std::move(orders)) {
  check_orders(orders_);
  rdp_.assign(orders_.size(), 0.0);
}

std::string RdpAccountant::spec() const {
  if (orders_ == default_orders()) return "rdp";
  std::string s = "rdp(orders=[";
  for (std::size_t k = 0; k < orders_.size(); ++k) s += (k ? ", " : "") + format_number(orders_[k]);
  return s + "])";
}

void RdpAccountant::compose(const GaussianSteps& steps) {
  validate(steps);
  if (steps.steps == 0) return;
  const bool merge = !ledger_.empty() && ledger_.back().noise_multiplier == steps.noise_multiplier &&
                     ledger_.back().sampling_rate == steps.sampling_rate;
  if (merge && ledger_.back().steps > std::numeric_limits<std::int64_t>::max() - steps.steps)
    throw ConfigError("RdpAccountant: the ledger's step count would overflow: " + std::to_string(ledger_.back().steps) +
                      " + " + std::to_string(steps.steps));
  // Every order first, so that nothing changes if one throws.
  std::vector<double> rdp = rdp_;
  const double count = static_cast<double>(steps.steps);
  for (std::size_t k = 0; k < orders_.size(); ++k)
    rdp[k] += count * sampled_gaussian_rdp(steps.sampling_rate, steps.noise_multiplier, orders_[k]);
  rdp_ = std::move(rdp);
  if (merge)
    ledger_.back().steps += steps.steps;
  else
    ledger_.push_back(steps);
}

namespace {

RdpBound best_epsilon(const std::vector<double>& orders, const std::vector<double>& rdp, double delta) {
  const RdpBound best = rdp_to_epsilon(orders, rdp, delta);
  if (!std::isfinite(best.value))
    throw ConfigError("RdpAccountant: no order gives a finite epsilon at delta = " + format_number(delta) +
                      ": the ledger's RDP is infinite at all " + std::to_string(orders.size()) +
                      " orders (is a noise_multiplier too small?)");
  return best;
}

}  // namespace

double RdpAccountant::epsilon(double delta) const {
  check_delta(delta);
  if (ledger_.empty()) return 0;
  return best_epsilon(orders_, rdp_, delta).value;
}

double RdpAccountant::best_order(double delta) const {
  check_delta(delta);
  if (ledger_.empty()) return orders_.front();
  return best_epsilon(orders_, rdp_, delta).order;
}

double RdpAccountant::delta(double epsilon) const {
  require(epsilon >= 0, kOwner, "epsilon", epsilon, "epsilon >= 0");
  if (ledger_.empty()) return 0;
  return rdp_to_delta(orders_, rdp_, epsilon).value;
}

void RdpAccountant::save(BinaryWriter& out) const {
  out.string("rdp");
  out.u32(kFormatVersion);
  out.array(std::span<const double>(orders_));
  out.u64(ledger_.size());
  for (const GaussianSteps& s : ledger_) {
    out.f64(s.noise_multiplier);
    out.f64(s.sampling_rate);
    out.i64(s.steps);
  }
}

void RdpAccountant::load(BinaryReader& in) {
  const std::string kind = in.string("accountant kind");
  if (kind != "rdp") in.fail("the saved accountant is '" + kind + "', not rdp");
  const std::uint32_t version = in.u32("rdp accountant version");
  if (version != kFormatVersion)
    in.fail("rdp accountant format version " + std::to_string(version) + ", expected " +
            std::to_string(kFormatVersion));
  std::vector<double> orders = in.array<double>("rdp orders");
  const std::uint64_t entries = in.u64("rdp ledger length");
  constexpr std::size_t kEntryBytes = 2 * sizeof(double) + sizeof(std::int64_t);
  if (entries > in.remaining() / kEntryBytes)
    in.fail("rdp ledger claims " + std::to_string(entries) + " entries but only " + std::to_string(in.remaining()) +
            " bytes are left");
  std::vector<GaussianSteps> ledger(entries);
  for (GaussianSteps& s : ledger) {
    s.noise_multiplier = in.f64("rdp ledger noise_multiplier");
    s.sampling_rate = in.f64("rdp ledger sampling_rate");
    s.steps = in.i64("rdp ledger steps");
  }
  // Rebuilt from scratch through the checked constructor and compose, then swapped in.
  try {
    RdpAccountant loaded(std::move(orders));
    for (const GaussianSteps& s : ledger) loaded.compose(s);
    *this = std::move(loaded);
  } catch (const ConfigError& e) {
    in.fail(std::string("invalid rdp accountant state: ") + e.what());
  }
}

}  // namespace descent
