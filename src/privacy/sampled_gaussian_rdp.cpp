#include "descent/privacy/sampled_gaussian_rdp.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log(exp(x) - 1) for x > 0, without overflow for large x.
double log_expm1(double x) { return x > 40 ? x + std::log1p(-std::exp(-x)) : std::log(std::expm1(x)); }

// log(exp(a) + exp(b)).
double log_add(double a, double b) {
  if (a < b) std::swap(a, b);
  if (b == -kInf) return a;
  return a + std::log1p(std::exp(b - a));
}

// log(erfc(t) exp(t^2) / 2) for t >= 0: the Gaussian tail without its exp(-t^2) factor, which
// the caller cancels against the series' exp((i^2 - i) / (2 sigma^2)) by hand.
double log_half_scaled_erfc(double t) {
  if (t < 12) {
    // erfc is accurate to a few ulps here (erfc(12) = 1.4e-64 is far from underflow); t^2
    // is split into hi + lo (fma gives lo exactly) so that exp(t^2) keeps full precision.
    const double hi = t * t;
    const double lo = std::fma(t, t, -hi);
    return std::log(0.5 * std::erfc(t) * std::exp(hi) * (1 + lo));
  }
  // Asymptotic series erfc(t) exp(t^2) = 1 / (t sqrt(pi)) sum_k (-1)^k (2k - 1)!! / (2 t^2)^k.
  // For t >= 12 its terms shrink until k ~ t^2 = 144; the 24th is below 1e-29 of the first.
  const double u = 1 / (2 * t * t);
  double term = 1, sum = 1;
  for (int k = 1; k <= 24; ++k) {
    term *= -(2 * k - 1) * u;
    sum += term;
  }
  return std::log(sum / (2 * t * std::sqrt(std::numbers::pi)));
}

// A sum of signed terms given by their logarithms, kept as sum * exp(log_scale) so that
// nothing overflows; the scale follows the largest term so far, and the partial sums kept
// for the averaging (see below) follow the scale.
class LogScaledSum {
 public:
  void add(double log_magnitude, bool negative) {
    if (log_magnitude == -kInf) return;
    if (log_magnitude > log_scale_) {
      const double factor = log_scale_ == -kInf ? 0 : std::exp(log_scale_ - log_magnitude);
      sum_ *= factor;
      for (double& s : partial_sums_) s *= factor;
      log_scale_ = log_magnitude;
    }
    sum_ += (negative ? -1 : 1) * std::exp(log_magnitude - log_scale_);
  }
  // Records the current sum, keeping the latest `keep`.
  void record(std::size_t keep) {
    partial_sums_.push_back(sum_);
    if (partial_sums_.size() > keep) partial_sums_.erase(partial_sums_.begin());
  }
  double sum() const { return sum_; }
  double log_scale() const { return log_scale_; }
  std::vector<double>& partial_sums() { return partial_sums_; }

 private:
  double log_scale_ = -kInf;
  double sum_ = 0;
  std::vector<double> partial_sums_;
};

// Alternating terms summed before the partial sums are averaged (see the series below), and
// the number of averaging rounds. With terms b_i ~ i^-p (p = alpha + 2 >= 3), k rounds of
// averaging leave an error of about (p)_k / 2^k * i^-(p + k): for i >= 40 and k = 32 that is
// below 1e-40 of the first term: far below rounding.
constexpr std::int64_t kAlternatingTerms = 64;
constexpr int kAveragingRounds = 32;

}  // namespace

double sampled_gaussian_log_moment_integer(double q, double sigma, std::int64_t alpha) {
  // log(A - 1) = log sum_{i >= 2} C(alpha, i) q^i (1 - q)^(alpha - i) expm1((i^2 - i) / (2 sigma^2)),
  // with log C(alpha, i) built up from log C(alpha, 1) = log alpha.
  const double log_q = std::log(q), log_1mq = std::log1p(-q);
  const double a = static_cast<double>(alpha);
  double log_binomial = std::log(a);     // i = 1
  double log_scale = -kInf, scaled = 0;  // the running log-sum-exp: scaled * exp(log_scale)
  for (std::int64_t i = 2; i <= alpha; ++i) {
    const double di = static_cast<double>(i);
    log_binomial += std::log(a - di + 1) - std::log(di);
    const double exponent = (di * di - di) / (2 * sigma * sigma);
    const double log_term = log_binomial + di * log_q + (a - di) * log_1mq + log_expm1(exponent);
    if (log_term == kInf) return kInf;
    if (log_term > log_scale) {
      scaled = scaled * std::exp(log_scale - log_term) + 1;
      log_scale = log_term;
    } else {
      scaled += std::exp(log_term - log_scale);
    }
  }
  const double log_a_minus_1 = log_scale + std::log(scaled);
  // log(1 + exp(x)), stably on both sides of 0.
  return log_a_minus_1 > 0 ? log_a_minus_1 + std::log1p(std::exp(-log_a_minus_1)) : std::log1p(std::exp(log_a_minus_1));
}

double sampled_gaussian_log_moment_series(double q, double sigma, double alpha) {
  const double log_q = std::log(q), log_1mq = std::log1p(-q);
  const double two_var = 2 * sigma * sigma;
  // z0 = sigma^2 log((1 - q) / q) + 1/2: where (1 - q) mu_0 = q mu_1.
  const double z0 = sigma * sigma * (log_1mq - log_q) + 0.5;
  // Where the erfc argument t is positive, exp((k^2 - k) / (2 sigma^2)) q^k (1 - q)^(alpha - k)
  // exp(-t^2) collapses to (1 - q)^alpha exp(-z0^2 / (2 sigma^2)) for both series (expand
  // t^2 = (k - z0)^2 / (2 sigma^2) and use 2 z0 - 1 = 2 sigma^2 log((1 - q) / q)): one constant
  // instead of two large exponents that cancel.
  const double log_tail_factor = alpha * log_1mq - z0 * z0 / two_var;
  const double inv_sqrt2_sigma = 1 / (std::sqrt(2.0) * sigma);
  // log of the k-th term's factors other than C(alpha, i), for power k of the likelihood
  // ratio and erfc argument t = +-(k - z0) / (sqrt 2 sigma).
  const auto log_factor = [&](double k, double log_weight, double t) {
    if (t > 0) return log_tail_factor + log_half_scaled_erfc(t);
    return log_weight + (k * k - k) / two_var + std::log(0.5 * std::erfc(t));
  };

  const double first_alternating = std::floor(alpha) + 1;  // C(alpha, i) alternates from here on
  LogScaledSum sum;
  double log_binomial = 0;  // log |C(alpha, i)|
  bool negative = false;    // the sign of C(alpha, i)
  for (std::int64_t n = 0;; ++n) {
    const double i = static_cast<double>(n), j = alpha - i;
    const double log_s0 = log_factor(i, i * log_q + j * log_1mq, (i - z0) * inv_sqrt2_sigma);
    const double log_s1 = log_factor(j, j * log_q + i * log_1mq, (z0 - j) * inv_sqrt2_sigma);
    const double log_term = log_binomial + log_add(log_s0, log_s1);
    if (std::isnan(log_term) || log_term == kInf) return kInf;
    sum.add(log_term, negative);

    if (i >= first_alternating) {
      // From here the terms alternate in sign and shrink in magnitude (|C(alpha, i)| falls
      // for i > (alpha - 1) / 2, and the other factors fall in i for every q and sigma), so
      // the limit lies between consecutive partial sums: stop once a term is below the
      // rounding of the sum.
      if (log_term < sum.log_scale() + std::log(std::abs(sum.sum())) - 44) break;
      sum.record(kAveragingRounds + 1);
      if (i >= first_alternating + kAlternatingTerms) {
        // A slowly decaying tail (small z0): Euler's transform as repeated averaging of
        // consecutive partial sums, each round cancelling one more order of the tail.
        std::vector<double>& partial_sums = sum.partial_sums();
        for (int round = 0; round < kAveragingRounds; ++round)
          for (std::size_t k = 0; k + 1 < partial_sums.size() - static_cast<std::size_t>(round); ++k)
            partial_sums[k] = 0.5 * (partial_sums[k] + partial_sums[k + 1]);
        const double limit = partial_sums.front();
        return limit > 0 ? sum.log_scale() + std::log(limit) : kInf;
      }
    }
    // C(alpha, i + 1) = C(alpha, i) (alpha - i) / (i + 1); zero past an integer alpha, where
    // the series is finite.
    const double factor = alpha - i;
    if (factor == 0) break;
    log_binomial += std::log(std::abs(factor)) - std::log(i + 1);
    if (factor < 0) negative = !negative;
  }
  return sum.sum() > 0 ? sum.log_scale() + std::log(sum.sum()) : kInf;
}

double sampled_gaussian_rdp(double q, double sigma, double alpha) {
  require(std::isfinite(q) && q > 0 && q <= 1, "sampled_gaussian_rdp", "sampling_rate", q, "0 < sampling_rate <= 1");
  require(std::isfinite(sigma) && sigma > 0, "sampled_gaussian_rdp", "noise_multiplier", sigma, "noise_multiplier > 0");
  require(std::isfinite(alpha) && alpha > 1, "sampled_gaussian_rdp", "order", alpha, "order > 1");
  if (q == 1) return alpha / (2 * sigma * sigma);
  // Integer orders up to 2^53 (every integer a double holds exactly) take the finite expansion.
  const bool integer = alpha == std::floor(alpha) && alpha <= 0x1p53;
  const double log_a = integer ? sampled_gaussian_log_moment_integer(q, sigma, static_cast<std::int64_t>(alpha))
                               : sampled_gaussian_log_moment_series(q, sigma, alpha);
  // A_alpha >= 1 (a Renyi divergence is >= 0); a rounding below it is no information.
  return std::max(log_a, 0.0) / (alpha - 1);
}

}  // namespace descent
