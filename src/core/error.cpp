#include "descent/core/error.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace descent {

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), end);
}

void require(bool ok, std::string_view owner, std::string_view name, double value, std::string_view constraint) {
  if (ok) return;
  std::string message;
  message.append(owner).append("::").append(name).append(" = ").append(format_number(value));
  message.append(" violates ").append(constraint);
  throw ConfigError(message);
}

}  // namespace descent
