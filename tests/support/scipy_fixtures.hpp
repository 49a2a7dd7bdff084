// Reading the scipy L-BFGS-B fixtures (tests/fixtures/scipy/*.json, written by
// make_lbfgs_fixtures.py; format in the README.md beside them) and building the C++ objective
// each one records, with the rounding bound B of one evaluation at a point: shared by the
// fixture test (tests/objective) and the solver parity test (tests/solver).
//
// Tolerance. Both sides compute the same formulas in different orders, so each is within B
// of the exact value and they differ by at most 2 B, where B bounds the rounding of one
// evaluation:
//   sums of squares (Rosenbrock written as one, r = (10 (x_{i+1} - x_i^2), 1 - x_i), the
//   bounded problems): test::minimizer_tolerance, whose bound on each residual's error,
//   16 eps (|J_i| |x| + |r_i|), covers the rounding of its terms (it is written for a
//   rounded x*, but bounds the effect of relative errors eps in the inputs and terms alike);
//   logistic regression: each margin a_i . w is off by <= (d + 2) eps sum_k |a_ik w_k|,
//   softplus and sigma have slopes <= 1 and <= 1/4, and the mean of n terms adds n eps of
//   their size (see logistic_tolerance).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/data/dataset.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/objective/bounded_test_problems.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "descent/objective/sum_of_squares.hpp"
#include "objective/test_problem_support.hpp"

namespace descent::testing {

using test::kEps;

inline std::filesystem::path scipy_fixture_dir() { return std::filesystem::path(DESCENT_FIXTURE_DIR) / "scipy"; }

inline nlohmann::json read_fixture(const std::string& name) {
  const std::filesystem::path path = scipy_fixture_dir() / (name + ".json");
  std::ifstream in(path);
  if (!in) throw IoError("cannot open " + path.string());
  return nlohmann::json::parse(in);
}

inline std::vector<double> numbers(const nlohmann::json& j) {
  std::vector<double> v;
  for (const nlohmann::json& e : j)
    v.push_back(e.is_null() ? std::numeric_limits<double>::quiet_NaN() : e.get<double>());
  return v;
}

// The chained Rosenbrock function as the sum of squares it is, r_{2i} = 10 (x_{i+1} - x_i^2),
// r_{2i+1} = 1 - x_i, only to bound its rounding (the value compared is Rosenbrock<double>'s).
class RosenbrockResiduals final : public SumOfSquares<double> {
 public:
  explicit RosenbrockResiduals(std::size_t n) : n_(n) {}
  std::string name() const override { return "rosenbrock residuals"; }
  std::size_t dimension() const override { return n_; }
  std::size_t residual_count() const override { return 2 * (n_ - 1); }
  void residuals(std::span<const double> x, std::span<double> r) const override {
    for (std::size_t i = 0; i + 1 < n_; ++i) {
      r[2 * i] = 10 * (x[i + 1] - x[i] * x[i]);
      r[2 * i + 1] = 1 - x[i];
    }
  }
  void jacobian_times(std::span<const double> x, std::span<const double> v, std::span<double> out) const override {
    for (std::size_t i = 0; i + 1 < n_; ++i) {
      out[2 * i] = 10 * (v[i + 1] - 2 * x[i] * v[i]);
      out[2 * i + 1] = -v[i];
    }
  }
  void jacobian_transpose_times(std::span<const double> x, std::span<const double> w,
                                std::span<double> out) const override {
    std::fill(out.begin(), out.end(), 0.0);
    for (std::size_t i = 0; i + 1 < n_; ++i) {
      out[i] += -20 * x[i] * w[2 * i] - w[2 * i + 1];
      out[i + 1] += 10 * w[2 * i];
    }
  }
  void residual_curvature_times(std::span<const double>, std::span<const double> w, std::span<const double> v,
                                std::span<double> out) const override {
    std::fill(out.begin(), out.end(), 0.0);
    for (std::size_t i = 0; i + 1 < n_; ++i) out[i] += -20 * w[2 * i] * v[i];
  }

 private:
  std::size_t n_;
};

// What one fixture is compared with: the objective, and the rounding bound B at a point.
struct FixtureProblem {
  std::unique_ptr<Differentiable<double>> objective;
  std::function<test::MinimizerTolerance(const std::vector<double>&)> bound;
  std::unique_ptr<Dataset<double>> data;  // the logistic model's, kept alive with it
};

// B for L2 logistic regression, f(w) = mean_i softplus(-y_i a_i . w) + lambda/2 |w|^2:
//   value:        mean_i [(d + 2) eps s_i + 4 eps softplus_i] + (n + 4) eps f + 4 eps lambda |w|^2 / 2,
//   gradient_j:   mean_i |a_ij| [(d + 2) eps s_i / 4 + 4 eps sigma_i] + (n + 4) eps mean_i |a_ij| sigma_i
//                 + 4 eps lambda |w_j|,
// with s_i = sum_k |a_ik w_k| (the margin's error scale) and sigma_i = sigma(-y_i a_i . w).
inline test::MinimizerTolerance logistic_tolerance(const std::vector<double>& a, std::size_t n, std::size_t d,
                                                   double lambda, const std::vector<double>& labels,
                                                   const std::vector<double>& w) {
  test::MinimizerTolerance t;
  t.gradient.assign(d, 0.0);
  double value = 0, squared = 0;
  for (double wk : w) squared += wk * wk;
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0, margin = 0;
    for (std::size_t k = 0; k < d; ++k) {
      s += std::abs(a[i * d + k] * w[k]);
      margin += a[i * d + k] * w[k];
    }
    margin *= labels[i];
    const double softplus = std::max(-margin, 0.0) + std::log1p(std::exp(-std::abs(margin)));
    const double sigma = 1 / (1 + std::exp(margin));
    value += softplus;
    t.value += (static_cast<double>(d) + 2) * kEps * s + 4 * kEps * softplus;
    for (std::size_t j = 0; j < d; ++j)
      t.gradient[j] += std::abs(a[i * d + j]) * ((static_cast<double>(d) + 2) * kEps * s / 4 + 4 * kEps * sigma +
                                                 (static_cast<double>(n) + 4) * kEps * sigma);
  }
  const double f = value / static_cast<double>(n) + lambda / 2 * squared;
  t.value = t.value / static_cast<double>(n) + (static_cast<double>(n) + 4) * kEps * f + 4 * kEps * lambda * squared;
  for (std::size_t j = 0; j < d; ++j)
    t.gradient[j] = t.gradient[j] / static_cast<double>(n) + 4 * kEps * lambda * std::abs(w[j]);
  return t;
}

inline FixtureProblem fixture_problem(const nlohmann::json& fixture) {
  const std::string name = fixture.at("problem");
  const std::size_t n = fixture.at("dimension");
  FixtureProblem s;
  if (name == "rosenbrock_2d" || name == "rosenbrock_10d" || name == "rosenbrock_box") {
    s.objective = std::make_unique<Rosenbrock<double>>(n);
    auto residuals = std::make_shared<RosenbrockResiduals>(n);
    s.bound = [residuals](const std::vector<double>& x) { return test::minimizer_tolerance(*residuals, x); };
  } else if (name == "logistic_l2") {
    const nlohmann::json& data = fixture.at("data");
    const std::vector<double> labels = numbers(data.at("labels"));
    std::vector<double> features;
    for (const nlohmann::json& row : data.at("features"))
      for (const nlohmann::json& v : row) features.push_back(v.get<double>());
    const std::size_t rows = labels.size();
    EXPECT_EQ(features.size(), rows * n);
    AlignedBuffer<double> values(features.size());
    std::copy(features.begin(), features.end(), values.data());
    s.data = std::make_unique<Dataset<double>>(DenseFeatures<double>{rows, n, std::move(values)}, labels);
    const double lambda = data.at("lambda");
    s.objective =
        std::make_unique<LogisticRegression<double>>(*s.data, LinearModelOptions{.l2 = lambda, .bias = false});
    s.bound = [features, labels, rows, n, lambda](const std::vector<double>& w) {
      return logistic_tolerance(features, rows, n, lambda, labels, w);
    };
  } else {
    const BoundedTestProblem* problem = find_bounded_test_problem(name);
    if (problem == nullptr) throw MismatchError("no C++ problem for fixture '" + name + "'");
    s.objective = problem->make<double>();
    const auto* squares = dynamic_cast<const SumOfSquares<double>*>(s.objective.get());
    if (squares == nullptr) throw MismatchError("fixture '" + name + "': expected a sum of squares");
    s.bound = [squares](const std::vector<double>& x) { return test::minimizer_tolerance(*squares, x); };
  }
  EXPECT_EQ(s.objective->dimension(), n);
  return s;
}

inline const char* const kScipyFixtures[] = {
    "rosenbrock_2d", "rosenbrock_10d", "logistic_l2", "rosenbrock_box", "nonnegative_least_squares", "lbfgsb_driver"};

}  // namespace descent::testing
