// Small synthetic datasets and helpers shared by the model tests.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "descent/core/random.hpp"
#include "descent/data/dataset.hpp"
#include "descent/objective/objective.hpp"

namespace descent::testing {

// A dense n x d matrix with N(0, 1) entries of which about `zero_fraction` are set to 0,
// so that the same values also make an interesting sparse dataset.
inline std::vector<double> random_features(std::size_t n, std::size_t d, std::uint64_t seed,
                                           double zero_fraction = 0.5) {
  Random rng(seed, Stream::data, 0);
  std::vector<double> values(n * d);
  for (double& v : values) {
    const double keep = rng.uniform();
    const double z = rng.normal();
    v = keep < zero_fraction ? 0.0 : z;
  }
  return values;
}

template <class T>
Dataset<T> dense_dataset(const std::vector<double>& values, std::size_t d, const std::vector<double>& labels,
                         std::string source = "dense-test") {
  const std::size_t n = labels.size();
  DenseFeatures<T> f{n, d, AlignedBuffer<T>(n * d)};
  for (std::size_t i = 0; i < n * d; ++i) f.values[i] = static_cast<T>(values[i]);
  return Dataset<T>(std::move(f), std::vector<T>(labels.begin(), labels.end()), std::move(source));
}

// The same matrix in CSR form (zeros dropped).
template <class T>
Dataset<T> sparse_dataset(const std::vector<double>& values, std::size_t d, const std::vector<double>& labels,
                          std::string source = "sparse-test") {
  const std::size_t n = labels.size();
  SparseFeatures<T> f;
  f.rows = n;
  f.cols = d;
  f.row_offsets.push_back(0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j)
      if (values[i * d + j] != 0) {
        f.columns.push_back(static_cast<std::int64_t>(j));
        f.values.push_back(static_cast<T>(values[i * d + j]));
      }
    f.row_offsets.push_back(static_cast<std::int64_t>(f.values.size()));
  }
  return Dataset<T>(std::move(f), std::vector<T>(labels.begin(), labels.end()), std::move(source));
}

// Labels: real targets, binary 0/1 or -1/+1, or class indices 0..k-1, all drawn from
// Random(seed, Stream::data, 1).
inline std::vector<double> regression_targets(std::size_t n, std::uint64_t seed) {
  Random rng(seed, Stream::data, 1);
  std::vector<double> y(n);
  for (double& v : y) v = rng.normal();
  return y;
}
inline std::vector<double> class_labels(std::size_t n, std::size_t k, std::uint64_t seed) {
  Random rng(seed, Stream::data, 1);
  std::vector<double> y(n);
  // Every class occurs (the first k rows are 0..k-1), so K inferred from the data is k.
  for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<double>(i < k ? i : rng.below(k));
  return y;
}

// A parameter vector with N(0, scale^2) entries.
template <class T>
std::vector<T> random_parameters(std::size_t p, std::uint64_t seed, double scale = 0.5) {
  Random rng(seed, Stream::init, 7);
  std::vector<T> x(p);
  for (T& v : x) v = static_cast<T>(scale * rng.normal());
  return x;
}

// A fixed minibatch seen as a Differentiable (value and gradient = the batch mean), so
// that the finite-difference checker can test batch_value_and_gradient itself.
template <class T>
class FixedBatch final : public Differentiable<T> {
 public:
  FixedBatch(const FiniteSum<T>& f, std::vector<std::size_t> batch) : f_(f), batch_(std::move(batch)) {}
  std::string name() const override { return f_.name() + "[batch]"; }
  std::size_t dimension() const override { return f_.dimension(); }
  T value(std::span<const T> x) const override {
    std::vector<T> g(f_.dimension());
    return f_.batch_value_and_gradient(x, batch_, g);
  }
  T value_and_gradient(std::span<const T> x, std::span<T> g) const override {
    return f_.batch_value_and_gradient(x, batch_, g);
  }

 private:
  const FiniteSum<T>& f_;
  std::vector<std::size_t> batch_;
};

}  // namespace descent::testing
