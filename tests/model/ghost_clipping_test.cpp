// Ghost clipping (Model::clipped_gradient_sum): the sum of the batch's clipped per-sample
// data-loss gradients from one forward and backward pass, against the materialized loop
// (per_sample_gradients, norms, scaling, sum in batch order), over every model configuration.
//
// What is bitwise and what is not, in double:
//   - Where no sample is clipped the ghost pass IS the ordinary pass (the same chunks or
//     stripes, the same head, the same products and sums), run with scale 1 instead of 1/|B|.
//     With |B| a power of two that scaling is exact and commutes with every rounding, so
//     ghost / |B| + grad r equals batch_value_and_gradient bit for bit, value included.
//   - Where samples are clipped the two sides round differently and only a derived bound
//     holds: the ghost pass gets each norm from |d|^2 (|a|^2 + 1) (the materialized loop sums
//     the p squares of the formed gradient), scales the deltas before the products (the loop
//     scales the products), and adds the B terms in the GEMM's or the stripes' order (the
//     loop in batch order). See bound() below.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "descent/core/error.hpp"
#include "model_cases.hpp"

namespace descent::testing {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// 512 indices into 300 rows: not consecutive (the gather path), with repeats, two chunks of
// 256 rows; a power of two, so that dividing by |B| is exact.
std::vector<std::size_t> big_batch() {
  std::vector<std::size_t> batch(512);
  for (std::size_t k = 0; k < batch.size(); ++k) batch[k] = (k * 37 + 11) % 300;
  return batch;
}

bool bitwise_equal(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](double u, double v) { return std::memcmp(&u, &v, sizeof u) == 0; });
}

// The loss part of each per-sample gradient, materialized: per_sample_gradients minus the L2
// term lambda W on the weight blocks (lambda x_j where the model has one). Row k is sample
// batch[k]'s; penalty[j] = lambda |x_j| on weights, 0 elsewhere (for the bound).
struct Materialized {
  std::vector<double> rows;
  std::vector<double> penalty;
};

Materialized materialize(const Model<double>& model, std::span<const double> x, std::span<const std::size_t> batch,
                         double lambda) {
  const std::size_t p = model.dimension();
  Materialized m{std::vector<double>(batch.size() * p), std::vector<double>(p, 0.0)};
  model.per_sample_gradients(x, batch, m.rows);
  for (const auto& block : model.layout().blocks())
    if (block.name.ends_with("weight"))
      for (std::size_t j = block.offset; j < block.offset + block.size; ++j) m.penalty[j] = lambda * x[j];
  for (std::size_t k = 0; k < batch.size(); ++k)
    for (std::size_t j = 0; j < p; ++j) m.rows[k * p + j] -= m.penalty[j];
  for (double& v : m.penalty) v = std::abs(v);
  return m;
}

// The clipped sum the materialized way: each sample's gradient (or each group's part of it)
// scaled by min(1, limit / norm), the scaled gradients added in batch order. factors[k * G + l]
// receives the factor of sample k, group l.
std::vector<double> clipped_loop(const Materialized& m, std::size_t p, std::size_t count,
                                 const std::vector<std::size_t>& bounds, double clip, bool per_group,
                                 std::vector<double>* factors) {
  const std::size_t groups = bounds.size() - 1;
  std::vector<double> sum(p, 0.0);
  factors->assign(count * groups, 1.0);
  for (std::size_t k = 0; k < count; ++k) {
    const double* g = m.rows.data() + k * p;
    double total = 0;
    std::vector<double> squares(groups, 0.0);
    for (std::size_t l = 0; l < groups; ++l)
      for (std::size_t j = bounds[l]; j < bounds[l + 1]; ++j) squares[l] += g[j] * g[j];
    for (double s : squares) total += s;
    for (std::size_t l = 0; l < groups; ++l) {
      const double norm = std::sqrt(per_group ? squares[l] : total);
      const double limit = per_group ? clip / std::sqrt(static_cast<double>(groups)) : clip;
      (*factors)[k * groups + l] = norm > limit ? limit / norm : 1.0;
    }
    for (std::size_t l = 0; l < groups; ++l)
      for (std::size_t j = bounds[l]; j < bounds[l + 1]; ++j) sum[j] += (*factors)[k * groups + l] * g[j];
  }
  return sum;
}

// The bound on |ghost_j - loop_j|. Both sides start from the same deltas and layer inputs
// (per_sample_gradients runs the same head and backward pass). Then, with B terms and p
// parameters:
//   - the materialized rows carry the L2 subtraction's error, <= 3 eps (|d a| + lambda |w_j|);
//   - a squared norm summed from m positive terms is within (m - 1) eps relative: p terms on
//     the loop's side, |d|^2, |a|^2 and their product (at most p + 3 roundings) on the ghost
//     side; the square root halves that, the division C / norm adds one eps, so the factors
//     differ by at most (p + 6) eps relative;
//   - each term is a product of three numbers, rounded twice on either side: 4 eps;
//   - a B-term sum in any order is within (B - 1) eps sum|terms| of the exact sum, on both sides.
// In all: (2 B + p + 16) eps sum_k (|g_kj| + lambda |w_j|) (the factors are at most 1).
double bound(const Materialized& m, std::size_t p, std::size_t count, std::size_t j) {
  double magnitude = 0;
  for (std::size_t k = 0; k < count; ++k) magnitude += std::abs(m.rows[k * p + j]) + m.penalty[j];
  return (2.0 * static_cast<double>(count) + static_cast<double>(p) + 16) * kEps * magnitude;
}

// The median of the samples' loss-gradient norms: about half of the samples get clipped.
double median_norm(const Materialized& m, std::size_t p, std::size_t count) {
  std::vector<double> norms(count);
  for (std::size_t k = 0; k < count; ++k) {
    double s = 0;
    for (std::size_t j = 0; j < p; ++j) s += m.rows[k * p + j] * m.rows[k * p + j];
    norms[k] = std::sqrt(s);
  }
  std::nth_element(norms.begin(), norms.begin() + static_cast<std::ptrdiff_t>(count / 2), norms.end());
  return norms[count / 2];
}

class GhostClipping : public ::testing::TestWithParam<ModelCase> {};

TEST_P(GhostClipping, EqualsTheMaterializedLoopWithinTheRoundingBound) {
  const ModelCase& c = GetParam();
  const Dataset<double> data = case_dataset(c, 300, 5, 31);
  const auto model = c.make(data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<double>(p, 8);
  const auto batch = big_batch();
  const Materialized m = materialize(*model, x, batch, c.l2);
  const double clip = median_norm(m, p, batch.size());
  const std::vector<std::size_t> bounds = model->parameter_groups();
  for (bool per_group : {false, true}) {
    SCOPED_TRACE(per_group ? "per layer" : "flat");
    std::vector<double> factors;
    const auto expected = clipped_loop(m, p, batch.size(), bounds, clip, per_group, &factors);
    // The test means something only if some samples are clipped and some are not.
    const auto clipped = std::count_if(factors.begin(), factors.end(), [](double f) { return f < 1; });
    EXPECT_GT(clipped, 0);
    EXPECT_LT(clipped, static_cast<std::ptrdiff_t>(factors.size()));
    std::vector<double> ghost(p);
    model->clipped_gradient_sum(x, batch, {.norm = clip, .per_group = per_group}, ghost);
    // The default (per-sample gradients one by one) agrees within the same bound.
    std::vector<double> fallback(p);
    model->FiniteSum<double>::clipped_gradient_sum(x, batch, {.norm = clip, .per_group = per_group}, fallback);
    for (std::size_t j = 0; j < p; ++j) {
      EXPECT_NEAR(ghost[j], expected[j], bound(m, p, batch.size(), j)) << "j = " << j;
      EXPECT_NEAR(fallback[j], expected[j], bound(m, p, batch.size(), j)) << "j = " << j;
    }
  }
}

TEST_P(GhostClipping, WithNothingClippedIsTheOrdinaryPassBitForBit) {
  const ModelCase& c = GetParam();
  const Dataset<double> data = case_dataset(c, 300, 5, 32);
  const auto model = c.make(data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<double>(p, 9);
  const auto batch = big_batch();
  std::vector<double> norms(batch.size());
  model->per_sample_gradient_norms(x, batch, norms);
  // A sample's loss gradient is its full gradient minus lambda (W, 0), so its norm, and the
  // norm of each layer's part, is at most |grad f_i| + |lambda W| (triangle inequality). Twice
  // sqrt(layers) times that puts every sample well inside the ball, flat or per layer.
  const Materialized m = materialize(*model, x, batch, c.l2);
  const double penalty_norm = std::sqrt(std::inner_product(m.penalty.begin(), m.penalty.end(), m.penalty.begin(), 0.0));
  const double layers = static_cast<double>(model->parameter_groups().size() - 1);
  const double clip = 2 * std::sqrt(layers) * (*std::max_element(norms.begin(), norms.end()) + penalty_norm);
  for (bool per_group : {false, true}) {
    SCOPED_TRACE(per_group ? "per layer" : "flat");
    std::vector<double> ghost(p), ordinary(p);
    const double ghost_value = model->clipped_gradient_sum(x, batch, {.norm = clip, .per_group = per_group}, ghost);
    const double value = model->batch_value_and_gradient(x, batch, ordinary);
    for (double& v : ghost) v /= static_cast<double>(batch.size());
    model->add_unclipped_gradient(x, ghost);
    EXPECT_TRUE(bitwise_equal(ghost, ordinary));
    EXPECT_EQ(ghost_value, value);
  }
}

// Every sample alone: its clipped gradient has norm <= C (each layer's part <= C / sqrt(L) per
// layer); a sample inside the ball is untouched, bit for bit (it is the ordinary pass on one
// row, with scale 1); a clipped one points where its gradient points.
TEST_P(GhostClipping, BoundsEverySampleAndLeavesThoseInsideTheBall) {
  const ModelCase& c = GetParam();
  const Dataset<double> data = case_dataset(c, 40, 5, 33);
  const auto model = c.make(data);
  const std::size_t p = model->dimension();
  const auto x = random_parameters<double>(p, 10);
  std::vector<std::size_t> all(40);
  std::iota(all.begin(), all.end(), std::size_t{0});
  const Materialized m = materialize(*model, x, all, c.l2);
  const double clip = median_norm(m, p, all.size());
  const std::vector<std::size_t> bounds = model->parameter_groups();
  const std::size_t groups = bounds.size() - 1;
  std::size_t inside = 0, outside = 0;
  for (bool per_group : {false, true}) {
    const double limit = per_group ? clip / std::sqrt(static_cast<double>(groups)) : clip;
    for (std::size_t i = 0; i < all.size(); ++i) {
      SCOPED_TRACE("sample " + std::to_string(i) + (per_group ? " per layer" : " flat"));
      const std::span<const std::size_t> one(&all[i], 1);
      std::vector<double> ghost(p), plain(p);
      model->clipped_gradient_sum(x, one, {.norm = clip, .per_group = per_group}, ghost);
      const double* g = m.rows.data() + i * p;
      // The norm of a clipped gradient (or part) exceeds its limit by the roundings of the
      // factor and the norms only: (p + 8) eps relative (see bound() above).
      const double slack = 1 + (static_cast<double>(p) + 8) * kEps;
      // Whether the sample is clipped, by the materialized norms; a norm within 10^-9 of its
      // limit may be judged either way by the two computations, and such samples are skipped.
      bool touched = false, ambiguous = false;
      double total = 0, ghost_total = 0;
      for (std::size_t l = 0; l < groups; ++l) {
        double ghost_squares = 0, squares = 0;
        for (std::size_t j = bounds[l]; j < bounds[l + 1]; ++j) {
          ghost_squares += ghost[j] * ghost[j];
          squares += g[j] * g[j];
        }
        total += squares;
        ghost_total += ghost_squares;
        if (per_group) {
          EXPECT_LE(std::sqrt(ghost_squares), limit * slack);
          touched = touched || std::sqrt(squares) > limit;
          ambiguous = ambiguous || std::abs(std::sqrt(squares) - limit) < 1e-9 * limit;
        }
      }
      EXPECT_LE(std::sqrt(ghost_total), clip * slack);
      if (!per_group) {
        touched = std::sqrt(total) > limit;
        ambiguous = std::abs(std::sqrt(total) - limit) < 1e-9 * limit;
      }
      if (ambiguous) continue;
      if (!touched) {
        ++inside;
        model->batch_value_and_gradient(x, one, plain);
        model->add_unclipped_gradient(x, ghost);
        EXPECT_TRUE(bitwise_equal(ghost, plain));
      } else if (!per_group) {
        ++outside;
        // Clipped: (C / |g|) g, up to the roundings of bound() with one sample.
        const double factor = clip / std::sqrt(total);
        for (std::size_t j = 0; j < p; ++j)
          EXPECT_NEAR(ghost[j], factor * g[j], (static_cast<double>(p) + 20) * kEps * (std::abs(g[j]) + m.penalty[j]));
      }
    }
  }
  EXPECT_GT(inside, 0u);
  EXPECT_GT(outside, 0u);
}

INSTANTIATE_TEST_SUITE_P(Models, GhostClipping, ::testing::ValuesIn(model_cases()), case_name);

TEST(GhostClippingInput, BadClipNormsAndSizesAreRefusedByName) {
  const ModelCase c = model_cases().front();
  const Dataset<double> data = case_dataset(c, 20, 3, 1);
  const auto model = c.make(data);
  const std::size_t p = model->dimension();
  std::vector<double> x(p, 0.1), out(p);
  const std::vector<std::size_t> batch = {0, 3, 5};
  for (double bad : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    try {
      model->clipped_gradient_sum(x, batch, {.norm = bad}, out);
      ADD_FAILURE() << "clip norm " << bad << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("GradientClipping::norm"), std::string::npos) << e.what();
    }
    EXPECT_THROW(model->FiniteSum<double>::clipped_gradient_sum(x, batch, {.norm = bad}, out), ConfigError);
  }
  std::vector<double> short_out(p - 1);
  EXPECT_THROW(model->clipped_gradient_sum(x, batch, {.norm = 1}, short_out), MismatchError);
  const std::vector<std::size_t> outside = {0, 20};
  EXPECT_THROW(model->clipped_gradient_sum(x, outside, {.norm = 1}, out), MismatchError);
  // An empty batch: zero, value 0.
  std::fill(out.begin(), out.end(), 7.0);
  EXPECT_EQ(model->clipped_gradient_sum(x, {}, {.norm = 1}, out), 0.0);
  for (double v : out) EXPECT_EQ(v, 0.0);
}

}  // namespace
}  // namespace descent::testing
