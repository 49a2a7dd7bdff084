#include "descent/transform/schedule_refinement.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

const std::vector<Field<RefineOptions>>& RefineOptions::fields() {
  static const std::vector<Field<RefineOptions>> f = {
      {"median_window", &RefineOptions::median_window, Range::at_least(1),
       "width of the median filter over the norms (1: none)"},
      {"norm_power", &RefineOptions::norm_power, Range::positive(),
       "p in w_t = G_t^-p sum_{s>t} G_s^-p: 2 for SGD, 1 for Adam-type (l1 norms)"}};
  return f;
}

std::vector<double> median_filter(std::span<const double> values, std::int64_t window) {
  const auto n = static_cast<std::int64_t>(values.size());
  const std::int64_t before = (window - 1) / 2, after = window / 2;
  std::vector<double> out(values.size()), scratch;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t lo = std::max<std::int64_t>(0, i - before), hi = std::min(n, i + after + 1);
    scratch.assign(values.begin() + lo, values.begin() + hi);
    const std::size_t mid = scratch.size() / 2;
    std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(mid), scratch.end());
    double m = scratch[mid];
    if (scratch.size() % 2 == 0) {  // even count: the mean of the two middle values
      const double below = *std::max_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(mid));
      m = 0.5 * (below + m);
    }
    out[static_cast<std::size_t>(i)] = m;
  }
  return out;
}

std::vector<double> refine_schedule(std::span<const double> gradient_norms, const RefineOptions& options) {
  validate(options);
  const std::size_t n = gradient_norms.size();
  if (n < 2)
    throw MismatchError("refine_schedule needs the gradient norms of at least 2 steps, got " + std::to_string(n));
  for (std::size_t t = 0; t < n; ++t)
    if (!std::isfinite(gradient_norms[t]) || gradient_norms[t] < 0)
      throw MismatchError("refine_schedule: gradient norm " + std::to_string(t) + " is " +
                          format_number(gradient_norms[t]) + " (needs a finite number >= 0)");
  std::vector<double> g = median_filter(gradient_norms, options.median_window);
  // Divide by the smallest norm first: the weights are scale-free, every G / min >= 1 keeps
  // G^-p <= 1 from overflowing, and a constant sequence becomes exactly 1s, so its sums are
  // exact integers (the linear-decay equivalence then holds bit for bit).
  const double smallest = *std::min_element(g.begin(), g.end());
  if (smallest == 0) {
    const auto at = std::min_element(g.begin(), g.end()) - g.begin();
    throw MismatchError("refine_schedule: gradient norm " + std::to_string(at) +
                        " is 0 (after smoothing), so its weight G_t^-p is infinite");
  }
  for (double& v : g) v = std::pow(v / smallest, -options.norm_power);
  std::vector<double> w(n);
  double later = 0;  // sum_{s > t} G_s^-p
  for (std::size_t t = n; t-- > 0;) {
    w[t] = g[t] * later;
    later += g[t];
  }
  const double peak = *std::max_element(w.begin(), w.end());
  if (!(peak > 0) || !std::isfinite(peak))
    throw MismatchError("refine_schedule: the weights have no finite positive maximum (norms too far apart)");
  for (double& v : w) v /= peak;
  return w;
}

}  // namespace descent
