// L2-regularized logistic regression with its exact Hessian, for the second-order solver
// tests (the library's models gain Hessian operators separately):
//   f(w) = (1/n) sum_i log(1 + exp(-y_i a_i^T w)) + (lambda / 2) ||w||^2,   y_i in {-1, 1},
//   grad f = (1/n) sum_i -y_i sigma(-z_i) a_i + lambda w,                     z_i = y_i a_i^T w,
//   H = (1/n) sum_i sigma(z_i) sigma(-z_i) a_i a_i^T + lambda I.
// hessian_at caches the weights sigma(z_i) sigma(-z_i) and knows the diagonal, as a model's
// operator would; it counts its products so that tests can check a solver's accounting.
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "descent/data/dataset.hpp"
#include "descent/objective/objective.hpp"

namespace descent::testing {

template <class T>
class ExactLogistic final : public FiniteSum<T> {
 public:
  // Rows of `data` (dense), each column j scaled by column_scale[j] when given.
  ExactLogistic(const Dataset<double>& data, double lambda, std::vector<double> column_scale = {})
      : n_(data.size()), d_(data.dimension()), lambda_(lambda), rows_(n_ * d_), labels_(n_) {
    const auto& v = data.dense().values;
    for (std::size_t i = 0; i < n_; ++i) {
      labels_[i] = data.labels()[i] > 0 ? 1.0 : -1.0;
      for (std::size_t j = 0; j < d_; ++j)
        rows_[i * d_ + j] = v[i * d_ + j] * (column_scale.empty() ? 1.0 : column_scale[j]);
    }
  }

  std::string name() const override { return "exact_logistic"; }
  std::size_t dimension() const override { return d_; }
  std::size_t num_samples() const override { return n_; }

  T batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                             std::span<T> gradient) const override {
    std::vector<double> g(d_, 0.0);
    double value = 0;
    for (std::size_t i : batch) {
      const double z = labels_[i] * score(i, x);
      value += z > 0 ? std::log1p(std::exp(-z)) : -z + std::log1p(std::exp(z));
      const double slope = -labels_[i] / (1 + std::exp(z));  // d/dscore of the loss
      for (std::size_t j = 0; j < d_; ++j) g[j] += slope * rows_[i * d_ + j];
    }
    const double inv = batch.empty() ? 0.0 : 1.0 / double(batch.size());
    double norm2 = 0;
    for (std::size_t j = 0; j < d_; ++j) {
      gradient[j] = static_cast<T>(g[j] * inv + lambda_ * x[j]);
      norm2 += double(x[j]) * x[j];
    }
    return static_cast<T>(value * inv + 0.5 * lambda_ * norm2);
  }

  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    hessian_at(x)->apply(v, out);
  }
  LinearOperatorPtr<T> hessian_at(std::span<const T> x) const override {
    std::vector<double> weights(n_);
    for (std::size_t i = 0; i < n_; ++i) {
      const double p = 1 / (1 + std::exp(-score(i, x)));
      weights[i] = p * (1 - p) / double(n_);
    }
    return std::make_unique<Operator>(*this, std::move(weights));
  }

  // Hessian-vector products taken so far through hessian_at's operators.
  std::int64_t products() const { return *products_; }
  // (1/n) sum ||a_i||^3: the Hessian is Lipschitz with constant max|sigma''| times this.
  double mean_cubed_row_norm() const {
    double s = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      double r = 0;
      for (std::size_t j = 0; j < d_; ++j) r += rows_[i * d_ + j] * rows_[i * d_ + j];
      s += std::pow(r, 1.5);
    }
    return s / double(n_);
  }
  double lambda() const { return lambda_; }

 private:
  class Operator final : public LinearOperator<T> {
   public:
    Operator(const ExactLogistic& f, std::vector<double> weights) : f_(f), weights_(std::move(weights)) {}
    std::size_t size() const override { return f_.d_; }
    void apply(std::span<const T> v, std::span<T> out) const override {
      ++*f_.products_;
      std::vector<double> sum(f_.d_, 0.0);
      for (std::size_t i = 0; i < f_.n_; ++i) {
        double av = 0;
        for (std::size_t j = 0; j < f_.d_; ++j) av += f_.rows_[i * f_.d_ + j] * v[j];
        for (std::size_t j = 0; j < f_.d_; ++j) sum[j] += weights_[i] * av * f_.rows_[i * f_.d_ + j];
      }
      for (std::size_t j = 0; j < f_.d_; ++j) out[j] = static_cast<T>(sum[j] + f_.lambda_ * v[j]);
    }
    bool has_diagonal() const override { return true; }
    void diagonal(std::span<T> out) const override {
      for (std::size_t j = 0; j < f_.d_; ++j) {
        double s = f_.lambda_;
        for (std::size_t i = 0; i < f_.n_; ++i) s += weights_[i] * f_.rows_[i * f_.d_ + j] * f_.rows_[i * f_.d_ + j];
        out[j] = static_cast<T>(s);
      }
    }

   private:
    const ExactLogistic& f_;
    std::vector<double> weights_;  // sigma(z_i) sigma(-z_i) / n
  };

  double score(std::size_t i, std::span<const T> x) const {
    double s = 0;
    for (std::size_t j = 0; j < d_; ++j) s += rows_[i * d_ + j] * x[j];
    return s;
  }

  std::size_t n_, d_;
  double lambda_;
  std::vector<double> rows_, labels_;
  std::shared_ptr<std::int64_t> products_ = std::make_shared<std::int64_t>(0);
};

}  // namespace descent::testing
