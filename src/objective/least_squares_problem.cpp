#include "descent/objective/least_squares_problem.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "descent/core/size_check.hpp"
#include "descent/core/error.hpp"
#include "descent/core/random.hpp"
#include "ordered_dot.hpp"

namespace descent {

namespace {

// Samples per chunk of the deterministic reduction. Each chunk keeps a d-vector of
// partial gradient sums, so the scratch is (count / 256) d doubles: well under 1% of the
// data the pass reads anyway.
constexpr std::size_t kRowsPerChunk = 256;
// Multiply-adds below which a parallel region costs more than it saves.
constexpr std::size_t kMinWorkForThreads = std::size_t{1} << 16;

}  // namespace

void LeastSquaresOptions::validate() const {
  require(samples >= 1, kName, "samples", static_cast<double>(samples), "samples >= 1");
  require(features >= 1, kName, "features", static_cast<double>(features), "features >= 1");
  require(std::isfinite(row_scale_spread) && row_scale_spread >= 1, kName, "row_scale_spread", row_scale_spread,
          "1 <= row_scale_spread < inf");
}

template <class T>
SyntheticLeastSquares<T>::SyntheticLeastSquares(LeastSquaresOptions options) : options_(options) {
  options_.validate();
  const std::size_t n = options_.samples;
  const std::size_t d = options_.features;
  design_.resize(n * d);
  targets_.resize(n);
  row_squared_norms_.resize(n);
  minimizer_.resize(d);

  // Separate substreams for the three draws, so that e.g. changing the spread leaves the
  // directions z_i and x* unchanged.
  Random directions(options_.seed, Stream::data, 0);
  Random scales(options_.seed, Stream::data, 1);
  Random solution(options_.seed, Stream::data, 2);
  for (std::size_t i = 0; i < n; ++i) {
    const double scale = std::pow(options_.row_scale_spread, scales.uniform());
    for (std::size_t j = 0; j < d; ++j) design_[i * d + j] = static_cast<T>(scale * directions.normal());
  }
  for (T& xj : minimizer_) xj = static_cast<T>(solution.normal());
  for (std::size_t i = 0; i < n; ++i) {
    const T* a = design_.data() + i * d;
    // The same ordered_dot as residual() uses, so r_i(x*) = a_i . x* - b_i is exactly 0.
    targets_[i] = detail::ordered_dot(a, minimizer_.data(), d);
    row_squared_norms_[i] = detail::ordered_dot(a, a, d);
  }

  // Gram matrix A^T A / n of the stored (rounded) A in double, lower triangle only, rows
  // added in order (deterministic); then its extreme eigenvalues.
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
  for (std::size_t i = 0; i < n; ++i) {
    const T* a = design_.data() + i * d;
    for (std::size_t q = 0; q < d; ++q) {
      const double aq = static_cast<double>(a[q]);
      for (std::size_t p = q; p < d; ++p)
        gram(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(q)) += static_cast<double>(a[p]) * aq;
    }
  }
  gram /= static_cast<double>(n);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) throw Error("least_squares: eigenvalues of the Gram matrix did not converge");
  const Eigen::VectorXd& spectrum = solver.eigenvalues();  // ascending
  smoothness_ = static_cast<T>(spectrum(spectrum.size() - 1));
  // A Gram matrix is positive semidefinite; a tiny negative value is rounding (n < d).
  strong_convexity_ = static_cast<T>(std::max(0.0, spectrum(0)));
}

template <class T>
double SyntheticLeastSquares<T>::residual(std::size_t i, std::span<const T> x) const {
  const std::size_t d = options_.features;
  return detail::ordered_dot(design_.data() + i * d, x.data(), d) - targets_[i];
}

template <class T>
void SyntheticLeastSquares<T>::check_batch(std::span<const std::size_t> batch) const {
  for (std::size_t k = 0; k < batch.size(); ++k)
    if (batch[k] >= options_.samples)
      throw MismatchError(name() + ": batch[" + std::to_string(k) + "] = " + std::to_string(batch[k]) +
                          " is out of range for " + std::to_string(options_.samples) + " samples");
}

// Over `count` samples i = index(k): w_k = a_i . y - (subtract_targets ? b_i : 0).
// Returns sum_k w_k^2 / (2 count) and writes (1/count) sum_k w_k a_i into `gradient`
// unless it is empty. With y = x and targets this is the batch value and gradient; with
// y = v and no targets the gradient is A_B^T A_B v / count, the Hessian-vector product.
template <class T>
template <class Index>
double SyntheticLeastSquares<T>::mean_squared_residual(std::span<const T> y, Index index, std::size_t count,
                                                       bool subtract_targets, std::span<T> gradient) const {
  const std::size_t d = options_.features;
  const bool want_gradient = !gradient.empty();
  if (count == 0) {
    std::fill(gradient.begin(), gradient.end(), T{0});
    return 0;
  }
  const std::size_t chunks = (count + kRowsPerChunk - 1) / kRowsPerChunk;
  std::vector<double> chunk_values(chunks);
  std::vector<double> chunk_gradients(want_gradient ? chunks * d : 0);
  const bool threaded = chunks > 1 && count * d >= kMinWorkForThreads;
  const T* y_data = y.data();

  // Chunk boundaries depend only on count, and every chunk is summed in sample order, so
  // the result is the same whichever thread runs which chunk.
#pragma omp parallel for schedule(static) if (threaded)
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t begin = c * kRowsPerChunk;
    const std::size_t end = std::min(count, begin + kRowsPerChunk);
    double* partial = want_gradient ? chunk_gradients.data() + c * d : nullptr;
    double squares = 0;
    for (std::size_t k = begin; k < end; ++k) {
      const std::size_t i = index(k);
      const T* a = design_.data() + i * d;
      const double w = detail::ordered_dot(a, y_data, d) - (subtract_targets ? targets_[i] : 0.0);
      squares += w * w;
      if (partial != nullptr)
        for (std::size_t j = 0; j < d; ++j) partial[j] += w * static_cast<double>(a[j]);
    }
    chunk_values[c] = squares;
  }

  double total = 0;
  for (double v : chunk_values) total += v;
  if (want_gradient) {
    // Chunk partials are folded into chunk 0 in chunk order: the same order for every j.
    double* sum = chunk_gradients.data();
    for (std::size_t c = 1; c < chunks; ++c) {
      const double* partial = chunk_gradients.data() + c * d;
      for (std::size_t j = 0; j < d; ++j) sum[j] += partial[j];
    }
    const double inv_count = 1 / static_cast<double>(count);
    for (std::size_t j = 0; j < d; ++j) gradient[j] = static_cast<T>(sum[j] * inv_count);
  }
  return total / (2 * static_cast<double>(count));
}

template <class T>
T SyntheticLeastSquares<T>::value(std::span<const T> x) const {
  detail::require_size(*this, "x", x.size(), dimension());
  return static_cast<T>(mean_squared_residual(
      x, [](std::size_t k) { return k; }, options_.samples, true, std::span<T>{}));
}

template <class T>
T SyntheticLeastSquares<T>::value_and_gradient(std::span<const T> x, std::span<T> gradient) const {
  detail::require_size(*this, "x", x.size(), dimension());
  detail::require_size(*this, "gradient", gradient.size(), dimension());
  // Same code path as a batch holding 0..n-1 in order, without building that batch.
  return static_cast<T>(mean_squared_residual(
      x, [](std::size_t k) { return k; }, options_.samples, true, gradient));
}

template <class T>
T SyntheticLeastSquares<T>::batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                                                     std::span<T> gradient) const {
  detail::require_size(*this, "x", x.size(), dimension());
  detail::require_size(*this, "gradient", gradient.size(), dimension());
  check_batch(batch);
  return static_cast<T>(mean_squared_residual(
      x, [batch](std::size_t k) { return batch[k]; }, batch.size(), true, gradient));
}

template <class T>
void SyntheticLeastSquares<T>::per_sample_gradients(std::span<const T> x, std::span<const std::size_t> batch,
                                                    std::span<T> out) const {
  const std::size_t d = dimension();
  detail::require_size(*this, "x", x.size(), d);
  detail::require_size(*this, "per-sample gradients (batch size x dimension)", out.size(), batch.size() * d);
  check_batch(batch);
  const bool threaded = batch.size() * d >= kMinWorkForThreads;
  // Rows are independent: any thread may write any row without changing a bit.
#pragma omp parallel for schedule(static) if (threaded)
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const std::size_t i = batch[k];
    const double r = residual(i, x);
    const T* a = design_.data() + i * d;
    T* g = out.data() + k * d;
    for (std::size_t j = 0; j < d; ++j) g[j] = static_cast<T>(r * static_cast<double>(a[j]));
  }
}

template <class T>
void SyntheticLeastSquares<T>::per_sample_gradient_norms(std::span<const T> x, std::span<const std::size_t> batch,
                                                         std::span<T> norms) const {
  const std::size_t d = dimension();
  detail::require_size(*this, "x", x.size(), d);
  detail::require_size(*this, "norms", norms.size(), batch.size());
  check_batch(batch);
  const bool threaded = batch.size() * d >= kMinWorkForThreads;
  // ||r_i a_i|| = |r_i| ||a_i||: one dot product per sample, no gradient formed.
#pragma omp parallel for schedule(static) if (threaded)
  for (std::size_t k = 0; k < batch.size(); ++k)
    norms[k] = static_cast<T>(std::abs(residual(batch[k], x)) * std::sqrt(row_squared_norms_[batch[k]]));
}

template <class T>
void SyntheticLeastSquares<T>::hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const {
  detail::require_size(*this, "x", x.size(), dimension());
  detail::require_size(*this, "v", v.size(), dimension());
  detail::require_size(*this, "out", out.size(), dimension());
  mean_squared_residual(
      v, [](std::size_t k) { return k; }, options_.samples, false, out);
}

template <class T>
std::optional<KnownMinimum<T>> SyntheticLeastSquares<T>::known_minimum() const {
  return KnownMinimum<T>{minimizer_, T{0}};
}

template <class T>
T SyntheticLeastSquares<T>::sample_smoothness(std::size_t i) const {
  if (i >= options_.samples)
    throw MismatchError(name() + ": sample " + std::to_string(i) + " is out of range for " +
                        std::to_string(options_.samples) + " samples");
  return static_cast<T>(row_squared_norms_[i]);
}

template <class T>
std::span<const T> SyntheticLeastSquares<T>::row(std::size_t i) const {
  if (i >= options_.samples)
    throw MismatchError(name() + ": row " + std::to_string(i) + " is out of range for " +
                        std::to_string(options_.samples) + " samples");
  return {design_.data() + i * options_.features, options_.features};
}

template <class T>
double SyntheticLeastSquares<T>::target(std::size_t i) const {
  if (i >= options_.samples)
    throw MismatchError(name() + ": target " + std::to_string(i) + " is out of range for " +
                        std::to_string(options_.samples) + " samples");
  return targets_[i];
}

template class SyntheticLeastSquares<float>;
template class SyntheticLeastSquares<double>;

}  // namespace descent
