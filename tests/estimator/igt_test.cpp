// Implicit gradient transport (Arnold et al. 2019). The update rule against the paper's
// formula, written out step by step; the property the method is built on: on quadratics
// whose samples share one Hessian, the transported average v_t equals the mean of every
// sampled gradient re-evaluated at the current iterate (so the bias of averaging stale
// gradients is gone); and a checkpoint resumes bit for bit.
#include "descent/estimator/igt.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/spec/estimator_spec.hpp"

namespace descent {
namespace {

// f_i(x) = 1/2 (x - c_i)^T H (x - c_i), H = diag(h): one Hessian for every sample.
class SharedHessianQuadratic final : public FiniteSum<double> {
 public:
  SharedHessianQuadratic(std::vector<double> h, std::vector<std::vector<double>> c)
      : h_(std::move(h)), c_(std::move(c)) {}
  std::string name() const override { return "shared_hessian_quadratic"; }
  std::size_t dimension() const override { return h_.size(); }
  std::size_t num_samples() const override { return c_.size(); }
  double value(std::span<const double> x) const override {
    std::vector<double> g(h_.size());
    return value_and_gradient(x, g);
  }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    std::vector<std::size_t> all(c_.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return batch_value_and_gradient(x, all, g);
  }
  double batch_value_and_gradient(std::span<const double> x, std::span<const std::size_t> batch,
                                  std::span<double> g) const override {
    points.emplace_back(x.begin(), x.end());
    batches.emplace_back(batch.begin(), batch.end());
    std::fill(g.begin(), g.end(), 0.0);
    double f = 0;
    for (std::size_t i : batch)
      for (std::size_t j = 0; j < h_.size(); ++j) {
        const double r = x[j] - c_[i][j];
        f += 0.5 * h_[j] * r * r;
        g[j] += h_[j] * r;
      }
    const double inv = batch.empty() ? 0.0 : 1.0 / double(batch.size());
    for (double& gj : g) gj *= inv;
    return f * inv;
  }
  double gradient_entry(std::size_t i, std::span<const double> x, std::size_t j) const {
    return h_[j] * (x[j] - c_[i][j]);
  }
  mutable std::vector<std::vector<double>> points;
  mutable std::vector<std::vector<std::size_t>> batches;

 private:
  std::vector<double> h_;
  std::vector<std::vector<double>> c_;
};

SharedHessianQuadratic make_problem() {
  std::vector<std::vector<double>> c;
  for (int i = 0; i < 9; ++i) c.push_back({std::sin(1.1 * i), std::cos(0.7 * i) * 2, 0.5 * i - 2});
  return SharedHessianQuadratic({1.0, 3.0, 10.0}, c);
}

// SGD on the IGT direction: x <- x - lr v.
void sgd_step(std::vector<double>& x, const std::vector<double>& v, double lr) {
  for (std::size_t j = 0; j < x.size(); ++j) x[j] -= lr * v[j];
}

TEST(Igt, FollowsThePapersUpdateStepByStep) {
  for (double gamma : {0.0, 0.6}) {
    SCOPED_TRACE(gamma);
    const SharedHessianQuadratic f = make_problem();
    Igt<double> igt({.gamma = gamma, .batch_size = 2}, 11);
    igt.bind(f);
    std::vector<double> x = {1.0, -1.0, 0.5}, previous = x, v(3, 0.0), d(3);
    for (std::int64_t t = 0; t < 6; ++t) {
      igt.estimate(f, x, d);
      const double g_t = gamma > 0 ? gamma : double(t) / double(t + 1);
      // The point the gradient was taken at: x_t + g/(1-g) (x_t - x_{t-1}) (x_0 itself at t = 0).
      const auto& point = f.points.back();
      std::vector<double> grad(3, 0.0);
      for (std::size_t j = 0; j < 3; ++j) {
        const double expected = t == 0 ? x[j] : x[j] + g_t / (1 - g_t) * (x[j] - previous[j]);
        EXPECT_NEAR(point[j], expected, 1e-15 * (1 + std::abs(expected))) << "t " << t << " j " << j;
        for (std::size_t i : f.batches.back())
          grad[j] += f.gradient_entry(i, point, j) / double(f.batches.back().size());
        v[j] = t == 0 ? grad[j] : g_t * v[j] + (1 - g_t) * grad[j];
        EXPECT_NEAR(d[j], v[j], 1e-14 * (1 + std::abs(v[j]))) << "t " << t << " j " << j;
      }
      previous = x;
      sgd_step(x, d, 0.05);
    }
  }
}

TEST(Igt, OnASharedHessianQuadraticTheAverageIsEveryGradientAtTheCurrentPoint) {
  // v_t = (1/(t+1)) sum_{s<=t} grad f_{i_s}(x_t) exactly (Arnold et al., Section 3): in exact
  // arithmetic by induction, since H (x_t + t (x_t - x_{t-1})) - t H (x_t - x_{t-1}) = H x_t.
  // Each step adds a few roundings relative to the gradients' size (~10 here); 1e-12 absolute
  // after 60 steps leaves a wide margin.
  const SharedHessianQuadratic f = make_problem();
  Igt<double> igt({.gamma = 0, .batch_size = 1}, 3);
  igt.bind(f);
  std::vector<double> x = {2.0, -1.0, 1.0}, d(3);
  std::vector<std::size_t> seen;
  for (int t = 0; t < 60; ++t) {
    igt.estimate(f, x, d);
    seen.push_back(f.batches.back().at(0));
    for (std::size_t j = 0; j < 3; ++j) {
      double mean = 0;
      for (std::size_t i : seen) mean += f.gradient_entry(i, x, j);
      mean /= double(seen.size());
      EXPECT_NEAR(d[j], mean, 1e-12) << "t " << t << " j " << j;
    }
    sgd_step(x, d, 0.02);
  }
}

TEST(Igt, ResumesBitForBitAndRefusesAForeignState) {
  const SharedHessianQuadratic f = make_problem();
  Igt<double> a({.gamma = 0, .batch_size = 2}, 5);
  a.bind(f);
  std::vector<double> x = {1.0, 2.0, 3.0}, d(3);
  for (int t = 0; t < 4; ++t) {
    a.estimate(f, x, d);
    sgd_step(x, d, 0.05);
  }
  BinaryWriter out;
  a.save(out);
  Igt<double> b({.gamma = 0, .batch_size = 2}, 5);
  b.bind(f);
  BinaryReader in(out.bytes(), "igt state");
  b.load(in);
  std::vector<double> da(3), db(3);
  for (int t = 0; t < 3; ++t) {
    a.estimate(f, x, da);
    b.estimate(f, x, db);
    EXPECT_EQ(da, db);
    sgd_step(x, da, 0.05);
  }
  Igt<double> other({.gamma = 0, .batch_size = 3}, 5);
  other.bind(f);
  BinaryReader again(out.bytes(), "igt state");
  EXPECT_THROW(other.load(again), FormatError);
}

TEST(Igt, SpecAndBadOptions) {
  EXPECT_EQ(parse_estimator("igt(gamma=0.5, batch_size=4)").canonical(), "igt(gamma=0.5, batch_size=4)");
  EXPECT_THROW(parse_estimator("igt(gamma=1)"), ConfigError);
}

}  // namespace
}  // namespace descent
