#include "descent/estimator/batch_size_test.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"

namespace descent {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// numerator / denominator for the batch size that makes `variance / b <= threshold` hold,
// with the 0/0 case (no noise, no gradient) accepted by any batch.
double ratio(double numerator, double denominator) {
  if (denominator > 0) return numerator / denominator;
  return numerator > 0 ? kInfinity : 0.0;
}

}  // namespace

BatchTestAccumulator::BatchTestAccumulator(BatchTest test, BatchTestThresholds thresholds)
    : test_(test), thresholds_(thresholds) {
  require(thresholds.eta > 0, "BatchTestThresholds", "eta", thresholds.eta, "eta > 0");
  require(thresholds.theta > 0, "BatchTestThresholds", "theta", thresholds.theta, "theta > 0");
  require(thresholds.nu > 0, "BatchTestThresholds", "nu", thresholds.nu, "nu > 0");
  const auto v = static_cast<std::int64_t>(test);
  require(v >= 0 && v <= 2, "BatchTestThresholds", "test", static_cast<double>(v), "0 <= test <= 2");
}

template <class T>
void BatchTestAccumulator::start(std::span<const T> mean) {
  mean_.assign(mean.begin(), mean.end());
  squared_norm_ = 0;
  for (double v : mean_) squared_norm_ += v * v;
  coordinate_sums_.assign(test_ == BatchTest::coordinate ? mean_.size() : 0, 0.0);
  deviation_sum_ = inner_sum_ = orthogonal_sum_ = 0;
  rows_ = 0;
}

template <class T>
void BatchTestAccumulator::add(std::span<const T> row) {
  if (row.size() != mean_.size())
    throw MismatchError("batch size test: a gradient row has " + std::to_string(row.size()) + " entries, the mean " +
                        std::to_string(mean_.size()));
  const std::size_t d = mean_.size();
  double deviation = 0, inner = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const double r = static_cast<double>(row[j]);
    const double e = r - mean_[j];
    deviation += e * e;
    inner += r * mean_[j];
    if (test_ == BatchTest::coordinate) coordinate_sums_[j] += e * e;
  }
  deviation_sum_ += deviation;
  if (test_ == BatchTest::inner_product) {
    const double centred = inner - squared_norm_;
    inner_sum_ += centred * centred;
    // The component of g_i orthogonal to g, summed directly rather than as ||g_i||^2 - <g_i,g>^2/||g||^2,
    // which cancels catastrophically when g_i is nearly parallel to g.
    const double c = squared_norm_ > 0 ? inner / squared_norm_ : 0.0;
    double orthogonal = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const double o = static_cast<double>(row[j]) - c * mean_[j];
      orthogonal += o * o;
    }
    orthogonal_sum_ += orthogonal;
  }
  ++rows_;
}

BatchTestResult BatchTestAccumulator::finish() const {
  if (rows_ < 2)
    throw MismatchError("batch size test: a sample variance needs at least 2 gradients, got " + std::to_string(rows_));
  BatchTestResult r;
  r.samples = rows_;
  r.squared_norm = squared_norm_;
  const double dof = static_cast<double>(rows_ - 1);  // Bessel's correction: unbiased sample variances
  r.variance = deviation_sum_ / dof;
  const double eta2 = thresholds_.eta * thresholds_.eta;
  switch (test_) {
    case BatchTest::norm:
      r.required_batch = ratio(r.variance, eta2 * squared_norm_);
      break;
    case BatchTest::inner_product: {
      r.inner_variance = inner_sum_ / dof;
      r.orthogonal_variance = orthogonal_sum_ / dof;
      const double theta2 = thresholds_.theta * thresholds_.theta, nu2 = thresholds_.nu * thresholds_.nu;
      r.required_batch = std::max(ratio(r.inner_variance, theta2 * squared_norm_ * squared_norm_),
                                  ratio(r.orthogonal_variance, nu2 * squared_norm_));
      break;
    }
    case BatchTest::coordinate: {
      double worst = 0;
      for (std::size_t j = 0; j < mean_.size(); ++j)
        worst = std::max(worst, ratio(coordinate_sums_[j] / dof, mean_[j] * mean_[j]));
      r.max_coordinate_ratio = worst;
      r.required_batch = worst / eta2;
      break;
    }
  }
  r.passed = static_cast<double>(rows_) >= r.required_batch;
  return r;
}

std::int64_t next_batch_size(const BatchTestResult& result, std::int64_t current, std::int64_t cap) {
  if (result.passed) return current;
  // Compare before converting: required_batch may be +infinity or beyond any integer.
  const double wanted = std::ceil(result.required_batch);
  const std::int64_t grown = wanted >= static_cast<double>(cap) ? cap : static_cast<std::int64_t>(wanted);
  return std::min(cap, std::max(current, grown));
}

template void BatchTestAccumulator::start<float>(std::span<const float>);
template void BatchTestAccumulator::start<double>(std::span<const double>);
template void BatchTestAccumulator::add<float>(std::span<const float>);
template void BatchTestAccumulator::add<double>(std::span<const double>);

}  // namespace descent
