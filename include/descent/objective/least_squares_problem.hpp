// A synthetic, consistent least-squares problem: the finite sum every stochastic method
// is first tested on, because its constants are all known.
//   f(x) = (1/n) sum_i f_i(x),   f_i(x) = 1/2 (a_i . x - b_i)^2,   b = A x*,
// so f* = 0 at x* (the system is consistent) and
//   grad f_i(x) = r_i a_i with r_i = a_i . x - b_i,   ||grad f_i(x)|| = |r_i| ||a_i||,
//   Hessian = A^T A / n (constant),   L = lambda_max(A^T A / n),   L_i = ||a_i||^2.
// Data, all from Random(seed, Stream::data) (substreams 0, 1, 2):
//   a_i = s_i z_i with z_i ~ N(0, I_d); s_i = row_scale_spread^(u_i), u_i ~ U[0, 1), so
//   per-sample smoothness L_i varies by up to row_scale_spread^2 (importance sampling
//   has something to exploit when the spread is > 1); x* ~ N(0, I_d).
// A is stored in T, row-major; b is computed from the stored (rounded) A and x* in double
// and kept in double, so that r_i(x*) = 0 exactly in float too.
// Every sum is accumulated in double in a fixed order; threads split the samples into
// fixed chunks whose partial sums are added in chunk order, so results are bitwise the
// same for any number of OpenMP threads.
#pragma once

#include <cstdint>
#include <vector>

#include "descent/objective/objective.hpp"

namespace descent {

struct LeastSquaresOptions {
  static constexpr const char* kName = "LeastSquaresOptions";
  std::size_t samples = 100;    // n >= 1
  std::size_t features = 10;    // d >= 1
  std::uint64_t seed = 0;       // draws A and x*
  double row_scale_spread = 1;  // s_i = spread^(u_i): 1 <= spread < inf (1: rows unscaled)

  // Throws ConfigError "LeastSquaresOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
class SyntheticLeastSquares final : public FiniteSum<T> {
 public:
  // Costs O(n d^2 + d^3) once, for the Gram matrix A^T A / n and its eigenvalues.
  explicit SyntheticLeastSquares(LeastSquaresOptions options = {});

  std::string name() const override { return "least_squares"; }
  std::size_t dimension() const override { return options_.features; }
  std::size_t num_samples() const override { return options_.samples; }

  // Full objective: the mean over all n samples, without allocating a gradient.
  T value(std::span<const T> x) const override;
  T value_and_gradient(std::span<const T> x, std::span<T> gradient) const override;
  // Indices must be < n (MismatchError otherwise); repeats count as often as they occur.
  T batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                             std::span<T> gradient) const override;
  void per_sample_gradients(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> out) const override;
  void per_sample_gradient_norms(std::span<const T> x, std::span<const std::size_t> batch,
                                 std::span<T> norms) const override;
  bool has_hessian_vector() const override { return true; }
  // A^T A v / n, independent of x (x is still checked for its length).
  void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const override;
  // lambda_max(A^T A / n).
  std::optional<T> smoothness() const override { return smoothness_; }
  std::optional<KnownMinimum<T>> known_minimum() const override;

  // lambda_min(A^T A / n): the strong-convexity constant (0 when n < d).
  T strong_convexity() const { return strong_convexity_; }
  // L_i = ||a_i||^2, the smoothness of f_i.
  T sample_smoothness(std::size_t i) const;
  // Row a_i of A and the target b_i, for comparisons against other implementations.
  std::span<const T> row(std::size_t i) const;
  double target(std::size_t i) const;
  const LeastSquaresOptions& options() const { return options_; }

 private:
  template <class Index>
  double mean_squared_residual(std::span<const T> y, Index index, std::size_t count, bool subtract_targets,
                               std::span<T> gradient) const;
  double residual(std::size_t i, std::span<const T> x) const;
  void check_batch(std::span<const std::size_t> batch) const;

  LeastSquaresOptions options_;
  std::vector<T> design_;                  // A, n x d row-major
  std::vector<double> targets_;            // b = A x*
  std::vector<double> row_squared_norms_;  // ||a_i||^2
  std::vector<T> minimizer_;               // x*
  T smoothness_ = 0;
  T strong_convexity_ = 0;
};

}  // namespace descent
