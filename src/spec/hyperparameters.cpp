#include "descent/spec/hyperparameters.hpp"

namespace descent {

std::string Range::describe(const std::string& name) const {
  const bool has_lo = std::isfinite(lo);
  const bool has_hi = std::isfinite(hi);
  if (has_lo && has_hi)
    return format_number(lo) + (lo_open ? " < " : " <= ") + name + (hi_open ? " < " : " <= ") + format_number(hi);
  if (has_lo) return name + (lo_open ? " > " : " >= ") + format_number(lo);
  if (has_hi) return name + (hi_open ? " < " : " <= ") + format_number(hi);
  return name + " finite";
}

double Range::outside() const {
  if (std::isfinite(lo)) return lo_open ? lo : lo - 1;
  if (std::isfinite(hi)) return hi_open ? hi : hi + 1;
  return std::numeric_limits<double>::quiet_NaN();
}

std::string format_field_value(double v) { return format_number(v); }
std::string format_field_value(std::int64_t v) { return std::to_string(v); }
std::string format_field_value(bool v) { return v ? "true" : "false"; }
std::string format_field_value(const std::string& v) { return v; }

std::string describe_choices(const std::vector<std::string>& choices) {
  std::string s = "one of ";
  for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
  return s;
}
std::string format_field_value(const SchedulePtr& v) {
  if (!v) return "none";
  double c = 0;
  if (is_constant(*v, &c)) return format_number(c);
  return v->spec();
}

}  // namespace descent
