// The discretized privacy loss distribution of pld_accountant.hpp: construction of one
// Poisson-subsampled Gaussian step, composition by FFT convolution, and the conversions to
// (epsilon, delta). Kept apart from the accountant (pld_accountant.cpp), which only keeps
// the ledger and calls these.
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <string>
#include <unsupported/Eigen/FFT>
#include <utility>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/privacy/pld_accountant.hpp"

namespace descent {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

double standard_normal_cdf(double z) { return 0.5 * std::erfc(-z * std::numbers::sqrt2 / 2); }

[[noreturn]] void refuse_grid(double interval, double points) {
  throw ConfigError(std::string(PldAccountantOptions::kName) + "::discretization_interval = " +
                    format_number(interval) + " is too fine for this ledger: the loss grid needs " +
                    format_number(std::floor(points)) + " points, more than " + std::to_string(kMaxPldGridPoints));
}

// Probabilities of the loss of one subsampled Gaussian step under both distributions of the
// pair, through the point x where the likelihood ratio 1 - q + q e^((2x - 1) / (2 s^2))
// equals e^m: both directions' losses are monotone in x, so {L <= l} is a half-line of x and
// its probability a Gaussian (mixture) tail.
struct StepLoss {
  double sigma;
  double q;
  Adjacency adjacency;

  // x with 1 - q + q e^((2x - 1) / (2 s^2)) = e^m; -infinity when e^m <= 1 - q (every x has
  // a larger ratio). Written to neither overflow for large m nor cancel for small m.
  double boundary(double m) const {
    double log_ratio;  // log((e^m - (1 - q)) / q)
    if (q == 1) {
      log_ratio = m;
    } else if (m > 0) {
      log_ratio = m - std::log(q) + std::log1p(-(1 - q) * std::exp(-m));
    } else {
      const double excess = std::expm1(m) + q;
      log_ratio = excess > 0 ? std::log(excess / q) : -kInfinity;
    }
    return sigma * sigma * log_ratio + 0.5;
  }
  // P(x <= t) and P(x > t) for x ~ N(0, s^2) and for x ~ (1-q) N(0, s^2) + q N(1, s^2); the
  // upper tails are computed directly so that they keep their digits.
  double gaussian_below(double t) const { return standard_normal_cdf(t / sigma); }
  double gaussian_above(double t) const { return standard_normal_cdf(-t / sigma); }
  double mixture_below(double t) const {
    return (1 - q) * standard_normal_cdf(t / sigma) + q * standard_normal_cdf((t - 1) / sigma);
  }
  double mixture_above(double t) const {
    return (1 - q) * standard_normal_cdf(-t / sigma) + q * standard_normal_cdf((1 - t) / sigma);
  }

  // The probabilities of {L <= l} and {L > l} under P (the distribution the loss is drawn
  // from) and Q (the other one). Remove: L <= l iff x <= boundary(l), P the mixture, Q the
  // Gaussian. Add: L <= l iff x >= boundary(-l), P the Gaussian, Q the mixture.
  struct Tails {
    double p_below, p_above, q_below, q_above;
  };
  Tails tails(double l) const {
    if (adjacency == Adjacency::remove) {
      const double x = boundary(l);
      return {mixture_below(x), mixture_above(x), gaussian_below(x), gaussian_above(x)};
    }
    const double x = boundary(-l);
    return {gaussian_above(x), gaussian_below(x), mixture_above(x), mixture_below(x)};
  }
};

// The largest l (to within `resolution`) with `tail(l) <= mass`, for a tail probability that
// falls from 1 to 0 as l moves away from the centre in direction `sign` (+1: the upper
// tail, survival; -1: the lower tail, cdf).
template <class Tail>
double tail_quantile(const Tail& tail, double mass, double sign, double resolution) {
  // outside: tail <= mass; inside: tail > mass. Both found by doubling from +-1.
  double outside = sign, inside = -sign;
  for (int i = 0; i < 1100 && tail(outside) > mass; ++i) outside *= 2;
  for (int i = 0; i < 1100 && tail(inside) <= mass; ++i) inside *= 2;
  for (int i = 0; i < 200 && std::abs(outside - inside) > resolution; ++i) {
    const double middle = 0.5 * (outside + inside);
    (tail(middle) <= mass ? outside : inside) = middle;
  }
  return outside;
}

// Smallest length >= n that is a multiple of 4 (Eigen's fast real transform) with no prime
// factor above 5 (kissfft's fast radices).
std::size_t smooth_length(std::size_t n) {
  for (std::size_t m = (n + 3) / 4 * 4;; m += 4) {
    std::size_t r = m;
    for (std::size_t p : {2, 3, 5})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

// Below this many multiply-adds the exact direct sum is cheaper than three transforms.
constexpr double kDirectConvolutionWork = 1 << 18;

// The convolution of a and b, and a bound on the absolute rounding error of each entry (0
// for the direct sum, whose rounding is relative).
struct Convolution {
  std::vector<double> values;
  double noise = 0;
};

Convolution convolve(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = a.size() + b.size() - 1;
  Convolution out{std::vector<double>(n, 0.0), 0.0};
  if (static_cast<double>(a.size()) * static_cast<double>(b.size()) <= kDirectConvolutionWork) {
    for (std::size_t i = 0; i < a.size(); ++i)
      for (std::size_t j = 0; j < b.size(); ++j) out.values[i + j] += a[i] * b[j];
    return out;
  }
  const std::size_t length = smooth_length(n);  // >= n: the circular convolution does not wrap
  Eigen::FFT<double> fft;
  fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  const auto spectrum = [&](const std::vector<double>& v) {
    std::vector<double> padded(length, 0.0);
    std::copy(v.begin(), v.end(), padded.begin());
    std::vector<std::complex<double>> s(length / 2 + 1);
    fft.fwd(s.data(), padded.data(), static_cast<Eigen::Index>(length));
    return s;
  };
  std::vector<std::complex<double>> product = spectrum(a);
  if (&a == &b) {  // squaring: one forward transform
    for (auto& z : product) z *= z;
  } else {
    const std::vector<std::complex<double>> other = spectrum(b);
    for (std::size_t k = 0; k < product.size(); ++k) product[k] *= other[k];
  }
  std::vector<double> circular(length);
  fft.inv(circular.data(), product.data(), static_cast<Eigen::Index>(length));
  // The transforms' rounding: the error of the whole output has a 2-norm of about
  // u log2(L) |a|_2 |b|_1 (u = 2^-53, L the length; |b|_1 <= 1 for probabilities, and the
  // same with a and b swapped), i.e. u log2(L) min(|a|_2, |b|_2) / sqrt(L) per entry in the
  // root-mean-square; 8 times that covers the largest entries' errors. Below it a value is
  // noise around zero (measured: 1.2e-18 rms for a 40000-point distribution of norm 1
  // squared at L = 2^17, against 4e-17 here).
  const auto norm = [](const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x * x;
    return std::sqrt(sum);
  };
  const double length_d = static_cast<double>(length);
  out.noise = 8 * 0x1p-53 * std::log2(length_d) * std::min(norm(a), norm(b)) / std::sqrt(length_d);
  for (std::size_t i = 0; i < n; ++i) out.values[i] = std::max(circular[i], 0.0);  // a probability is >= 0
  return out;
}

// Drops the ends of the grid whose entries lie below the transforms' noise floor: their
// values (true mass or rounding) move up to the first entry kept at the bottom and to
// infinity at the top, both pessimistic, and the drift of the grid's ends with composition
// stops being driven by rounding noise.
void trim_noise(PrivacyLossDistribution& pld, double noise) {
  if (noise <= 0) return;
  std::vector<double>& m = pld.mass;
  std::size_t first = 0;
  double lower = 0;
  while (first + 1 < m.size() && m[first] <= noise) lower += m[first++];
  std::size_t last = m.size() - 1;
  double upper = 0;
  while (last > first && m[last] <= noise) upper += m[last--];
  m[first] += lower;
  m.erase(m.begin() + static_cast<std::ptrdiff_t>(last + 1), m.end());
  m.erase(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(first));
  pld.first_index += static_cast<std::int64_t>(first);
  pld.infinite_mass += upper;
  pld.truncated_mass += lower + upper;
}

// Cuts at most `tail_mass` from each end: the bottom is moved up to the first kept point
// (a larger loss), the top to infinity. Both only raise delta(epsilon).
void truncate_tails(PrivacyLossDistribution& pld, double tail_mass) {
  std::vector<double>& m = pld.mass;
  std::size_t first = 0;
  double lower = 0;
  while (first + 1 < m.size() && lower + m[first] <= tail_mass) lower += m[first++];
  std::size_t last = m.size() - 1;
  double upper = 0;
  while (last > first && upper + m[last] <= tail_mass) upper += m[last--];
  m[first] += lower;
  m.erase(m.begin() + static_cast<std::ptrdiff_t>(last + 1), m.end());
  m.erase(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(first));
  pld.first_index += static_cast<std::int64_t>(first);
  pld.infinite_mass += upper;
  pld.truncated_mass += lower + upper;
}

}  // namespace

double PrivacyLossDistribution::delta(double epsilon) const {
  double sum = 0;
  // Sum from the top (the smallest terms first) for accuracy.
  for (std::size_t i = mass.size(); i-- > 0;) {
    const double l = loss(i);
    if (l <= epsilon) break;
    sum += -std::expm1(epsilon - l) * mass[i];
  }
  return sum + infinite_mass;
}

double PrivacyLossDistribution::epsilon(double target) const {
  if (infinite_mass >= target) return kInfinity;
  // Walking down the grid, at epsilon = l_k: above = sum_{j>k} p_j and
  // scaled = sum_{j>k} p_j e^(l_k - l_j), so delta(l_k) = infinite_mass + above - scaled; on
  // [l_k, l_{k+1}] delta(eps) = infinite_mass + above - e^(eps - l_k) scaled exactly.
  const double step_down = std::exp(-interval);
  double above = 0, scaled = 0;
  for (std::size_t k = mass.size(); k-- > 0;) {
    if (k + 1 < mass.size()) {
      above += mass[k + 1];
      scaled = (scaled + mass[k + 1]) * step_down;
    }
    if (infinite_mass + above - scaled > target)
      // The crossing lies in (l_k, l_{k+1}]; scaled > 0 here since delta(l_k) > infinite_mass.
      return loss(k) + std::log((infinite_mass + above - target) / scaled);
  }
  // delta(l_0) <= target: below l_0 delta(eps) = infinite_mass + total - e^(eps - l_0) * S with
  // S = sum_j p_j e^(l_0 - l_j).
  above += mass[0];
  scaled += mass[0];
  return loss(0) + std::log((infinite_mass + above - target) / scaled);
}

PrivacyLossDistribution subsampled_gaussian_loss(double noise_multiplier, double sampling_rate, Adjacency adjacency,
                                                 const PldAccountantOptions& options) {
  validate(GaussianSteps{noise_multiplier, sampling_rate, 1});
  options.validate();
  const double h = options.discretization_interval;
  const StepLoss step{noise_multiplier, sampling_rate, adjacency};
  const double low = tail_quantile([&](double l) { return step.tails(l).p_below; }, options.tail_mass, -1, h / 4);
  const double high = tail_quantile([&](double l) { return step.tails(l).p_above; }, options.tail_mass, +1, h / 4);
  const double points = (high - low) / h + 2;
  if (!(points <= static_cast<double>(kMaxPldGridPoints))) refuse_grid(h, points);
  // Grid points k_min h .. k_max h with P(L <= k_min h) <= tail_mass and
  // P(L > k_max h) <= tail_mass.
  const auto k_min = static_cast<std::int64_t>(std::floor(low / h));
  const auto k_max = std::max(k_min, static_cast<std::int64_t>(std::ceil(high / h)));
  PrivacyLossDistribution pld;
  pld.interval = h;
  pld.first_index = k_min;
  pld.mass.assign(static_cast<std::size_t>(k_max - k_min + 1), 0.0);
  StepLoss::Tails lower = step.tails(static_cast<double>(k_min) * h);
  const double bottom_tail = lower.p_below;
  pld.mass[0] = bottom_tail;              // rounded up to the bottom point
  const double shrink = -std::expm1(-h);  // 1 - e^-h
  for (std::size_t i = 1; i < pld.mass.size(); ++i) {
    const double l = static_cast<double>(k_min + static_cast<std::int64_t>(i)) * h;
    const StepLoss::Tails upper = step.tails(l);
    // P and Q of the bin (l - h, l]: differences of the smaller tails keep the digits of both.
    const double p = std::max(lower.p_below < 0.5 ? upper.p_below - lower.p_below : lower.p_above - upper.p_above, 0.0);
    const double qm =
        std::max(lower.q_below < 0.5 ? upper.q_below - lower.q_below : lower.q_above - upper.q_above, 0.0);
    if (!options.connect_dots) {
      pld.mass[i] += p;  // the loss rounded up to l
    } else {
      // Each outcome's Q-mass is split between the bin's ends in proportion to where its
      // likelihood ratio g = e^L lies in [e^(l-h), e^l]: a mean-preserving spread of g under Q.
      // The upper end gets P-mass e^l (P - e^(l-h) Q) / (e^l - e^(l-h)); the lower end the rest.
      const double lower_ratio_q = qm > 0 ? std::exp(l - h + std::log(qm)) : 0.0;  // e^(l-h) Q, no overflow
      const double to_upper = std::clamp((p - lower_ratio_q) / shrink, 0.0, p);
      pld.mass[i] += to_upper;
      pld.mass[i - 1] += p - to_upper;
    }
    lower = upper;
  }
  pld.infinite_mass = lower.p_above;  // the top tail
  pld.truncated_mass = bottom_tail + lower.p_above;
  return pld;
}

PrivacyLossDistribution compose(const PrivacyLossDistribution& a, const PrivacyLossDistribution& b, double tail_mass) {
  if (a.interval != b.interval)
    throw MismatchError("compose: privacy loss distributions on different grids (interval " +
                        format_number(a.interval) + " and " + format_number(b.interval) + ")");
  const double points = static_cast<double>(a.mass.size()) + static_cast<double>(b.mass.size()) - 1;
  if (points > static_cast<double>(kMaxPldGridPoints)) refuse_grid(a.interval, points);
  PrivacyLossDistribution out;
  out.interval = a.interval;
  out.first_index = a.first_index + b.first_index;
  Convolution sum = convolve(a.mass, b.mass);
  out.mass = std::move(sum.values);
  // The sum is infinite when either term is.
  out.infinite_mass = a.infinite_mass + b.infinite_mass - a.infinite_mass * b.infinite_mass;
  // Moving mass t in one term moves at most t in the sum: truncations add up.
  out.truncated_mass = a.truncated_mass + b.truncated_mass;
  trim_noise(out, sum.noise);
  truncate_tails(out, tail_mass);
  return out;
}

PrivacyLossDistribution self_compose(const PrivacyLossDistribution& a, std::int64_t times, double tail_mass) {
  if (times < 0) throw ConfigError("self_compose: times = " + std::to_string(times) + " violates times >= 0");
  PrivacyLossDistribution result;  // no loss: mass 1 at 0
  result.interval = a.interval;
  bool empty = true;
  PrivacyLossDistribution power = a;
  while (times > 0) {
    if (times & 1) {
      result = empty ? power : compose(result, power, tail_mass);
      empty = false;
    }
    times >>= 1;
    if (times > 0) power = compose(power, power, tail_mass);
  }
  return result;
}

}  // namespace descent
