// The message of the error of type E (any descent::Error by default) that f() throws, or
// "(no error)": for tests that check what an error says (that it names the field, the file,
// the rank) rather than only its type. error_of<ConfigError>: an error of another type
// escapes, and fails the test.
#pragma once

#include <string>

#include "descent/core/error.hpp"

namespace descent::testing {

template <class E = Error, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace descent::testing
