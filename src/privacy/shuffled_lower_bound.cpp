#include "descent/privacy/shuffled_lower_bound.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"

namespace descent {
namespace {

constexpr const char* kOwner = "shuffled_epsilon_lower_bound";

// log Phi(x), accurate in both tails.
double log_normal_cdf(double x) {
  if (x > -5) return std::log1p(-0.5 * std::erfc(x / std::numbers::sqrt2));
  if (x > -37) return std::log(0.5 * std::erfc(-x / std::numbers::sqrt2));
  // Mills' ratio: Phi(x) ~ phi(x) / |x| (relative error 1/x^2 < 1e-3 here, far below any use).
  return -0.5 * x * x - std::log(-x) - 0.5 * std::log(2 * std::numbers::pi);
}
double log_normal_density(double x) { return -0.5 * x * x - 0.5 * std::log(2 * std::numbers::pi); }

// x with P(N(0,1) > x) = upper (in (0, 1)), by bisection on erfc.
double normal_upper_quantile(double upper) {
  double lo = -40, hi = 40;  // P(N > lo) = 1 > upper > P(N > hi) = 0
  for (int i = 0; i < 80; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(mid / std::numbers::sqrt2) > upper ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// The largest of T batch sums in one epoch, one of them shifted by `mean` (2 with the record,
// 1 with the gap it leaves), all with noise s.
struct LargestBatchSum {
  double sigma;
  double batches;  // T

  // log P(M <= c) = log Phi((c - mean)/s) + (T-1) log Phi(c/s).
  double log_cdf(double mean, double c) const {
    return log_normal_cdf((c - mean) / sigma) + (batches - 1) * log_normal_cdf(c / sigma);
  }
  // log of the density of M at m, up to the term (T-2) log Phi(m/s) - log s that both means share.
  double log_density_ratio_part(double mean, double m) const {
    const double shifted = log_normal_density((m - mean) / sigma) + log_normal_cdf(m / sigma);
    if (batches == 1) return log_normal_density((m - mean) / sigma);
    const double others = std::log(batches - 1) + log_normal_cdf((m - mean) / sigma) + log_normal_density(m / sigma);
    const double top = std::max(shifted, others);
    return top + std::log(std::exp(shifted - top) + std::exp(others - top));
  }
  // The privacy loss of the statistic: log(f_first(m) / f_second(m)).
  double loss(double first, double second, double m) const {
    return log_density_ratio_part(first, m) - log_density_ratio_part(second, m);
  }
  // One draw of M with the shifted batch at `mean`: the shifted sum against the largest of
  // the T-1 others, which is s Phi^-1(U^(1/(T-1))).
  double draw(double mean, Random& rng) const {
    const double shifted = mean + sigma * rng.normal();
    if (batches == 1) return shifted;
    const double upper = -std::expm1(std::log(rng.uniform_open_zero()) / (batches - 1));  // 1 - U^(1/(T-1))
    return std::max(shifted, sigma * normal_upper_quantile(std::max(upper, 1e-300)));
  }
};

// The best threshold sets of one epoch for the direction (first, second):
// H(eps) = max(0, max_c P1(M > c) - e^eps P2(M > c), max_c P1(M <= c) - e^eps P2(M <= c)).
class OneEpochBound {
 public:
  OneEpochBound(const LargestBatchSum& statistic, double first, double second) {
    const double s = statistic.sigma;
    const double lo = -10 * s, hi = 2 + s * (12 + std::sqrt(2 * std::log(statistic.batches)));
    constexpr int kThresholds = 3000;
    for (int i = 0; i <= kThresholds; ++i) {
      const double c = lo + (hi - lo) * i / kThresholds;
      const double log_first = statistic.log_cdf(first, c), log_second = statistic.log_cdf(second, c);
      below_first_.push_back(std::exp(log_first));
      below_second_.push_back(std::exp(log_second));
      above_first_.push_back(-std::expm1(log_first));
      above_second_.push_back(-std::expm1(log_second));
    }
  }
  double operator()(double eps) const {
    const double scale = std::exp(eps);
    double best = 0;
    for (std::size_t i = 0; i < below_first_.size(); ++i) {
      best = std::max(best, above_first_[i] - scale * above_second_[i]);
      best = std::max(best, below_first_[i] - scale * below_second_[i]);
    }
    return best;
  }

 private:
  std::vector<double> below_first_, below_second_, above_first_, above_second_;
};

constexpr double kMeanWithRecord = 2, kMeanWithGap = 1;

// The Gaussian mechanism's delta (Balle & Wang 2018) with sensitivity 1: the deterministic
// batches' value, an upper bound for the shuffled one; it bounds the search.
double gaussian_delta(double sigma, double eps) {
  const auto cdf = [](double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); };
  return cdf(0.5 / sigma - eps * sigma) - std::exp(eps) * cdf(-0.5 / sigma - eps * sigma);
}

// The largest eps in [0, top] with f(eps) > delta for a decreasing f, by bisection; 0 if none.
template <class F>
double last_above(const F& f, double delta, double top) {
  if (!(f(0.0) > delta)) return 0;
  double lo = 0, hi = top;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) > delta ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace

double shuffled_delta_lower_bound(double noise_multiplier, std::int64_t batches_per_epoch, double epsilon) {
  require(std::isfinite(noise_multiplier) && noise_multiplier > 0, kOwner, "noise_multiplier", noise_multiplier,
          "noise_multiplier > 0");
  require(batches_per_epoch >= 1, kOwner, "batches_per_epoch", static_cast<double>(batches_per_epoch),
          "batches_per_epoch >= 1");
  const LargestBatchSum statistic{noise_multiplier, static_cast<double>(batches_per_epoch)};
  return std::max(OneEpochBound(statistic, kMeanWithRecord, kMeanWithGap)(epsilon),
                  OneEpochBound(statistic, kMeanWithGap, kMeanWithRecord)(epsilon));
}

namespace {

void validate_arguments(double noise_multiplier, std::int64_t batches_per_epoch, std::int64_t epochs,
                        std::int64_t samples, double failure_probability) {
  require(std::isfinite(noise_multiplier) && noise_multiplier > 0, kOwner, "noise_multiplier", noise_multiplier,
          "noise_multiplier > 0");
  require(batches_per_epoch >= 1, kOwner, "batches_per_epoch", static_cast<double>(batches_per_epoch),
          "batches_per_epoch >= 1");
  require(epochs >= 1, kOwner, "epochs", static_cast<double>(epochs), "epochs >= 1");
  require(failure_probability > 0 && failure_probability < 1, kOwner, "failure_probability", failure_probability,
          "0 < failure_probability < 1");
  if (epochs >= 2) require(samples >= 100, kOwner, "samples", static_cast<double>(samples), "samples >= 100");
}

// One direction of E >= 2 epochs: the losses of the first E-1 epochs drawn under the first
// distribution, and the last epoch's bound H tabulated, so that delta at any epsilon up to
// `top` is a pass over the draws.
class MultiEpochDirection {
 public:
  MultiEpochDirection(const LargestBatchSum& statistic, double first, double second, std::int64_t epochs,
                      std::int64_t samples, std::uint64_t seed, std::uint32_t substream, double top)
      : pilot_(samples / 10), samples_(samples) {
    const OneEpochBound bound(statistic, first, second);
    Random rng(seed, Stream::user, substream);
    losses_.resize(static_cast<std::size_t>(samples));
    for (double& l : losses_) {
      l = 0;
      for (std::int64_t e = 0; e + 1 < epochs; ++e) l += statistic.loss(first, second, statistic.draw(first, rng));
    }
    // The pilot draws fix the truncation level: clipping the loss at the pilot's largest can
    // only lower H(eps - loss), so the bound stays valid, and it shrinks the range that the
    // Bernstein bound pays for.
    cap_ = *std::max_element(losses_.begin(), losses_.begin() + pilot_);
    const auto [min_it, max_it] = std::minmax_element(losses_.begin() + pilot_, losses_.end());
    // H on a grid of eps' = eps - loss, read at the grid point above (H falls in eps', so
    // this rounds the bound down); outside the table H(low end) and 0 are below H.
    table_lo_ = std::max(-std::max(*max_it, cap_), -20.0) - kTableStep;
    const double table_hi = top - *min_it + kTableStep;
    const auto size = static_cast<std::size_t>(std::ceil((table_hi - table_lo_) / kTableStep)) + 1;
    table_.resize(size);
    for (std::size_t k = 0; k < size; ++k) table_[k] = bound(table_lo_ + kTableStep * static_cast<double>(k));
  }

  // The mean and standard error of H(eps - loss) over the main draws (H interpolated
  // linearly: an estimate, not a bound), and Maurer & Pontil's
  // lower confidence bound on E[H(eps - min(loss, cap))] with log(2/alpha) = log_term.
  ShuffledDeltaEstimate estimate(double eps, double log_term) const {
    double sum = 0, sum_squares = 0, raw = 0, raw_squares = 0;
    for (std::int64_t i = pilot_; i < samples_; ++i) {
      const double l = losses_[static_cast<std::size_t>(i)];
      const double x = h(eps - std::min(l, cap_)), y = h_interpolated(eps - l);
      sum += x;
      sum_squares += x * x;
      raw += y;
      raw_squares += y * y;
    }
    const double n = static_cast<double>(samples_ - pilot_);
    const double mean = sum / n, raw_mean = raw / n;
    const double variance = std::max(0.0, (sum_squares - n * mean * mean) / (n - 1));
    const double raw_variance = std::max(0.0, (raw_squares - n * raw_mean * raw_mean) / (n - 1));
    const double range = h(eps - cap_);
    ShuffledDeltaEstimate e;
    e.mean = raw_mean;
    e.standard_error = std::sqrt(raw_variance / n);
    e.lower = mean - std::sqrt(2 * variance * log_term / n) - 7 * range * log_term / (3 * (n - 1));
    return e;
  }

 private:
  static constexpr double kTableStep = 0.01;
  double h(double eps_prime) const {
    if (eps_prime <= table_lo_) return table_[0];
    const auto k = static_cast<std::size_t>(std::ceil((eps_prime - table_lo_) / kTableStep));
    return k < table_.size() ? table_[k] : 0.0;
  }
  double h_interpolated(double eps_prime) const {
    const double position = (eps_prime - table_lo_) / kTableStep;
    if (position <= 0) return table_[0];
    const auto k = static_cast<std::size_t>(position);
    if (k + 1 >= table_.size()) return 0.0;
    const double w = position - static_cast<double>(k);
    return (1 - w) * table_[k] + w * table_[k + 1];
  }

  std::int64_t pilot_, samples_;
  std::vector<double> losses_;
  double cap_ = 0;
  double table_lo_ = 0;
  std::vector<double> table_;
};

// Deterministic batches (each epoch one Gaussian step) are less private than shuffled ones:
// their epsilon at delta, plus a margin, caps the searches.
double search_top(double noise_multiplier, std::int64_t epochs, double delta) {
  const double combined_sigma = noise_multiplier / std::sqrt(static_cast<double>(epochs));
  return last_above([&](double e) { return gaussian_delta(combined_sigma, e); }, delta, 200.0) + 1;
}

}  // namespace

ShuffledDeltaEstimate shuffled_delta_monte_carlo(double noise_multiplier, std::int64_t batches_per_epoch,
                                                 std::int64_t epochs, double epsilon, std::int64_t samples,
                                                 std::uint64_t seed, double failure_probability) {
  validate_arguments(noise_multiplier, batches_per_epoch, epochs, samples, failure_probability);
  require(epochs >= 2, kOwner, "epochs", static_cast<double>(epochs), "epochs >= 2 (one epoch is exact)");
  require(std::isfinite(epsilon), kOwner, "epsilon", epsilon, "epsilon finite");
  const LargestBatchSum statistic{noise_multiplier, static_cast<double>(batches_per_epoch)};
  const double log_term = std::log(2.0 * 2.0 / failure_probability);  // two directions
  ShuffledDeltaEstimate best;
  for (std::uint32_t direction = 0; direction < 2; ++direction) {
    const double first = direction == 0 ? kMeanWithRecord : kMeanWithGap;
    const double second = direction == 0 ? kMeanWithGap : kMeanWithRecord;
    const MultiEpochDirection mc(statistic, first, second, epochs, samples, seed, direction, epsilon + 1);
    const ShuffledDeltaEstimate e = mc.estimate(epsilon, log_term);
    if (direction == 0 || e.mean > best.mean) best = e;
  }
  return best;
}

ShuffledEpsilonBound shuffled_epsilon_lower_bound(double noise_multiplier, std::int64_t batches_per_epoch,
                                                  std::int64_t epochs, double delta, std::int64_t samples,
                                                  std::uint64_t seed, double failure_probability) {
  validate_arguments(noise_multiplier, batches_per_epoch, epochs, samples, failure_probability);
  require(delta > 0 && delta < 1, kOwner, "delta", delta, "0 < delta < 1");
  const LargestBatchSum statistic{noise_multiplier, static_cast<double>(batches_per_epoch)};
  const double top = search_top(noise_multiplier, epochs, delta);

  ShuffledEpsilonBound result;
  if (epochs == 1) {
    for (bool with_record_first : {true, false}) {
      const OneEpochBound bound(statistic, with_record_first ? kMeanWithRecord : kMeanWithGap,
                                with_record_first ? kMeanWithGap : kMeanWithRecord);
      const double eps = last_above(bound, delta, top);
      if (eps > result.epsilon) {
        result.epsilon = result.epsilon_estimate = eps;
        result.certified_delta = bound(eps);
      }
    }
    return result;
  }

  // E epochs reveal the first epoch's output, so the exact one-epoch bound holds for them too
  // (post-processing); the Monte Carlo below can only raise it.
  const ShuffledEpsilonBound first_epoch =
      shuffled_epsilon_lower_bound(noise_multiplier, batches_per_epoch, 1, delta, samples, seed, failure_probability);
  result.epsilon = result.epsilon_estimate = first_epoch.epsilon;
  result.certified_delta = first_epoch.certified_delta;

  // Candidate epsilons on a grid, so that one union bound covers whichever is reported.
  constexpr double kEpsilonStep = 0.01;
  const auto candidates = static_cast<std::int64_t>(std::ceil(top / kEpsilonStep)) + 1;
  const double log_term = std::log(2.0 * 2.0 * static_cast<double>(candidates) / failure_probability);
  for (std::uint32_t direction = 0; direction < 2; ++direction) {
    const double first = direction == 0 ? kMeanWithRecord : kMeanWithGap;
    const double second = direction == 0 ? kMeanWithGap : kMeanWithRecord;
    const MultiEpochDirection mc(statistic, first, second, epochs, samples, seed, direction, top);
    // The last grid point where f exceeds delta, by bisection over grid indices (any grid
    // point it returns is covered by the union bound).
    const auto last_grid = [&](auto&& f) {
      if (!(f(0.0) > delta)) return 0.0;
      std::int64_t lo = 0, hi = candidates;  // f(lo) > delta; hi past the grid
      while (hi - lo > 1) {
        const std::int64_t mid = (lo + hi) / 2;
        (f(kEpsilonStep * static_cast<double>(mid)) > delta ? lo : hi) = mid;
      }
      return kEpsilonStep * static_cast<double>(lo);
    };
    const double certified = last_grid([&](double e) { return mc.estimate(e, log_term).lower; });
    if (certified > result.epsilon) {
      result.epsilon = certified;
      result.certified_delta = mc.estimate(certified, log_term).lower;
    }
    result.epsilon_estimate =
        std::max(result.epsilon_estimate, last_grid([&](double e) { return mc.estimate(e, log_term).mean; }));
  }
  return result;
}

}  // namespace descent
