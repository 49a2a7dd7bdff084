// The Renyi-DP accountant (Mironov 2017, "Renyi Differential Privacy"; the moments accountant
// of Abadi et al. 2016 in its modern form): each entry of the ledger is `steps` runs of the
// Poisson-subsampled Gaussian mechanism, whose RDP at order alpha is computed exactly
// (sampled_gaussian_rdp.hpp); RDP composes by addition at each order, so the ledger's RDP is
//   R_alpha = sum over entries of steps * R_alpha(q, sigma),
// and (epsilon, delta) comes from the best order (rdp_conversion.hpp). The answers are upper
// bounds: the privacy loss distribution accountant is tighter.
//
// Orders: by default dp_accounting's DEFAULT_RDP_ORDERS (1.1, 1.2, ..., 10.9, then 11, 12, ...,
// 63, then 128, 256, 512, 1024: 156 orders); Opacus' RDPAccountant.DEFAULT_ALPHAS is the same
// list without 11, 128, 256, 512 and 1024. Any list of finite orders > 1 may be given.
#pragma once

#include <string>
#include <vector>

#include "descent/privacy/accountant.hpp"

namespace descent {

class RdpAccountant final : public PrivacyAccountant {
 public:
  RdpAccountant();  // default_orders()
  // Throws ConfigError "RdpAccountant::orders[k] = v violates orders > 1" (finite, > 1), or
  // for an empty list.
  explicit RdpAccountant(std::vector<double> orders);

  static std::vector<double> default_orders();

  // "rdp" with the default orders, "rdp(orders=[1.5, 2, 32])" otherwise.
  std::string spec() const override;

  // Adds steps * R_alpha(q, sigma) at every order. An entry of 0 steps changes nothing.
  void compose(const GaussianSteps& steps) override;
  const std::vector<GaussianSteps>& ledger() const override { return ledger_; }

  double epsilon(double delta) const override;
  double delta(double epsilon) const override;
  // The order whose bound gave epsilon(delta) (the first order before any step).
  double best_order(double delta) const;

  const std::vector<double>& orders() const { return orders_; }
  // The ledger's R_alpha at each order (zeros before any step; +inf where not finite).
  const std::vector<double>& rdp() const { return rdp_; }

  // The orders and the ledger; load recomputes the RDP from them.
  void save(BinaryWriter& out) const override;
  void load(BinaryReader& in) override;

 private:
  std::vector<double> orders_;
  std::vector<GaussianSteps> ledger_;
  std::vector<double> rdp_;
};

}  // namespace descent
