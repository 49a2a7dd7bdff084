// An error attributed to one command-line option, so that the message a user sees
// starts with the option to fix: "--optimizer: AdamOptions::beta1 = 1.2 violates ...".
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include "descent/core/error.hpp"

namespace descent::cli {

class OptionError : public std::runtime_error {
 public:
  OptionError(const std::string& option, const std::string& message) : std::runtime_error(option + ": " + message) {}
};

// Runs `step`, re-throwing any descent::Error (or OptionError) it raises as an
// OptionError naming `option`.
template <class Step>
auto for_option(const std::string& option, Step&& step) -> decltype(step()) {
  try {
    return std::forward<Step>(step)();
  } catch (const descent::Error& e) {
    throw OptionError(option, e.what());
  }
}

}  // namespace descent::cli
