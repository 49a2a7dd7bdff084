// The one exception hierarchy of descent. Every error a user can cause derives from
// descent::Error, so `catch (const descent::Error&)` is enough at a program's edge.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace descent {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A hyperparameter or option outside its allowed range. The message names the
// option, its value and the violated constraint:
//   AdamOptions::beta1 = 1.2 violates 0 <= beta1 < 1
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A spec string (optimizer grammar) that does not parse or names an unknown entity.
// `column` is 1-based and points at the offending character.
class ParseError : public Error {
 public:
  ParseError(const std::string& message, std::size_t column) : Error(message), column_(column) {}
  std::size_t column() const noexcept { return column_; }

 private:
  std::size_t column_;
};

// A file that cannot be opened, read or written. The message names the file.
class IoError : public Error {
 public:
  using Error::Error;
};

// A file whose content is malformed (bad magic, truncated, corrupted checksum...).
class FormatError : public IoError {
 public:
  using IoError::IoError;
};

// Objects that do not fit together: a state made for another transform or another
// parameter layout, a gradient of the wrong length.
class MismatchError : public Error {
 public:
  using Error::Error;
};

// Shortest decimal text that reads back to the same double ("0.001", "1e-08").
std::string format_number(double value);

// Throws ConfigError("<owner>::<name> = <value> violates <constraint>") unless `ok`.
void require(bool ok, std::string_view owner, std::string_view name, double value, std::string_view constraint);

}  // namespace descent
