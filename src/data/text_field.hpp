// Numbers and quoted excerpts for the text readers (libsvm, CSV). Numbers go through
// std::from_chars: locale-independent, exact (correctly rounded), and it reports range
// errors instead of returning inf or 0 silently.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace descent::data_detail {

// A field as an error message shows it: in quotes, cut to 40 characters, with control
// and non-ASCII bytes written \xNN so that binary garbage cannot break a terminal.
inline std::string quote(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (text.size() > kShown) out += "...";
  return out + "'";
}

template <class T>
constexpr const char* type_name() {
  return sizeof(T) == sizeof(float) ? "float" : "double";
}

// Why a field is not a usable value, as the end of a sentence ("'abc' is not a number"),
// or an empty string when `value` was set.
template <class T>
std::string parse_real(std::string_view text, T& value) {
  std::string_view digits = text;
  // from_chars refuses a leading '+', which libsvm labels ("+1") use all the time.
  if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+') digits.remove_prefix(1);
  const char* end = digits.data() + digits.size();
  const auto [stop, code] = std::from_chars(digits.data(), end, value, std::chars_format::general);
  if (code == std::errc::result_out_of_range) return quote(text) + " is out of range for " + type_name<T>();
  if (code != std::errc() || stop != end || digits.empty()) return quote(text) + " is not a number";
  // NaN or infinity in a dataset poisons every gradient computed from it; refuse it here.
  if (!std::isfinite(value)) return quote(text) + " is not finite";
  return {};
}

// Decimal digits only (no sign, no spaces) that fit in 64 bits.
inline bool parse_u64(std::string_view text, std::uint64_t& value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [stop, code] = std::from_chars(text.data(), end, value, 10);
  return code == std::errc() && stop == end;
}

}  // namespace descent::data_detail
