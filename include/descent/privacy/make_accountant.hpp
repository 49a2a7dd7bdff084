// Privacy accountants by name, for the command line, Python and the noise calibration.
#pragma once

#include <string>
#include <vector>

#include "descent/privacy/accountant.hpp"

namespace descent {

// A fresh accountant: "rdp" (RdpAccountant with its default orders). Throws ConfigError
// "accountant = 'x' is not one of rdp, ..." for another name.
PrivacyAccountantPtr make_accountant(const std::string& spec);

// The names make_accountant knows, in the order it lists them.
std::vector<std::string> accountant_names();

}  // namespace descent
