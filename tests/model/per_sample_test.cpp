// Per-sample gradients and their norms, against the batch gradient and central
// differences, over every model configuration.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "descent/objective/gradient_check.hpp"
#include "model_cases.hpp"

namespace descent::testing {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// A batch of 512 indices into 300 rows: non-consecutive (the gather path), with repeats,
// and two chunks of 256 rows. 512 is a power of two, so scaling the head's derivatives by
// 1/512 is exact and commutes with every later product.
std::vector<std::size_t> big_batch() {
  std::vector<std::size_t> batch(512);
  for (std::size_t k = 0; k < batch.size(); ++k) batch[k] = (k * 37 + 11) % 300;
  return batch;
}

// Row k of the per-sample gradients of a fixed batch, as the gradient of f_{batch[k]}: the
// checker then compares that row with central differences of f_{batch[k]}.
class PerSampleRow final : public Differentiable<double> {
 public:
  PerSampleRow(const Model<double>& model, std::vector<std::size_t> batch, std::size_t k)
      : model_(model), batch_(std::move(batch)), k_(k) {}
  std::string name() const override { return model_.name() + "[per-sample row]"; }
  std::size_t dimension() const override { return model_.dimension(); }
  double value(std::span<const double> x) const override {
    std::vector<double> g(dimension());
    const std::size_t i = batch_[k_];
    return model_.batch_value_and_gradient(x, std::span<const std::size_t>(&i, 1), g);
  }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    std::vector<double> all(batch_.size() * dimension());
    model_.per_sample_gradients(x, batch_, all);
    std::copy_n(all.begin() + static_cast<std::ptrdiff_t>(k_ * dimension()), dimension(), g.begin());
    return value(x);
  }

 private:
  const Model<double>& model_;
  std::vector<std::size_t> batch_;
  std::size_t k_;
};

// lambda^2 sum_l |W_l|^2 for the model's weight blocks (names ending in "weight").
double penalty_scale(const Model<double>& model, std::span<const double> x, double lambda) {
  double sum = 0;
  for (const auto& block : model.layout().blocks())
    if (block.name.ends_with("weight"))
      for (std::size_t j = 0; j < block.size; ++j) sum += x[block.offset + j] * x[block.offset + j];
  return lambda * lambda * sum;
}

class PerSample : public ::testing::TestWithParam<ModelCase> {};

TEST_P(PerSample, BatchGradientIsTheMeanOfPerSampleGradients) {
  const ModelCase& c = GetParam();
  const auto data = case_dataset(c, 300, 5, 21);
  const auto model = c.make(data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<double>(p, 5);
  const auto batch = big_batch();
  std::vector<double> rows(batch.size() * p), g(p);
  model->per_sample_gradients(x, batch, rows);
  model->batch_value_and_gradient(x, batch, g);
  for (std::size_t j = 0; j < p; ++j) {
    double sum = 0, magnitude = 0;
    for (std::size_t k = 0; k < batch.size(); ++k) {
      sum += rows[k * p + j];
      magnitude += std::abs(rows[k * p + j]);
    }
    // The two sides sum the same B exactly-scaled terms in different orders; any order of
    // a B-term sum is within (B - 1) eps sum|terms| of the exact sum, so they differ by at
    // most 2 B eps sum|terms| / B (plus one rounding of the mean itself).
    const double b = static_cast<double>(batch.size());
    const double tolerance = 2 * b * kEps * magnitude / b + kEps * std::abs(sum / b);
    EXPECT_NEAR(g[j], sum / b, tolerance) << c.name << " coordinate " << j;
  }
}

TEST_P(PerSample, RowsAreTheGradientsOfTheirSamples) {
  const ModelCase& c = GetParam();
  const auto data = case_dataset(c, 300, 5, 22);
  const auto model = c.make(data);
  const auto x = random_parameters<double>(model->dimension(), 6);
  // First row, a row of the second chunk, the last row.
  for (std::size_t k : {std::size_t{0}, std::size_t{300}, std::size_t{511}}) {
    const PerSampleRow row(*model, big_batch(), k);
    const auto result = check_gradient<double>(row, x);
    EXPECT_TRUE(result.ok) << "row " << k << ": " << result.describe();
  }
}

TEST_P(PerSample, NormsAreTheNormsOfThePerSampleGradients) {
  const ModelCase& c = GetParam();
  const auto data = case_dataset(c, 300, 5, 23);
  const auto model = c.make(data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<double>(p, 7);
  const auto batch = big_batch();
  std::vector<double> rows(batch.size() * p), norms(batch.size());
  model->per_sample_gradients(x, batch, rows);
  model->per_sample_gradient_norms(x, batch, norms);
  const double l2_terms = penalty_scale(*model, x, c.l2);
  for (std::size_t k = 0; k < batch.size(); ++k) {
    double squares = 0;
    for (std::size_t j = 0; j < p; ++j) squares += rows[k * p + j] * rows[k * p + j];
    // The norm is summed from |d|^2 |a|^2, 2 lambda d.(W a) and lambda^2 |W|^2, whose
    // magnitudes add up to at most 4 |g|^2 + 6 lambda^2 |W|^2 (|d a^T| <= |g| + lambda |W|
    // and AM-GM on the cross term); each is a sum of at most P products, rounded to within
    // P eps of its magnitude. Compare squared norms with that bound, doubled.
    const double tolerance = 2 * static_cast<double>(p) * kEps * (4 * squares + 6 * l2_terms);
    EXPECT_NEAR(norms[k] * norms[k], squares, tolerance) << c.name << " row " << k;
  }
}

TEST_P(PerSample, EmptyBatchHasValueAndGradientZero) {
  const ModelCase& c = GetParam();
  const auto data = case_dataset(c, 10, 5, 24);
  const auto model = c.make(data);
  const auto x = random_parameters<double>(model->dimension(), 8);
  std::vector<double> g(model->dimension(), 1.0);
  EXPECT_EQ(model->batch_value_and_gradient(x, {}, g), 0.0);
  for (double gj : g) EXPECT_EQ(gj, 0.0);
  std::vector<double> none;
  model->per_sample_gradients(x, {}, none);
  model->per_sample_gradient_norms(x, {}, none);
}

TEST_P(PerSample, ABatchWithRepeatsIsTheMeanOverTheRowsItNames) {
  const ModelCase& c = GetParam();
  const auto data = case_dataset(c, 20, 5, 25);
  // Rows 0..8 hold every class (so a model of the subset infers the same K); row 4 thrice.
  const std::vector<std::size_t> batch = {0, 1, 2, 3, 4, 5, 6, 7, 8, 4, 4, 9};
  const auto subset = data.subset(batch);
  const auto model = c.make(data);
  const auto on_subset = c.make(subset);
  ASSERT_EQ(model->dimension(), on_subset->dimension());
  const std::size_t p = model->dimension();
  const auto x = random_parameters<double>(p, 9);
  std::vector<double> g_batch(p), g_subset(p);
  // The batch gathers rows 0..8, 4, 4, 9 into one chunk; the subset holds the same values in
  // the same order and is read in place: the same arithmetic, hence the same bits. So a
  // repeated index weighs exactly as much as a repeated row.
  EXPECT_EQ(model->batch_value_and_gradient(x, batch, g_batch), on_subset->value_and_gradient(x, g_subset));
  EXPECT_EQ(g_batch, g_subset);
}

TEST_P(PerSample, FullPassEqualsTheConsecutiveBatchBitForBit) {
  const ModelCase& c = GetParam();
  const auto data = case_dataset(c, 300, 5, 26);
  const auto model = c.make(data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<double>(p, 10);
  std::vector<std::size_t> all(300);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<double> g_full(p), g_batch(p);
  const double f_full = model->value_and_gradient(x, g_full);
  const double f_batch = model->batch_value_and_gradient(x, all, g_batch);
  // Same rows in the same chunks through the same code: identical bits.
  EXPECT_EQ(f_full, f_batch);
  EXPECT_EQ(g_full, g_batch);
  EXPECT_EQ(model->value(x), f_full);
}

INSTANTIATE_TEST_SUITE_P(AllModels, PerSample, ::testing::ValuesIn(model_cases()), case_name);

}  // namespace
}  // namespace descent::testing
