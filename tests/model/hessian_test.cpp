// Exact Hessian-vector products and the Hessian operator of the single-layer models (least
// squares, logistic regression with both label conventions, softmax regression with few
// classes (row by row) and with 9 (a GEMM over dense data)), every option (bias, L2, dense
// or CSR data), in float and double:
//   - the product against central differences of the gradient (gradient_check.hpp);
//   - the whole Hessian against a hand-written long-double reference of the formulas on a
//     tiny problem, within a bound derived from the rounding of the sums;
//   - hessian_at(x)->apply against hessian_vector (bitwise), diagonal() against e_j^T H e_j,
//     dense against CSR data, 1, 2 and 3 threads (bitwise), and the size errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../../src/model/layer_stack.hpp"
#include "../../src/model/panel_gemm.hpp"
#include "../../src/model/row_stripes.hpp"
#include "../../src/model/work_costs.hpp"
#include "descent/core/error.hpp"
#include "descent/core/parallel.hpp"
#include "descent/model/least_squares.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/model/softmax_regression.hpp"
#include "descent/objective/gradient_check.hpp"
#include "model_cases.hpp"
#include "model_test_support.hpp"

namespace descent::testing {
namespace {

enum class Kind { least_squares, logistic01, logistic_pm1, softmax3, softmax9 };

struct HessianCase {
  std::string name;
  Kind kind;
  bool bias;
  double l2;
  bool sparse;
};

std::size_t classes_of(Kind kind) { return kind == Kind::softmax3 ? 3 : kind == Kind::softmax9 ? 9 : 0; }
// Scores per row: the softmax weight is K x d, the others a vector.
std::size_t outputs_of(Kind kind) { return std::max<std::size_t>(classes_of(kind), 1); }

Labels labels_of(Kind kind) {
  switch (kind) {
    case Kind::least_squares:
      return Labels::real;
    case Kind::logistic01:
      return Labels::zero_one;
    case Kind::logistic_pm1:
      return Labels::plus_minus_one;
    case Kind::softmax3:
    case Kind::softmax9:
      return Labels::classes;
  }
  return Labels::real;
}

std::vector<HessianCase> hessian_cases() {
  const std::vector<std::pair<Kind, std::string>> kinds = {{Kind::least_squares, "LeastSquares"},
                                                           {Kind::logistic01, "Logistic01"},
                                                           {Kind::logistic_pm1, "LogisticPm1"},
                                                           {Kind::softmax3, "Softmax3"},
                                                           {Kind::softmax9, "Softmax9"}};
  std::vector<HessianCase> cases;
  for (bool sparse : {false, true})
    for (const auto& [kind, name] : kinds)
      for (bool bias : {true, false})
        for (double l2 : {0.0, 0.3})
          cases.push_back({name + (sparse ? "Sparse" : "Dense") + (bias ? "Bias" : "NoBias") + (l2 > 0 ? "L2" : ""),
                           kind, bias, l2, sparse});
  return cases;
}

template <class T>
std::unique_ptr<Model<T>> make_model(const HessianCase& c, const Dataset<T>& data) {
  const LinearModelOptions linear{.l2 = c.l2, .bias = c.bias};
  switch (c.kind) {
    case Kind::least_squares:
      return std::make_unique<LeastSquares<T>>(data, linear);
    case Kind::logistic01:
    case Kind::logistic_pm1:
      return std::make_unique<LogisticRegression<T>>(data, linear);
    case Kind::softmax3:
    case Kind::softmax9:
      return std::make_unique<SoftmaxRegression<T>>(
          data, SoftmaxRegressionOptions{.num_classes = classes_of(c.kind), .l2 = c.l2, .bias = c.bias});
  }
  return nullptr;
}

template <class T>
Dataset<T> make_data(const HessianCase& c, const std::vector<double>& values, std::size_t d, bool sparse,
                     std::uint64_t seed) {
  const auto labels = make_labels(labels_of(c.kind), values.size() / d, classes_of(c.kind), seed);
  return sparse ? sparse_dataset<T>(values, d, labels) : dense_dataset<T>(values, d, labels);
}

// gamma_m = m u / (1 - m u) with u = eps / 2 the unit roundoff of T: Higham's bound on the
// relative error of m floating-point operations in sequence (a sum of m terms:
// |fl(s) - s| <= gamma_m sum |t|).
template <class T>
double rounding_gamma(double m) {
  const double u = std::numeric_limits<T>::epsilon() / 2;
  return m * u / (1 - m * u);
}

class SingleLayerHessian : public ::testing::TestWithParam<HessianCase> {};

// ---------------------------------------------------------------------------------------
// The product is the derivative of the gradient along v (checked against central
// differences of value_and_gradient; the checker derives its tolerance from the step and
// the rounding of the gradient).

template <class T>
void expect_matches_central_differences(const HessianCase& c) {
  const std::size_t n = 13, d = 5;
  const auto data = make_data<T>(c, random_features(n, d, 11), d, c.sparse, 11);
  const auto model = make_model<T>(c, data);
  ASSERT_TRUE(model->has_hessian_vector());
  const auto x = random_parameters<T>(model->dimension(), 3);
  const auto v = random_parameters<T>(model->dimension(), 4, 1.0);
  const auto result = check_hessian_vector<T>(*model, x, v);
  EXPECT_TRUE(result.ok) << result.describe();
  EXPECT_EQ(result.checked, model->dimension());
}

TEST_P(SingleLayerHessian, ProductMatchesCentralDifferencesOfTheGradient) {
  expect_matches_central_differences<double>(GetParam());
  expect_matches_central_differences<float>(GetParam());
}

// ---------------------------------------------------------------------------------------
// The whole Hessian from the formulas, written out by hand in long double:
//   H = (1/n) sum_i A_i (x) u_i u_i^T + lambda diag(1 on the weights, 0 on the biases),
// u_i = (a_i, 1 if bias), A_i the second derivative of the loss in the scores z_i = W u_i:
// 1 (squared error), sigma(z)(1 - sigma(z)) (logistic), diag(p) - p p^T (softmax). Entry
// ((o, l), (o', l')) (output o, input l) is (1/n) sum_i A_i[o][o'] u_il u_il'.
struct Reference {
  std::size_t p = 0;
  std::vector<long double> hessian;    // p x p, row-major
  std::vector<long double> magnitude;  // the same sum with every term replaced by its absolute value
  double max_score = 0;                // max over rows and outputs of sum_l |W_ol| |u_il|
};

template <class T>
Reference reference_hessian(const HessianCase& c, const Model<T>& model, std::span<const T> x, const Dataset<T>& data,
                            const std::vector<double>& values, std::size_t d) {
  const std::size_t n = data.size(), k = outputs_of(c.kind);
  const auto& layout = model.layout();
  const std::size_t w0 = layout.block("weight").offset;
  const std::size_t b0 = c.bias ? layout.block("bias").offset : 0;
  const std::size_t inputs = d + (c.bias ? 1 : 0);
  // Parameter index of output o, input l (l = d: the bias).
  const auto index = [&](std::size_t o, std::size_t l) { return l < d ? w0 + o * d + l : b0 + o; };
  Reference ref;
  ref.p = model.dimension();
  ref.hessian.assign(ref.p * ref.p, 0);
  ref.magnitude.assign(ref.p * ref.p, 0);
  for (std::size_t i = 0; i < n; ++i) {
    // The features as the model holds them (rounded to T).
    std::vector<long double> u(inputs, 1);
    for (std::size_t l = 0; l < d; ++l) u[l] = static_cast<long double>(static_cast<T>(values[i * d + l]));
    std::vector<long double> z(k, 0);
    for (std::size_t o = 0; o < k; ++o) {
      long double size = 0;
      for (std::size_t l = 0; l < inputs; ++l) {
        z[o] += static_cast<long double>(x[index(o, l)]) * u[l];
        size += std::abs(static_cast<long double>(x[index(o, l)]) * u[l]);
      }
      ref.max_score = std::max(ref.max_score, static_cast<double>(size));
    }
    std::vector<long double> a(k * k, 0), a_abs(k * k, 0);  // A_i and its entrywise bound
    switch (c.kind) {
      case Kind::least_squares:
        a[0] = a_abs[0] = 1;
        break;
      case Kind::logistic01:
      case Kind::logistic_pm1: {
        const long double sigma = 1 / (1 + std::exp(-z[0]));
        a[0] = a_abs[0] = sigma * (1 - sigma);
        break;
      }
      case Kind::softmax3:
      case Kind::softmax9: {
        std::vector<long double> prob(k);
        long double total = 0;
        for (std::size_t o = 0; o < k; ++o) total += prob[o] = std::exp(z[o]);
        for (long double& q : prob) q /= total;
        for (std::size_t o = 0; o < k; ++o)
          for (std::size_t o2 = 0; o2 < k; ++o2) {
            a[o * k + o2] = (o == o2 ? prob[o] : 0) - prob[o] * prob[o2];
            a_abs[o * k + o2] = (o == o2 ? prob[o] : 0) + prob[o] * prob[o2];
          }
        break;
      }
    }
    for (std::size_t o = 0; o < k; ++o)
      for (std::size_t l = 0; l < inputs; ++l)
        for (std::size_t o2 = 0; o2 < k; ++o2)
          for (std::size_t l2 = 0; l2 < inputs; ++l2) {
            const std::size_t at = index(o, l) * ref.p + index(o2, l2);
            ref.hessian[at] += a[o * k + o2] * u[l] * u[l2] / static_cast<long double>(n);
            ref.magnitude[at] += a_abs[o * k + o2] * std::abs(u[l] * u[l2]) / static_cast<long double>(n);
          }
  }
  for (std::size_t j = 0; j < k * d; ++j) {
    ref.hessian[(w0 + j) * ref.p + w0 + j] += static_cast<long double>(c.l2);
    ref.magnitude[(w0 + j) * ref.p + w0 + j] += static_cast<long double>(c.l2);
  }
  return ref;
}

// Bound on |computed (H v)_j - exact (H v)_j| for the model's pass in T:
//   - the scores s_i = V u_i are sums of d + 1 terms: error gamma_{d+1} |V| |u_i|;
//   - the curvature A_i comes from scores z_i = W u_i with error gamma_{d+1} max_score, which
//     moves log sigma(1 - sigma) or log p_o by at most twice that (their derivatives in z
//     are 1 - 2 sigma and e_o - p, of size <= 1 per score), and is itself evaluated with a
//     few roundings (exp, the softmax's sum and division): under 8 u;
//   - q_i = (1/n) A_i s_i and the sum over n rows of q_i u_i: gamma_{n + 4} of the terms' sizes;
//   - the L2 term lambda v_j adds one product and one sum.
// Together, with |A_i| bounded entrywise by diag(p) + p p^T (softmax) and the sizes of all
// terms collected in `magnitude`: (gamma_{d + n + 13} + 2 gamma_{d + 1} max_score) (|H| |v|)_j.
// The long-double reference is exact to 2^-64 relative, far below either precision's u.
template <class T>
std::vector<double> product_tolerance(const Reference& ref, std::span<const T> v, std::size_t n, std::size_t d) {
  const double rate = rounding_gamma<T>(static_cast<double>(d + n + 13)) +
                      2 * rounding_gamma<T>(static_cast<double>(d + 1)) * ref.max_score;
  std::vector<double> tolerance(ref.p);
  for (std::size_t j = 0; j < ref.p; ++j) {
    long double size = 0;
    for (std::size_t l = 0; l < ref.p; ++l)
      size += ref.magnitude[j * ref.p + l] * std::abs(static_cast<long double>(v[l]));
    tolerance[j] = rate * static_cast<double>(size);
  }
  return tolerance;
}

template <class T>
std::vector<long double> reference_product(const Reference& ref, std::span<const T> v) {
  std::vector<long double> out(ref.p, 0);
  for (std::size_t j = 0; j < ref.p; ++j)
    for (std::size_t l = 0; l < ref.p; ++l) out[j] += ref.hessian[j * ref.p + l] * static_cast<long double>(v[l]);
  return out;
}

// Every column of H (products with e_j) and a random direction, for dense and CSR data; the
// two layouts also agree with each other within twice the bound.
template <class T>
void expect_matches_reference(const HessianCase& c) {
  const std::size_t n = 6, d = 3;
  const auto values = random_features(n, d, 21, 0.3);
  const auto dense = make_data<T>(c, values, d, false, 21);
  const auto sparse = make_data<T>(c, values, d, true, 21);
  const auto dense_model = make_model<T>(c, dense);
  const auto sparse_model = make_model<T>(c, sparse);
  const std::size_t p = dense_model->dimension();
  const auto x = random_parameters<T>(p, 22);
  const Reference ref = reference_hessian<T>(c, *dense_model, x, dense, values, d);
  std::vector<std::vector<T>> directions;
  for (std::size_t j = 0; j < p; ++j) {
    directions.emplace_back(p, T(0));
    directions.back()[j] = T(1);
  }
  directions.push_back(random_parameters<T>(p, 23, 1.0));
  std::vector<T> from_dense(p), from_sparse(p);
  for (const auto& v : directions) {
    dense_model->hessian_vector(x, v, from_dense);
    sparse_model->hessian_vector(x, v, from_sparse);
    const auto exact = reference_product<T>(ref, v);
    const auto tolerance = product_tolerance<T>(ref, v, n, d);
    for (std::size_t j = 0; j < p; ++j) {
      EXPECT_NEAR(from_dense[j], static_cast<double>(exact[j]), tolerance[j]) << "coordinate " << j;
      EXPECT_NEAR(from_sparse[j], static_cast<double>(exact[j]), tolerance[j]) << "coordinate " << j << " (CSR)";
      EXPECT_NEAR(from_dense[j], from_sparse[j], 2 * tolerance[j]) << "coordinate " << j << ", dense against CSR";
    }
  }
}

// Each case builds both layouts itself: instantiated for the dense cases only.
class ReferenceHessian : public ::testing::TestWithParam<HessianCase> {};

TEST_P(ReferenceHessian, EveryColumnMatchesTheFormulaOnDenseAndCsrData) {
  expect_matches_reference<double>(GetParam());
  expect_matches_reference<float>(GetParam());
}

std::vector<HessianCase> dense_cases() {
  std::vector<HessianCase> cases;
  for (const HessianCase& c : hessian_cases())
    if (!c.sparse) cases.push_back(c);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllOptions, ReferenceHessian, ::testing::ValuesIn(dense_cases()),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------
// The operator: apply() computes the same curvatures (the same scores through the same
// kernels, the same formula) and the same pass as hessian_vector, so the bits are equal, not
// only the values. Applied twice, and after other work of the model, it gives the same bits.

template <class T>
void expect_operator_equals_product(const HessianCase& c) {
  // 300 rows: two chunks of the GEMM path.
  const std::size_t n = 300, d = 7;
  const auto data = make_data<T>(c, random_features(n, d, 31), d, c.sparse, 31);
  const auto model = make_model<T>(c, data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<T>(p, 32);
  const auto v = random_parameters<T>(p, 33, 1.0);
  const auto hessian = model->hessian_at(x);
  ASSERT_EQ(hessian->size(), p);
  ASSERT_TRUE(hessian->has_diagonal());
  std::vector<T> product(p), applied(p), again(p), gradient(p);
  model->hessian_vector(x, v, product);
  hessian->apply(v, applied);
  EXPECT_EQ(applied, product);
  model->value_and_gradient(v, gradient);  // other work in the shared workspaces
  hessian->apply(v, again);
  EXPECT_EQ(again, applied);
}

TEST_P(SingleLayerHessian, OperatorApplyEqualsHessianVectorBitwise) {
  expect_operator_equals_product<double>(GetParam());
  expect_operator_equals_product<float>(GetParam());
}

// diagonal()[j] against e_j^T H e_j = (apply(e_j))_j. Both are sums over the rows of
// nonnegative terms (1/n) A_i[o][o] u_il^2 (+ lambda): the product's scores of e_j are exact
// (one nonzero term), so each term differs from the exact one by a few roundings, and the two
// passes add them in different stripes. For softmax the product forms p (u - p u) where the
// diagonal forms p (1 - p) u: the subtraction's rounding u |p u| is relatively larger by
// p / (1 - p) (at most `spread` over the rows). Each side is within
// gamma_{n + 8 + spread} of the exact value, so they differ by at most twice that.
template <class T>
void expect_diagonal_matches_basis_products(const HessianCase& c) {
  const std::size_t n = 40, d = 6;
  const auto data = make_data<T>(c, random_features(n, d, 41), d, c.sparse, 41);
  const auto model = make_model<T>(c, data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<T>(p, 42);
  double spread = 0;
  if (classes_of(c.kind) > 0) {
    const std::size_t k = classes_of(c.kind);
    std::vector<std::size_t> rows(n);
    for (std::size_t i = 0; i < n; ++i) rows[i] = i;
    std::vector<T> scores(n * k);
    model->score_rows(x, data, rows, scores);
    for (std::size_t i = 0; i < n; ++i) {
      double total = 0;
      for (std::size_t o = 0; o < k; ++o) total += std::exp(static_cast<double>(scores[i * k + o]));
      for (std::size_t o = 0; o < k; ++o) {
        const double prob = std::exp(static_cast<double>(scores[i * k + o])) / total;
        spread = std::max(spread, prob / (1 - prob));
      }
    }
  }
  const auto hessian = model->hessian_at(x);
  std::vector<T> diagonal(p), basis(p, T(0)), column(p);
  hessian->diagonal(diagonal);
  const double rate = 2 * rounding_gamma<T>(static_cast<double>(n) + 8 + spread);
  for (std::size_t j = 0; j < p; ++j) {
    basis[j] = T(1);
    hessian->apply(basis, column);
    basis[j] = T(0);
    EXPECT_GE(diagonal[j], T(0)) << j;
    EXPECT_NEAR(diagonal[j], column[j], rate * std::abs(static_cast<double>(column[j]))) << "coordinate " << j;
  }
}

TEST_P(SingleLayerHessian, DiagonalEqualsTheBasisProducts) {
  expect_diagonal_matches_basis_products<double>(GetParam());
  expect_diagonal_matches_basis_products<float>(GetParam());
}

INSTANTIATE_TEST_SUITE_P(AllOptions, SingleLayerHessian, ::testing::ValuesIn(hessian_cases()),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------
// Thread counts, at sizes where the threaded paths run: the striped passes cut into several
// stripes with enough work to start threads (row_stripes.hpp, work_costs.hpp), and for the
// dense softmax with 9 classes the GEMMs cut into panels (panel_gemm.hpp).

class HessianThreads : public ::testing::TestWithParam<HessianCase> {};

constexpr std::size_t kWideFeatures = 256, kMostRows = 4096;

// kMostRows x kWideFeatures values, about half of them 0 and the rest spread over [-1, 1),
// from a 64-bit linear congruential generator (Knuth's MMIX constants): these tests need many
// values quickly (in a sanitizer build too), not good randomness.
const std::vector<double>& wide_values() {
  static const std::vector<double> values = [] {
    std::vector<double> v(kMostRows * kWideFeatures);
    std::uint64_t state = 51;
    for (double& value : v) {
      state = state * 6364136223846793005u + 1442695040888963407u;
      const std::uint64_t bits = state >> 32;
      value = (bits & 1) != 0 ? 0.0 : static_cast<double>(bits >> 1) / 1073741824.0 - 1;
    }
    return v;
  }();
  return values;
}

// Whether a striped pass with `products` products per stored value runs several stripes on
// threads (the estimate of LayerStack::striped_pass).
template <class T>
bool striped_threaded(const HessianCase& c, const Dataset<T>& data, std::size_t parameters, double products) {
  const double values = detail::input_values_per_row(data) * static_cast<double>(data.size());
  const double k = static_cast<double>(outputs_of(c.kind));
  const double multiply_adds = values * k * products;
  const double value_ns = data.is_sparse() ? detail::kSparseValueNs : detail::kVectorizedValueNs;
  const double row_ns = classes_of(c.kind) > 0 ? detail::kSoftmaxClassNs * k : detail::kSingleOutputHeadNs;
  return detail::plan_stripes(data.size(), values, outputs_of(c.kind), parameters).count > 1 &&
         detail::worth_threads(multiply_adds * value_ns + static_cast<double>(data.size()) * row_ns);
}

// Whether every pass of run_passes() takes its threaded path on `data`.
template <class T>
bool every_pass_threaded(const HessianCase& c, const Dataset<T>& data) {
  const std::size_t k = outputs_of(c.kind), d = data.dimension();
  const std::size_t parameters = k * d + (c.bias ? k : 0);
  // The diagonal is striped on every path.
  if (!striped_threaded(c, data, parameters, 1)) return false;
  if (!data.is_sparse() && k >= detail::LayerStack<T>::kMinGemmOutputs) {
    // Chunks of up to kChunkRows rows: the scores of a chunk, then out += Q^T A.
    const auto m = static_cast<Eigen::Index>(std::min(data.size(), detail::LayerStack<T>::kChunkRows));
    const auto outputs = static_cast<Eigen::Index>(k), width = static_cast<Eigen::Index>(d);
    return detail::plan_panels<T>(m, outputs, width).count > 1 && detail::plan_panels<T>(outputs, width, m).count > 1;
  }
  // hessian_vector: the scores of x and v, and the sum; apply and the gradient: one score.
  return striped_threaded(c, data, parameters, 3) && striped_threaded(c, data, parameters, 2);
}

template <class T>
struct HessianPasses {
  std::vector<T> product, applied, diagonal, gradient;
  T value = 0;
};

template <class T>
HessianPasses<T> run_passes(const Model<T>& model, std::span<const T> x, std::span<const T> v) {
  const std::size_t p = model.dimension();
  HessianPasses<T> out{std::vector<T>(p), std::vector<T>(p), std::vector<T>(p), std::vector<T>(p), T(0)};
  model.hessian_vector(x, v, out.product);
  const auto hessian = model.hessian_at(x);
  hessian->apply(v, out.applied);
  hessian->diagonal(out.diagonal);
  out.value = model.value_and_gradient(x, out.gradient);
  return out;
}

template <class T>
void expect_same_bits_with_1_2_3_threads(const HessianCase& c) {
  // The fewest rows, in steps of 64, that take every threaded path (asserted, so that
  // retuned thresholds cannot turn this into a one-thread test).
  const auto& all = wide_values();
  std::size_t n = 64;
  const auto rows = [&](std::size_t count) {
    return std::vector<double>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(count * kWideFeatures));
  };
  Dataset<T> data = make_data<T>(c, rows(n), kWideFeatures, c.sparse, 51);
  while (!every_pass_threaded(c, data)) {
    n += 64;
    ASSERT_LE(n, kMostRows) << "the thresholds no longer fit a test-sized dataset";
    data = make_data<T>(c, rows(n), kWideFeatures, c.sparse, 51);
  }
  const auto model = make_model<T>(c, data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<T>(p, 52, 0.1);
  const auto v = random_parameters<T>(p, 53, 1.0);
  const int before = num_threads();
  set_num_threads(1);
  const HessianPasses<T> one = run_passes<T>(*model, x, v);
  EXPECT_EQ(one.applied, one.product);
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    const HessianPasses<T> other = run_passes<T>(*model, x, v);
    EXPECT_EQ(other.product, one.product) << threads << " threads";
    EXPECT_EQ(other.applied, one.applied) << threads << " threads";
    EXPECT_EQ(other.diagonal, one.diagonal) << threads << " threads";
    EXPECT_EQ(other.gradient, one.gradient) << threads << " threads";
    EXPECT_EQ(other.value, one.value) << threads << " threads";
  }
  set_num_threads(before);
}

TEST_P(HessianThreads, PassesHaveTheSameBitsWith1To3Threads) {
  expect_same_bits_with_1_2_3_threads<double>(GetParam());
  expect_same_bits_with_1_2_3_threads<float>(GetParam());
}

std::vector<HessianCase> thread_cases() {
  // Bias and L2 on (every term of the pass); the options themselves are covered above.
  std::vector<HessianCase> cases;
  for (const HessianCase& c : hessian_cases())
    if (c.bias && c.l2 > 0) cases.push_back(c);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(BiasAndL2, HessianThreads, ::testing::ValuesIn(thread_cases()),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------
// Properties of the curvature the operator caches.

// Least squares: H = (1/n) U^T U + lambda (I, 0) does not depend on x, and the operator
// caches nothing from it: the operators at two points give the same bits.
TEST(ModelHessianProperties, LeastSquaresHessianDoesNotDependOnX) {
  const std::size_t n = 50, d = 4;
  const auto data = dense_dataset<double>(random_features(n, d, 61), d, regression_targets(n, 61));
  const LeastSquares<double> model(data, {.l2 = 0.1});
  const auto v = random_parameters<double>(model.dimension(), 62, 1.0);
  std::vector<double> at_first(model.dimension()), at_second(model.dimension());
  model.hessian_at(random_parameters<double>(model.dimension(), 63))->apply(v, at_first);
  model.hessian_at(random_parameters<double>(model.dimension(), 64, 3.0))->apply(v, at_second);
  EXPECT_EQ(at_first, at_second);
}

// Logistic regression: sigma(-s z)(1 - sigma(-s z)) is even in s, so the labels (and their
// convention) do not enter the Hessian: 0/1 and -1/+1 labels of the same data give the
// same bits.
TEST(ModelHessianProperties, LogisticHessianIgnoresTheLabels) {
  const std::size_t n = 50, d = 4;
  const auto values = random_features(n, d, 65);
  auto zero_one = class_labels(n, 2, 65), plus_minus = zero_one;
  for (double& y : plus_minus) y = 1 - 2 * y;  // also flips which rows are positive
  const auto a = dense_dataset<double>(values, d, zero_one);
  const auto b = dense_dataset<double>(values, d, plus_minus);
  const LogisticRegression<double> first(a), second(b);
  const auto x = random_parameters<double>(first.dimension(), 66);
  const auto v = random_parameters<double>(first.dimension(), 67, 1.0);
  std::vector<double> hv_a(first.dimension()), hv_b(first.dimension());
  first.hessian_vector(x, v, hv_a);
  second.hessian_vector(x, v, hv_b);
  EXPECT_EQ(hv_a, hv_b);
}

// ---------------------------------------------------------------------------------------
// Errors.

template <class E, class F>
void expect_error(F f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const auto& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

TEST(ModelHessianErrors, WrongSizesAndOverlapsThrowMismatchError) {
  const std::size_t n = 10, d = 3;
  const auto data = dense_dataset<double>(random_features(n, d, 71), d, class_labels(n, 2, 71));
  const LogisticRegression<double> model(data);
  const std::size_t p = model.dimension();  // 4
  std::vector<double> x(p, 0.1), v(p, 1.0), out(p), longer(p + 1), shorter(p - 1);
  expect_error<MismatchError>([&] { model.hessian_vector(shorter, v, out); },
                              {"logistic_regression", "parameters has 3 elements, expected 4"});
  expect_error<MismatchError>([&] { model.hessian_vector(x, longer, out); }, {"hessian_vector: v has 5 elements"});
  expect_error<MismatchError>([&] { model.hessian_vector(x, v, shorter); }, {"hessian_vector: out has 3 elements"});
  expect_error<MismatchError>([&] { model.hessian_vector(x, v, v); }, {"hessian_vector: out overlaps v"});
  expect_error<MismatchError>([&] { model.hessian_vector(x, v, x); }, {"hessian_vector: out overlaps x"});
  expect_error<MismatchError>([&] { model.hessian_at(longer); }, {"parameters has 5 elements, expected 4"});
  const auto hessian = model.hessian_at(x);
  expect_error<MismatchError>([&] { hessian->apply(shorter, out); }, {"Hessian operator: v has 3 elements"});
  expect_error<MismatchError>([&] { hessian->apply(v, longer); }, {"Hessian operator: out has 5 elements"});
  expect_error<MismatchError>([&] { hessian->apply(v, v); }, {"out overlaps v"});
  expect_error<MismatchError>([&] { hessian->diagonal(shorter); }, {"Hessian diagonal: out has 3 elements"});
}

TEST(ModelHessianErrors, MlpWithHiddenLayersHasNoExactProducts) {
  const std::size_t n = 10, d = 3;
  const auto data = dense_dataset<double>(random_features(n, d, 72), d, class_labels(n, 3, 72));
  const Mlp<double> mlp(data, {.hidden = {4}});
  EXPECT_FALSE(mlp.has_hessian_vector());
  const auto x = mlp.initial_parameters(1);
  std::vector<double> v(mlp.dimension(), 1.0), out(mlp.dimension());
  expect_error<MismatchError>([&] { mlp.hessian_vector(x.flat(), v, out); },
                              {"mlp: hessian_vector: exact Hessian-vector products exist only for the single-layer",
                               "not yet for an MLP with hidden layers"});
  expect_error<MismatchError>([&] { mlp.hessian_at(x.flat()); }, {"mlp: hessian_at"});
  // Without hidden layers it is softmax regression, products included, bit for bit.
  const Mlp<double> linear(data, {.hidden = {}, .l2 = 0.1});
  const SoftmaxRegression<double> softmax(data, {.l2 = 0.1});
  ASSERT_TRUE(linear.has_hessian_vector());
  const auto y = random_parameters<double>(softmax.dimension(), 73);
  std::vector<double> w(softmax.dimension(), 0.5), from_mlp(softmax.dimension()), from_softmax(softmax.dimension());
  linear.hessian_vector(y, w, from_mlp);
  softmax.hessian_vector(y, w, from_softmax);
  EXPECT_EQ(from_mlp, from_softmax);
}

}  // namespace
}  // namespace descent::testing
