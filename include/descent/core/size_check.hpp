// Span-length checks shared by the built-in objectives. A span of the wrong length is a
// caller's mistake; it is reported as a MismatchError that names the objective, the
// argument and both lengths, instead of reading or writing out of bounds.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "descent/core/error.hpp"

namespace descent::detail {

// Throws MismatchError("<objective>: <what> has <actual> elements, expected <expected>").
inline void require_size(std::string_view objective, std::string_view what, std::size_t actual, std::size_t expected) {
  if (actual == expected) return;
  std::string message(objective);
  message.append(": ").append(what).append(" has ").append(std::to_string(actual));
  message.append(" elements, expected ").append(std::to_string(expected));
  throw MismatchError(message);
}

// The same, asking `owner` (an objective or model) for its name only when the check fails:
// name() returns a std::string, which allocates for names longer than the small-string
// buffer ("logistic_regression"), and these checks run on every step.
template <class Owner>
  requires requires(const Owner& o) { o.name(); }
inline void require_size(const Owner& owner, std::string_view what, std::size_t actual, std::size_t expected) {
  if (actual == expected) return;
  require_size(std::string_view(owner.name()), what, actual, expected);
}

}  // namespace descent::detail
