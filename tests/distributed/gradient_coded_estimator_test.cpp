#include "descent/distributed/gradient_coded_estimator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/core/parameters.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/objective/least_squares_problem.hpp"
#include "descent/spec/estimator_spec.hpp"
#include "descent/transform/sgd.hpp"
#include "support/error_of.hpp"
#include "support/toy_objectives.hpp"

namespace descent {
namespace {

constexpr double kUnit = std::numeric_limits<double>::epsilon() / 2;

using testing::error_of;

double norm(std::span<const double> v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// S = sum over `batch` of ||grad f_l(x)||: the scale of every rounding error below.
double gradient_norm_sum(const FiniteSum<double>& f, std::span<const double> x, std::span<const std::size_t> batch) {
  const std::size_t d = f.dimension();
  std::vector<double> rows(batch.size() * d);
  f.per_sample_gradients(x, batch, rows);
  double s = 0;
  for (std::size_t l = 0; l < batch.size(); ++l) s += norm(std::span<const double>(rows).subspan(l * d, d));
  return s;
}

// How far a coded direction may be from the computed mean gradient of the same N samples
// (gradient_code.hpp's bound, plus the sums the model rounds):
//   - each partition sum G_j is the model's mean times |P_j|: recursive summation errs by at
//     most N u S over all partitions, the multiplication by u ||G_j||;
//   - decoding gives sum_j (1 + r_j + e_j) G_j with |r_j| <= residual and |e_j| <= (n + 1) u
//     amplification (the workers' and the master's sums);
//   - the division by N errs by u ||direction|| <= u S (1 + small) / N;
//   - the reference (the model's mean over all N samples) errs by N u S / N.
// With sum_j ||G_j|| <= S and the second-order terms below 1e-12 relative (absorbed by
// rounding 2 N + 3 up to 2 N + 4):
//   ||direction - mean gradient|| <= (residual + ((n + 1) amplification + 2 N + 4) u) S / N.
double coded_direction_bound(const GradientDecoding& d, std::size_t workers, std::size_t samples, double s) {
  const double n = static_cast<double>(workers), count = static_cast<double>(samples);
  return (d.residual + ((n + 1) * d.amplification + 2 * count + 4) * kUnit) * s / count;
}

LeastSquaresOptions problem() {
  LeastSquaresOptions o;
  o.samples = 37;  // not a multiple of the workers: partitions of 7 and 6 samples
  o.features = 5;
  o.seed = 3;
  return o;
}

GradientCodedOptions coded(std::int64_t workers, std::int64_t stragglers, const std::string& code) {
  GradientCodedOptions o;
  o.workers = workers;
  o.stragglers = stragglers;
  o.code = code;
  o.delay = "pareto";
  o.delay_mean = 3;
  return o;
}

// (c) Whatever workers straggle, the decoded direction is the full gradient, and the value
// the full objective (its bound: the same derivation with f_l >= 0 in place of ||grad f_l||).
TEST(GradientCoded, DirectionIsTheFullGradientWhicheverWorkersStraggle) {
  const SyntheticLeastSquares<double> f(problem());
  std::vector<std::size_t> all(f.num_samples());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  struct Case {
    std::int64_t n, s;
    const char* code;
  } cases[] = {{6, 2, "cyclic"}, {6, 2, "fractional"}, {5, 0, "cyclic"}, {7, 3, "cyclic"}, {4, 3, "fractional"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.code) + " n=" + std::to_string(c.n) + " s=" + std::to_string(c.s));
    GradientCoded<double> estimator(coded(c.n, c.s, c.code), 17);
    estimator.bind(f);
    Random random(4, Stream::user);
    std::vector<double> x(f.dimension()), direction(f.dimension()), full(f.dimension());
    std::set<std::vector<std::size_t>> seen;
    for (int step = 0; step < 12; ++step) {
      for (double& v : x) v = random.normal();
      const Estimate<double> e = estimator.estimate(f, x, direction);
      const double value = f.value_and_gradient(x, full);
      const GradientDecoding& d = estimator.last_decoding();
      ASSERT_EQ(d.workers.size(), static_cast<std::size_t>(c.n - c.s));
      seen.insert(d.workers);
      const double s = gradient_norm_sum(f, x, all);
      std::vector<double> diff(f.dimension());
      for (std::size_t p = 0; p < diff.size(); ++p) diff[p] = direction[p] - full[p];
      EXPECT_LE(norm(diff), coded_direction_bound(d, static_cast<std::size_t>(c.n), all.size(), s));
      EXPECT_LE(std::abs(e.value - value), coded_direction_bound(d, static_cast<std::size_t>(c.n), all.size(),
                                                                 value * static_cast<double>(all.size())));
      // Each responder computed its s + 1 partitions (fractional: one worker per group).
      EXPECT_GT(e.sample_gradients, 0);
      EXPECT_LE(e.sample_gradients, (c.s + 1) * static_cast<std::int64_t>(all.size()));
      EXPECT_GT(estimator.last_step_time(), 0.0);
    }
    // The random delays changed who straggled from step to step.
    if (c.s > 0) EXPECT_GT(seen.size(), 1u);
    EXPECT_EQ(estimator.steps(), 12);
  }
}

TEST(GradientCoded, MinibatchDirectionIsTheBatchGradient) {
  const SyntheticLeastSquares<double> f(problem());
  GradientCodedOptions o = coded(4, 1, "cyclic");
  o.batch_size = 10;
  GradientCoded<double> estimator(o, 2);
  estimator.bind(f);
  std::vector<double> x(f.dimension(), 0.5), direction(f.dimension()), batch_gradient(f.dimension());
  std::vector<std::size_t> first_batch;
  for (int step = 0; step < 4; ++step) {
    estimator.estimate(f, x, direction);
    const std::vector<std::size_t> batch(estimator.last_batch().begin(), estimator.last_batch().end());
    // 37 samples: three batches of 10, then the epoch's last 7.
    ASSERT_EQ(batch.size(), step == 3 ? 7u : 10u);
    if (step == 0) first_batch = batch;
    f.batch_value_and_gradient(x, batch, batch_gradient);
    std::vector<double> diff(f.dimension());
    for (std::size_t p = 0; p < diff.size(); ++p) diff[p] = direction[p] - batch_gradient[p];
    EXPECT_LE(norm(diff),
              coded_direction_bound(estimator.last_decoding(), 4, batch.size(), gradient_norm_sum(f, x, batch)));
  }
  // Shuffled epochs from the seed, as minibatch's: the same seed gives the same first batch.
  GradientCoded<double> again(o, 2);
  again.bind(f);
  again.estimate(f, x, direction);
  EXPECT_EQ(std::vector<std::size_t>(again.last_batch().begin(), again.last_batch().end()), first_batch);
}

// Accumulates the bound on ||x_t - y_t|| between gradient descent (x) and the coded run (y),
// from inside the coded run. With e_t = y_t - x_t and both runs doing p <- p - eta d:
//   e_{t+1} = (I - eta H) e_t - eta (coded(y_t) - full(y_t)) - eta (phi(y_t) - phi(x_t)) + rho_t,
// H = A^T A / N, ||I - eta H|| <= 1 for eta = 1/L; full = the computed mean gradient, phi its
// rounding (<= N u S / N at each point), rho_t the two updates' rounding (each fl(eta d) and
// fl(p + update): <= u (||p|| + 2 eta ||d||), twice, with 1% for second-order terms). Hence
//   ||e_{t+1}|| <= ||e_t|| + eta coded_direction_bound(y_t) + eta u (S(y_t) + S(x_t))
//                  + 2.02 u (||y_t|| + 2 eta ||d_t||),
// with S(x_t) <= S(y_t) + (sum_l ||a_l||^2) ||e_t|| (each ||grad f_l|| is |a_l . x - b_l| ||a_l||).
class RunBound final : public Callback<double> {
 public:
  RunBound(const SyntheticLeastSquares<double>& f, double eta, double rows_squared)
      : f_(f), eta_(eta), rows_squared_(rows_squared), all_(f.num_samples()) {
    for (std::size_t i = 0; i < all_.size(); ++i) all_[i] = i;
  }
  std::optional<Stop> before_update(const StepReport<double>& report, const LoopView<double>& view) override {
    const auto& estimator = dynamic_cast<const GradientCoded<double>&>(view.estimator);
    const std::span<const double> y = std::as_const(view.params).flat();
    const double s_y = gradient_norm_sum(f_, y, all_);
    const double s_x = s_y + rows_squared_ * bound_;
    bound_ += eta_ * coded_direction_bound(estimator.last_decoding(), estimator.code().workers(), all_.size(), s_y) +
              eta_ * kUnit * (s_y + s_x) + 2.02 * kUnit * (norm(y) + 2 * eta_ * norm(report.direction));
    return std::nullopt;
  }
  double bound() const { return bound_; }

 private:
  const SyntheticLeastSquares<double>& f_;
  double eta_, rows_squared_;
  std::vector<std::size_t> all_;
  double bound_ = 0;
};

TEST(GradientCoded, ARunEqualsGradientDescentToRounding) {
  const SyntheticLeastSquares<double> f(problem());
  const double eta = 1 / *f.smoothness();
  // sum_l ||a_l||^2 = N trace(A^T A / N), from the Hessian's diagonal.
  double rows_squared = 0;
  std::vector<double> unit(f.dimension()), column(f.dimension()), zero(f.dimension(), 0.0);
  for (std::size_t p = 0; p < f.dimension(); ++p) {
    std::fill(unit.begin(), unit.end(), 0.0);
    unit[p] = 1;
    f.hessian_vector(zero, unit, column);
    rows_squared += column[p] * static_cast<double>(f.num_samples());
  }
  SgdOptions sgd_options;
  sgd_options.lr = constant(eta);
  const TransformPtr sgd_transform = sgd(sgd_options);
  const std::int64_t steps = 30;

  Parameters<double> x(ParameterLayout::flat(f.dimension()));
  MinimizeOptions<double> plain{.max_steps = steps};
  plain.final_evaluation = false;
  minimize(f, x, *sgd_transform, plain);

  Parameters<double> y(ParameterLayout::flat(f.dimension()));
  MinimizeOptions<double> with_code{.max_steps = steps};
  with_code.final_evaluation = false;
  with_code.estimator = std::make_shared<GradientCoded<double>>(coded(6, 2, "cyclic"), 9);
  auto bound = std::make_shared<RunBound>(f, eta, rows_squared);
  with_code.callbacks.push_back(bound);
  minimize(f, y, *sgd_transform, with_code);

  std::vector<double> diff(f.dimension());
  for (std::size_t p = 0; p < diff.size(); ++p) diff[p] = y[p] - x[p];
  EXPECT_LE(norm(diff), bound->bound());
  EXPECT_LT(bound->bound(), 1e-10);  // the bound is rounding-sized, not vacuous
  // And the run did descend: x moved most of the way towards x* (f* = 0).
  EXPECT_LT(f.value(std::as_const(y).flat()), 0.1 * f.value(std::vector<double>(f.dimension(), 0.0)));
}

// The spec names the estimator; its canonical form lists every option and parses back.
TEST(GradientCoded, SpecBuildsAndRoundTrips) {
  const EstimatorSpec spec = parse_estimator("gradient_coded(workers=6,stragglers=2)");
  EXPECT_EQ(spec.canonical(),
            "gradient_coded(workers=6, stragglers=2, code=cyclic, batch_size=0, wait=first, unit_time=1, "
            "delay=exponential, delay_mean=1, pareto_shape=1.5, drop_probability=0, timeout=0)");
  EXPECT_EQ(parse_estimator(spec.canonical()).canonical(), spec.canonical());
  const EstimatorPtr<double> e = spec.make<double>(3);
  EXPECT_EQ(e->spec(), spec.canonical());
  const EstimatorPtr<float> ef = spec.make<float>(3);
  const SyntheticLeastSquares<float> f(problem());
  ef->bind(f);
  std::vector<float> x(f.dimension(), 0.25f), direction(f.dimension()), full(f.dimension());
  ef->estimate(f, x, direction);
  f.value_and_gradient(x, full);
  // In float the bound has u = 2^-24 for the messages and sums; decoding (in double) adds its
  // residual. (n + 1) amplification + 2 N + 4 with amplification <= the decoder's report.
  const auto& coded_float = dynamic_cast<const GradientCoded<float>&>(*ef);
  const double uf = std::numeric_limits<float>::epsilon() / 2;
  double s = 0;
  {
    std::vector<float> rows(f.num_samples() * f.dimension());
    std::vector<std::size_t> all(f.num_samples());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    f.per_sample_gradients(x, all, rows);
    for (std::size_t l = 0; l < all.size(); ++l) {
      double sq = 0;
      for (std::size_t p = 0; p < f.dimension(); ++p)
        sq += double(rows[l * f.dimension() + p]) * rows[l * f.dimension() + p];
      s += std::sqrt(sq);
    }
  }
  const GradientDecoding& d = coded_float.last_decoding();
  const double bound = (d.residual + (7 * d.amplification + 2 * 37 + 4) * uf) * s / 37;
  double err = 0;
  for (std::size_t p = 0; p < full.size(); ++p) err += double(direction[p] - full[p]) * (direction[p] - full[p]);
  EXPECT_LE(std::sqrt(err), bound);
}

// save() then load() into a fresh estimator resumes bit for bit: the same responders, the same
// directions and the same simulated time.
TEST(GradientCoded, SaveAndLoadResumeBitForBit) {
  const SyntheticLeastSquares<double> f(problem());
  GradientCodedOptions o = coded(5, 2, "cyclic");
  o.batch_size = 8;
  o.drop_probability = 0.2;
  o.timeout = 20;
  GradientCoded<double> first(o, 21);
  first.bind(f);
  std::vector<double> x(f.dimension(), 0.1), direction(f.dimension());
  for (int i = 0; i < 3; ++i) first.estimate(f, x, direction);
  BinaryWriter out;
  first.save(out);
  std::vector<std::vector<double>> expected;
  for (int i = 0; i < 3; ++i) {
    first.estimate(f, x, direction);
    expected.push_back(direction);
  }
  GradientCoded<double> resumed(o, 21);
  resumed.bind(f);
  BinaryReader in(out.bytes(), "state");
  resumed.load(in);
  EXPECT_EQ(resumed.steps(), 3);
  for (int i = 0; i < 3; ++i) {
    resumed.estimate(f, x, direction);
    EXPECT_EQ(
        std::memcmp(direction.data(), expected[static_cast<std::size_t>(i)].data(), direction.size() * sizeof(double)),
        0);
  }
  EXPECT_EQ(resumed.simulated_time(), first.simulated_time());
  EXPECT_EQ(resumed.attempts(), first.attempts());

  // Another seed draws another cyclic code: the state does not fit it.
  GradientCoded<double> other(o, 22);
  other.bind(f);
  BinaryReader again(out.bytes(), "state");
  EXPECT_NE(error_of([&] { other.load(again); }).find("another encoding matrix"), std::string::npos);
  GradientCoded<double> fewer(coded(4, 1, "cyclic"), 21);
  BinaryReader third(out.bytes(), "state");
  EXPECT_NE(error_of([&] { fewer.load(third); }).find("saved with workers = 5, this estimator has 4"),
            std::string::npos);
}

// (e) Bad input.
TEST(GradientCoded, BadInputIsRefusedWithItsField) {
  EXPECT_EQ(error_of([] { parse_estimator("gradient_coded(workers=6,stragglers=6)"); }),
            "GradientCodedOptions::stragglers = 6 violates stragglers < workers = 6");
  EXPECT_NO_THROW(parse_estimator("gradient_coded(workers=6,stragglers=2,code=fractional)"));
  EXPECT_EQ(error_of([] { parse_estimator("gradient_coded(workers=6,stragglers=3,code=fractional)"); }),
            "GradientCodedOptions::workers = 6 violates workers divisible by stragglers + 1 = 4 (code=fractional)");
  EXPECT_EQ(error_of([] { parse_estimator("gradient_coded(workers=0)"); }),
            "GradientCodedOptions::workers = 0 violates 1 <= workers <= 1024");
  EXPECT_EQ(error_of([] { parse_estimator("gradient_coded(drop_probability=0.1)"); }),
            "GradientCodedOptions::timeout = 0 violates timeout > 0 when drop_probability > 0 (a dropped worker "
            "would be waited for forever)");
  EXPECT_THROW(parse_estimator("gradient_coded(workers=4, stragglers=4)"), ConfigError);

  GradientCoded<double> e(coded(3, 1, "cyclic"));
  const testing::DiagonalQuadratic<double> not_a_sum(3, 2);
  EXPECT_NE(error_of([&] { e.bind(not_a_sum); }).find("needs a finite-sum objective"), std::string::npos);
  std::vector<double> x(5), direction(5);
  const SyntheticLeastSquares<double> f(problem());
  EXPECT_NE(error_of([&] { e.estimate(f, x, direction); }).find("before bind()"), std::string::npos);
  e.bind(f);
  std::vector<double> short_x(4);
  EXPECT_THROW(e.estimate(f, short_x, direction), MismatchError);
}

}  // namespace
}  // namespace descent
