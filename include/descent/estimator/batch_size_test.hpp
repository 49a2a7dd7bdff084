// The tests that decide whether a minibatch was large enough, estimated from the batch's own
// per-sample gradients (the "adaptive sampling" tests behind AdAdaGrad; Lau, Liu & Kolar,
// "AdAdaGrad: Adaptive Batch Size Schemes for Adaptive Gradient Methods", 2024, Section 3).
// With B the batch, b = |B| >= 2, g_i = grad f_i(x) for i in B and g = (1/b) sum_i g_i:
//
//   norm (Byrd, Chin, Nocedal & Wu 2012)
//     V = 1/(b-1) sum_i ||g_i - g||^2;                   passes iff V / b <= eta^2 ||g||^2
//   augmented inner product (Bollapragada, Byrd & Nocedal 2018): both of
//     V_ip   = 1/(b-1) sum_i (<g_i, g> - ||g||^2)^2;      V_ip / b   <= theta^2 ||g||^4
//     V_orth = 1/(b-1) sum_i ||g_i - (<g_i, g>/||g||^2) g||^2;  V_orth / b <= nu^2 ||g||^2
//   coordinate-wise norm (Lau et al. 2024, the variant their AdaGrad analysis needs), every j:
//     V_j = 1/(b-1) sum_i (g_ij - g_j)^2;                 V_j / b <= eta^2 g_j^2
//
// Each sample variance estimates the variance of a single sample's gradient, so V / b estimates
// E||g - grad f(x)||^2 for a batch of b i.i.d. samples; the test asks for the batch gradient's
// error to be small relative to its size. Solving each inequality for b gives the smallest batch
// the test accepts at this x, `required_batch` (for the inner-product test the larger of its two
// conditions' sizes, for the coordinate test the largest over j); the test passes iff
// b >= required_batch. That value is also the paper's rule for the next batch size when a test
// fails: b_{k+1} = ceil(required_batch) (next_batch_size() below).
//
// A zero denominator (g = 0, or g_j = 0) with a zero variance passes (0 <= 0: an exact
// stationary batch); with a positive variance the test cannot be met by any batch size and
// required_batch is +infinity. Sums are accumulated in double whatever the gradients' type.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace descent {

// The values of AdaptiveBatchOptions::test.
enum class BatchTest : std::int64_t { norm = 0, inner_product = 1, coordinate = 2 };

struct BatchTestThresholds {
  double eta = 0.5;    // norm and coordinate tests: relative error of the batch gradient, > 0
  double theta = 0.9;  // inner-product condition, > 0
  double nu = 5.84;    // orthogonality condition, > 0
};

struct BatchTestResult {
  std::int64_t samples = 0;         // b, the rows added
  double squared_norm = 0;          // ||g||^2
  double variance = 0;              // V: the norm test's sample variance (computed for every test)
  double inner_variance = 0;        // V_ip   (inner-product test only)
  double orthogonal_variance = 0;   // V_orth (inner-product test only)
  double max_coordinate_ratio = 0;  // max_j V_j / g_j^2 (coordinate test only)
  double required_batch = 0;        // the smallest b the test accepts (may be +infinity)
  bool passed = true;               // b >= required_batch
};

// Accumulates one batch's per-sample gradients, one row at a time, against their mean given
// first; so the rows never need to be held together (O(d) memory, any batch size).
class BatchTestAccumulator {
 public:
  BatchTestAccumulator(BatchTest test, BatchTestThresholds thresholds);
  // The batch's mean gradient g; resets the sums. Allocates only when the dimension changes.
  template <class T>
  void start(std::span<const T> mean);
  // One sample's gradient g_i (same dimension as the mean).
  template <class T>
  void add(std::span<const T> row);
  // Throws MismatchError with fewer than two rows (a sample variance needs two).
  BatchTestResult finish() const;

 private:
  BatchTest test_;
  BatchTestThresholds thresholds_;
  std::vector<double> mean_;
  std::vector<double> coordinate_sums_;  // sum_i (g_ij - g_j)^2, coordinate test only
  double squared_norm_ = 0;
  double deviation_sum_ = 0;   // sum_i ||g_i - g||^2
  double inner_sum_ = 0;       // sum_i (<g_i, g> - ||g||^2)^2
  double orthogonal_sum_ = 0;  // sum_i ||g_i - (<g_i, g>/||g||^2) g||^2
  std::int64_t rows_ = 0;
};

// The batch size after a step whose test gave `result` at batch size `current`:
//   current                                      if the test passed,
//   min(cap, max(current, ceil(required_batch)))  if it failed,
// so the size never decreases and never exceeds cap (which callers set to <= n).
std::int64_t next_batch_size(const BatchTestResult& result, std::int64_t current, std::int64_t cap);

}  // namespace descent
