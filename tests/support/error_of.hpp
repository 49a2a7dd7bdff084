// The message of the descent::Error that f() throws, or "(no error)": for tests that check
// what an error says (that it names the field, the file, the rank) rather than only its type.
#pragma once

#include <string>

#include "descent/core/error.hpp"

namespace descent::testing {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace descent::testing
