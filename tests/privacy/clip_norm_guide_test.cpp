// The clip-norm guidance (Das et al. 2023): per-sample Lipschitz constants of logistic and
// softmax regression, checked against the definition (the supremum over the weights of a
// sample's gradient norm) with the models' own per-sample gradients.
#include "descent/privacy/clip_norm_guide.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "descent/core/error.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/softmax_regression.hpp"

namespace descent {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// 40 rows of 6 features (row 7 all zero), labels 0/1 or 0..2.
Dataset<double> dense_data(std::size_t classes) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  DenseFeatures<double> f{40, 6, AlignedBuffer<double>(40 * 6)};
  std::vector<double> labels(40);
  for (std::size_t i = 0; i < 40; ++i) {
    for (std::size_t j = 0; j < 6; ++j) f.values.data()[i * 6 + j] = i == 7 ? 0.0 : normal(rng) * (1 + i % 5);
    labels[i] = static_cast<double>(i % classes);
  }
  return Dataset<double>(std::move(f), std::move(labels), "dense");
}

// The same rows stored sparse (zeros left out).
Dataset<double> as_sparse(const Dataset<double>& dense) {
  const auto& d = dense.dense();
  SparseFeatures<double> s{d.rows, d.cols, {0}, {}, {}};
  for (std::size_t i = 0; i < d.rows; ++i) {
    for (std::size_t j = 0; j < d.cols; ++j) {
      const double v = d.values.data()[i * d.cols + j];
      if (v == 0) continue;
      s.columns.push_back(static_cast<std::int64_t>(j));
      s.values.push_back(v);
    }
    s.row_offsets.push_back(static_cast<std::int64_t>(s.columns.size()));
  }
  return Dataset<double>(std::move(s), std::vector<double>(dense.labels().begin(), dense.labels().end()), "sparse");
}

double squared_norm(const Dataset<double>& data, std::size_t i) {
  const auto& d = data.dense();
  double s = 0;
  for (std::size_t j = 0; j < d.cols; ++j) s += d.values.data()[i * d.cols + j] * d.values.data()[i * d.cols + j];
  return s;
}

TEST(ClipNormGuide, ConstantsAreTheInputNormsTimesTheLossDerivativesBound) {
  for (const bool bias : {true, false}) {
    for (const char* kind : {"logistic", "softmax"}) {
      const double factor = std::string(kind) == "logistic" ? 1.0 : std::numbers::sqrt2;
      const Dataset<double> data = dense_data(std::string(kind) == "logistic" ? 2 : 3);
      double low = std::numeric_limits<double>::infinity(), high = 0;
      std::size_t zero = 0;
      for (std::size_t i = 0; i < data.size(); ++i) {
        const double l = factor * std::sqrt(squared_norm(data, i) + (bias ? 1 : 0));
        if (l == 0) {
          ++zero;
          continue;
        }
        low = std::min(low, l);
        high = std::max(high, l);
      }
      const Dataset<double> sparse = as_sparse(data);
      for (const Dataset<double>* d : {&data, &sparse}) {
        const ClipNormGuide g = clip_norm_guide(kind, bias, *d, 5);
        EXPECT_EQ(g.model, kind);
        // Sums of 6-7 squares in double and one square root: a few ulps apart at most.
        EXPECT_NEAR(g.min_lipschitz, low, 8 * kEps * low);
        EXPECT_NEAR(g.max_lipschitz, high, 8 * kEps * high);
        EXPECT_EQ(g.zero_rows, zero);
        EXPECT_EQ(g.samples + g.zero_rows, data.size());
        EXPECT_LE(g.min_lipschitz, g.median_lipschitz);
        EXPECT_LE(g.median_lipschitz, g.max_lipschitz);
        ASSERT_EQ(g.candidates.size(), 5u);
        for (std::size_t k = 0; k < 5; ++k)
          EXPECT_EQ(g.candidates[k], std::ldexp(g.min_lipschitz, static_cast<int>(k) - 4));
      }
      // Without an intercept the zero row has L = 0 and is left out; with one, it has L = factor.
      EXPECT_EQ(clip_norm_guide(kind, bias, data).zero_rows, bias ? 0u : 1u);
    }
  }
}

// The constant is the supremum over the weights: every per-sample gradient norm stays at or
// below it, and weights that saturate the loss's derivative reach it.
TEST(ClipNormGuide, TheConstantIsTheSupremumOfTheSampleGradientNorm) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  const Dataset<double> binary = dense_data(2), three = dense_data(3);
  const LogisticRegression<double> logistic(binary, {.l2 = 0, .bias = true});
  const SoftmaxRegression<double> softmax(three, {.l2 = 0, .bias = true});
  for (const Model<double>* model :
       {static_cast<const Model<double>*>(&logistic), static_cast<const Model<double>*>(&softmax)}) {
    const bool is_logistic = model == &logistic;
    const Dataset<double>& data = is_logistic ? binary : three;
    const double factor = is_logistic ? 1.0 : std::numbers::sqrt2;
    std::vector<std::size_t> all(data.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::vector<double> x(model->dimension()), norms(all.size());
    // Random weights of growing scale: the norms approach the bound but never pass it
    // (beyond the rounding of a sum of a few dozen products).
    for (const double scale : {0.1, 1.0, 10.0}) {
      for (double& v : x) v = scale * normal(rng);
      model->per_sample_gradient_norms(x, all, norms);
      for (std::size_t i = 0; i < all.size(); ++i)
        EXPECT_LE(norms[i], factor * std::sqrt(squared_norm(data, i) + 1) * (1 + 64 * kEps)) << "row " << i;
    }
    // Saturating weights for one sample i with label y: its score pushed far toward a
    // wrong class, by t u_i in the weights of that class (logistic: -t y' u_i).
    const std::size_t i = 13, d = 6;
    const double u2 = squared_norm(data, i) + 1;
    const double t = 60 / u2;  // a margin of 60: the derivative is within e^-60 of its bound
    std::fill(x.begin(), x.end(), 0.0);
    if (is_logistic) {
      const double sign = data.labels()[i] == 1 ? -1.0 : 1.0;
      for (std::size_t j = 0; j < d; ++j) x[j] = sign * t * data.dense().values.data()[i * d + j];
      x[d] = sign * t;
    } else {
      const std::size_t wrong = (static_cast<std::size_t>(data.labels()[i]) + 1) % 3;
      for (std::size_t j = 0; j < d; ++j) x[wrong * d + j] = t * data.dense().values.data()[i * d + j];
      x[3 * d + wrong] = t;
    }
    const std::size_t one = i;
    double norm = 0;
    model->per_sample_gradient_norms(x, std::span<const std::size_t>(&one, 1), std::span<double>(&norm, 1));
    // |s(z) - y| = 1 - e^-60 (logistic); ||p - e_y|| = sqrt(2) (1 - O(e^-60)) (softmax): the
    // gap is far below the rounding of the norm's sums.
    EXPECT_NEAR(norm, factor * std::sqrt(u2), 64 * kEps * factor * std::sqrt(u2));
  }
}

TEST(ClipNormGuide, RefusesModelsWithoutAConstantAndEmptyData) {
  const Dataset<double> data = dense_data(2);
  const auto message = [&](const char* kind, bool bias, const Dataset<double>& d, std::size_t grid) {
    try {
      clip_norm_guide(kind, bias, d, grid);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("least_squares", true, data, 5).find("no finite per-sample Lipschitz constant"), std::string::npos);
  EXPECT_NE(message("mlp", true, data, 5).find("model 'mlp' has no per-sample Lipschitz constant"), std::string::npos);
  EXPECT_NE(message("logistic", true, data, 0).find("grid = 0 violates grid >= 1"), std::string::npos);
  DenseFeatures<double> zeros{3, 2, AlignedBuffer<double>(6, 0.0)};
  const Dataset<double> empty(std::move(zeros), {0, 1, 0}, "zeros.csv");
  EXPECT_NE(message("logistic", false, empty, 5).find("every row of 'zeros.csv' is zero"), std::string::npos);
  // With an intercept a zero row still has a gradient (the bias's): L = 1.
  EXPECT_EQ(clip_norm_guide("logistic", true, empty).min_lipschitz, 1.0);
}

}  // namespace
}  // namespace descent
