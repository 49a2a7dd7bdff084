#include "descent/privacy/make_accountant.hpp"

#include <functional>
#include <memory>
#include <utility>

#include "descent/core/error.hpp"
#include "descent/privacy/pld_accountant.hpp"
#include "descent/privacy/rdp_accountant.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {
namespace {

using AccountantMaker = std::function<PrivacyAccountantPtr()>;

// One line per accountant.
const std::vector<std::pair<std::string, AccountantMaker>>& makers() {
  static const std::vector<std::pair<std::string, AccountantMaker>> table = {
      {"rdp", [] { return std::make_unique<RdpAccountant>(); }},
      {"pld", [] { return std::make_unique<PldAccountant>(); }},
  };
  return table;
}

}  // namespace

std::vector<std::string> accountant_names() {
  std::vector<std::string> names;
  for (const auto& [name, make] : makers()) names.push_back(name);
  return names;
}

PrivacyAccountantPtr make_accountant(const std::string& spec) {
  for (const auto& [name, make] : makers())
    if (name == spec) return make();
  throw ConfigError("accountant = '" + spec + "' is not " + describe_choices(accountant_names()));
}

}  // namespace descent
