#include "descent/objective/bounded_test_problems.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/size_check.hpp"
#include "descent/objective/rosenbrock.hpp"
#include "ordered_dot.hpp"
#include "test_problem_support.hpp"

namespace descent {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// f(x) = 1/2 x^T A x - b^T x with A = tridiag(-1, 4, -1) (n = 8; eigenvalues 4 - 2 cos(k pi / 9)
// in [2.12, 5.88], so f is strongly convex) and b = A x* - g*, where x* and g* below were
// chosen first: g*_i = 0 where x*_i is inside its bounds, > 0 where x*_i is at its lower
// bound, < 0 at its upper bound. Then x* satisfies the first-order conditions by
// construction, and by strong convexity it is the unique minimizer on the box.
//   i      lower  upper   x*      g*     status
//   0      -1     1       1       -2     upper
//   1      -1     1       1/2     0      free
//   2      -inf   1       1       -1     upper
//   3      0      inf     0       3      lower
//   4      -1     1       -1/4    0      free
//   5      -2     2       -2      3/2    lower
//   6      -inf   inf     3/4     0      free (unbounded)
//   7      -1     1/2     1/2     -1/2   upper
// b = (11/2, 0, 9/2, -15/4, 1, -10, 9/2, 7/4) and f* = -161/8, all exact in binary.
constexpr std::size_t kQuadraticSize = 8;
constexpr double kQuadraticMinimizer[] = {1, 0.5, 1, 0, -0.25, -2, 0.75, 0.5};
constexpr double kQuadraticGradient[] = {-2, 0, -1, 3, 0, 1.5, 0, -0.5};

template <class T>
class BoxQuadratic final : public Differentiable<T> {
 public:
  BoxQuadratic() {
    std::vector<T> x(kQuadraticMinimizer, kQuadraticMinimizer + kQuadraticSize);
    b_.resize(kQuadraticSize);
    multiply(x, b_);
    for (std::size_t i = 0; i < kQuadraticSize; ++i) b_[i] -= static_cast<T>(kQuadraticGradient[i]);
  }
  std::string name() const override { return "box_quadratic"; }
  std::size_t dimension() const override { return kQuadraticSize; }
  T value(std::span<const T> x) const override {
    std::vector<T> g(kQuadraticSize);
    return value_and_gradient(x, g);
  }
  T value_and_gradient(std::span<const T> x, std::span<T> gradient) const override {
    detail::require_size(*this, "x", x.size(), kQuadraticSize);
    detail::require_size(*this, "gradient", gradient.size(), kQuadraticSize);
    // f = x . (A x / 2 - b) and grad f = A x - b.
    multiply(x, gradient);
    double value = 0;
    for (std::size_t i = 0; i < kQuadraticSize; ++i) {
      value += static_cast<double>(x[i]) * (static_cast<double>(gradient[i]) / 2 - static_cast<double>(b_[i]));
      gradient[i] -= b_[i];
    }
    return static_cast<T>(value);
  }
  bool has_hessian_vector() const override { return true; }
  void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    detail::require_size(*this, "x", x.size(), kQuadraticSize);
    detail::require_size(*this, "v", v.size(), kQuadraticSize);
    detail::require_size(*this, "out", out.size(), kQuadraticSize);
    multiply(v, out);
  }
  std::optional<T> smoothness() const override { return T{6}; }  // lambda_max(A) < 4 + 2

 private:
  // out = A z.
  static void multiply(std::span<const T> z, std::span<T> out) {
    for (std::size_t i = 0; i < z.size(); ++i)
      out[i] = T{4} * z[i] - (i > 0 ? z[i - 1] : T{0}) - (i + 1 < z.size() ? z[i + 1] : T{0});
  }
  std::vector<T> b_;
};

// The function of L-BFGS-B's example driver (Zhu, Byrd, Lu & Nocedal, ACM TOMS 23(4), 1997,
// driver1), a chained Rosenbrock variant, as a sum of squares:
//   f(x) = 4 [ (x_0 - 1)^2 / 4 + sum_{i >= 1} (x_i - x_{i-1}^2)^2 ]
//        = r_0^2 + sum_{i >= 1} r_i^2,   r_0 = x_0 - 1,   r_i = 2 (x_i - x_{i-1}^2).
template <class T>
class LbfgsbDriverFunction final : public detail::CatalogProblem<T, SumOfSquares> {
 public:
  explicit LbfgsbDriverFunction(std::size_t n) : detail::CatalogProblem<T, SumOfSquares>("lbfgsb_driver", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    r[0] = x[0] - T{1};
    for (std::size_t i = 1; i < x.size(); ++i) r[i] = T{2} * (x[i] - x[i - 1] * x[i - 1]);
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    out[0] = v[0];
    for (std::size_t i = 1; i < x.size(); ++i) out[i] = T{2} * (v[i] - T{2} * x[i - 1] * v[i - 1]);
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const std::size_t n = x.size();
    for (std::size_t j = 0; j < n; ++j)
      out[j] = (j == 0 ? w[0] : T{2} * w[j]) - (j + 1 < n ? T{4} * x[j] * w[j + 1] : T{0});
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    const std::size_t n = x.size();
    // Hess r_i = -4 e_{i-1} e_{i-1}^T for i >= 1.
    for (std::size_t j = 0; j < n; ++j) out[j] = j + 1 < n ? T{-4} * w[j + 1] * v[j] : T{0};
  }
};

// min |A x - b|^2 subject to x >= 0, with integer A (10 x 6) and b = A x* - r built from the
// solution: x* = (3/2, 0, 1/2, 2, 0, 1), a residual r = A x* - b = (1, 1, 1, -1, 0, -1, 0, 0,
// 0, -2) orthogonal to the columns of the free coordinates {0, 2, 3, 5}, and columns 1 and 4
// chosen with a_j . r > 0. Then grad f(x*) = 2 A^T r = (0, 12, 0, 0, 10, 0): zero on the free
// coordinates, positive on the two at their bound 0. A has full column rank (condition
// number 7.0), so f is strictly convex and x* is the unique solution; f* = |r|^2 = 9.
// scipy.optimize.nnls returns the same x* (recorded in tests/fixtures/scipy/).
constexpr std::size_t kNnlsRows = 10;
constexpr std::size_t kNnlsColumns = 6;
constexpr double kNnlsMatrix[kNnlsRows][kNnlsColumns] = {
    {-3, 3, -2, 0, -3, 0},  {1, 3, -1, -2, 0, 3},  {0, 3, 3, 1, 2, -1},    {2, 2, 0, -1, 0, 2},  {0, 3, -2, -2, -3, -3},
    {-2, 1, -2, -2, -2, 2}, {-2, 0, -3, 0, -3, 3}, {1, 0, -2, -1, -2, -1}, {-3, 0, -2, 0, 0, 1}, {-1, 0, 1, 1, -2, -1}};
constexpr double kNnlsTarget[kNnlsRows] = {-6.5, -1, 1.5, 4, -8, -5, -1.5, -2.5, -4.5, 2};

template <class T>
class NonnegativeLeastSquares final : public detail::CatalogProblem<T, SumOfSquares> {
 public:
  NonnegativeLeastSquares()
      : detail::CatalogProblem<T, SumOfSquares>("nonnegative_least_squares", kNnlsColumns, kNnlsRows) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    multiply(x, r);
    for (std::size_t i = 0; i < kNnlsRows; ++i) r[i] -= static_cast<T>(kNnlsTarget[i]);
  }
  void jacobian_times(std::span<const T>, std::span<const T> v, std::span<T> out) const override { multiply(v, out); }
  void jacobian_transpose_times(std::span<const T>, std::span<const T> w, std::span<T> out) const override {
    for (std::size_t j = 0; j < kNnlsColumns; ++j)
      out[j] = static_cast<T>(
          detail::ordered_sum(kNnlsRows, [&](std::size_t i) { return kNnlsMatrix[i][j] * static_cast<double>(w[i]); }));
  }
  void residual_curvature_times(std::span<const T>, std::span<const T>, std::span<const T>,
                                std::span<T> out) const override {
    std::fill(out.begin(), out.end(), T{0});  // linear residuals
  }

 private:
  static void multiply(std::span<const T> z, std::span<T> out) {
    for (std::size_t i = 0; i < kNnlsRows; ++i)
      out[i] = static_cast<T>(detail::ordered_sum(
          kNnlsColumns, [&](std::size_t j) { return kNnlsMatrix[i][j] * static_cast<double>(z[j]); }));
  }
};

template <template <class> class Problem, class... Args>
void set_bounded_factories(BoundedTestProblem& p, Args... args) {
  p.make_float = [=] { return std::unique_ptr<Differentiable<float>>(std::make_unique<Problem<float>>(args...)); };
  p.make_double = [=] { return std::unique_ptr<Differentiable<double>>(std::make_unique<Problem<double>>(args...)); };
}

std::vector<BoundedTestProblem> make_catalog() {
  std::vector<BoundedTestProblem> all;
  {
    BoundedTestProblem p;
    p.name = "box_quadratic";
    p.title = "Strongly convex quadratic on a box";
    p.reference = "Built here from its solution: x*, the active set and the multipliers chosen first, b = A x* - g*";
    p.dimension = kQuadraticSize;
    p.lower = {-1, -1, -kInf, 0, -1, -2, -kInf, -1};
    p.upper = {1, 1, 1, kInf, 1, 2, kInf, 0.5};
    p.start = std::vector<double>(kQuadraticSize, 0.0);
    p.minimizer.assign(kQuadraticMinimizer, kQuadraticMinimizer + kQuadraticSize);
    p.minimum = -161.0 / 8;
    p.note =
        "f = x^T A x / 2 - b^T x, A = tridiag(-1, 4, -1). Five bounds strictly active at x*: upper at 0, 2, 7 "
        "(g* = -2, -1, -1/2), lower at 3, 5 (g* = 3, 3/2); coordinates 1, 4, 6 free (6 unbounded on both sides).";
    set_bounded_factories<BoxQuadratic>(p);
    all.push_back(std::move(p));
  }
  {
    BoundedTestProblem p;
    p.name = "rosenbrock_box";
    p.title = "Rosenbrock on a box that excludes (1, 1)";
    p.reference =
        "Rosenbrock (1960), bounds chosen here. On x0 <= 1/2, f >= (1 - x0)^2 >= 1/4, with equality only at "
        "x0 = 1/2, x1 = x0^2: the unique minimizer";
    p.dimension = 2;
    p.lower = {-2, -1};
    p.upper = {0.5, 2};
    p.start = {-1.2, 1};
    p.minimizer = {0.5, 0.25};
    p.minimum = 0.25;
    p.note = "The upper bound of x0 is strictly active (g* = (-1, 0)); x1 is free.";
    p.make_float = [] { return std::unique_ptr<Differentiable<float>>(std::make_unique<Rosenbrock<float>>(2)); };
    p.make_double = [] { return std::unique_ptr<Differentiable<double>>(std::make_unique<Rosenbrock<double>>(2)); };
    all.push_back(std::move(p));
  }
  {
    constexpr std::size_t n = 25;
    BoundedTestProblem p;
    p.name = "lbfgsb_driver";
    p.title = "L-BFGS-B's example problem (n = 25)";
    p.reference =
        "Zhu, Byrd, Lu & Nocedal, Algorithm 778: L-BFGS-B, ACM TOMS 23(4) (1997), the example program driver1; "
        "f >= 0 = f(1, ..., 1), which is feasible";
    p.dimension = n;
    // Odd coordinates in the driver's 1-based numbering (even here) in [1, 100], the others in [-100, 100].
    for (std::size_t i = 0; i < n; ++i) {
      p.lower.push_back(i % 2 == 0 ? 1 : -100);
      p.upper.push_back(100);
    }
    p.start = std::vector<double>(n, 3);
    p.minimizer = std::vector<double>(n, 1);
    p.minimum = 0;
    p.note =
        "f = (x_0 - 1)^2 + 4 sum_{i >= 1} (x_i - x_{i-1}^2)^2. At x* = (1, ..., 1) the 13 even coordinates sit on "
        "their lower bound 1 with zero multiplier (weakly active: a degenerate solution).";
    set_bounded_factories<LbfgsbDriverFunction>(p, n);
    all.push_back(std::move(p));
  }
  {
    constexpr std::size_t n = 10;
    BoundedTestProblem p;
    p.name = "lbfgsb_driver_capped";
    p.title = "L-BFGS-B's example function with x_0 <= 1/2 (n = 10)";
    p.reference =
        "The function of driver1 (Zhu, Byrd, Lu & Nocedal 1997), bounds chosen here. On x_0 <= 1/2, "
        "f >= (x_0 - 1)^2 >= 1/4, with equality only at x_0 = 1/2, x_i = x_{i-1}^2: the unique minimizer";
    p.dimension = n;
    p.lower = std::vector<double>(n, -100);
    p.upper = std::vector<double>(n, 100);
    p.upper[0] = 0.5;
    p.start = std::vector<double>(n, -1);
    double xi = 0.5;
    for (std::size_t i = 0; i < n; ++i, xi *= xi) p.minimizer.push_back(xi);  // 2^-(2^i), exact down to 2^-512
    p.minimum = 0.25;
    p.note =
        "x* = (1/2, 1/4, 1/16, ..., 2^-512); the upper bound of x_0 is strictly active (g*_0 = -1), the rest free.";
    set_bounded_factories<LbfgsbDriverFunction>(p, n);
    all.push_back(std::move(p));
  }
  {
    BoundedTestProblem p;
    p.name = "nonnegative_least_squares";
    p.title = "Nonnegative least squares (10 x 6)";
    p.reference =
        "Built here from its solution (x*, the residual and the multipliers chosen first); "
        "scipy.optimize.nnls agrees";
    p.dimension = kNnlsColumns;
    p.lower = std::vector<double>(kNnlsColumns, 0);
    p.upper = std::vector<double>(kNnlsColumns, kInf);
    p.start = std::vector<double>(kNnlsColumns, 1);
    p.minimizer = {1.5, 0, 0.5, 2, 0, 1};
    p.minimum = 9;
    p.note = "f = |A x - b|^2, x >= 0. Coordinates 1 and 4 strictly active at 0 (g* = 12 and 10), the rest free.";
    set_bounded_factories<NonnegativeLeastSquares>(p);
    all.push_back(std::move(p));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return all;
}

}  // namespace

const std::vector<BoundedTestProblem>& bounded_test_problems() {
  static const std::vector<BoundedTestProblem> catalog = make_catalog();
  return catalog;
}

const BoundedTestProblem* find_bounded_test_problem(std::string_view name) {
  const auto& all = bounded_test_problems();
  const auto it = std::find_if(all.begin(), all.end(), [&](const BoundedTestProblem& p) { return p.name == name; });
  return it == all.end() ? nullptr : &*it;
}

template <class T>
T projected_gradient_norm(std::span<const T> x, std::span<const T> gradient, std::span<const double> lower,
                          std::span<const double> upper) {
  detail::require_size("projected_gradient_norm", "gradient", gradient.size(), x.size());
  detail::require_size("projected_gradient_norm", "lower", lower.size(), x.size());
  detail::require_size("projected_gradient_norm", "upper", upper.size(), x.size());
  T norm{0};
  for (std::size_t i = 0; i < x.size(); ++i) {
    // In double, so that infinite bounds and float x compare exactly.
    const double step = static_cast<double>(x[i]) - static_cast<double>(gradient[i]);
    const double projected = std::clamp(step, lower[i], upper[i]);
    const T distance = static_cast<T>(std::abs(projected - static_cast<double>(x[i])));
    if (std::isnan(distance)) return distance;  // a NaN gradient is not optimal
    norm = std::max(norm, distance);
  }
  return norm;
}

template float projected_gradient_norm<float>(std::span<const float>, std::span<const float>, std::span<const double>,
                                              std::span<const double>);
template double projected_gradient_norm<double>(std::span<const double>, std::span<const double>,
                                                std::span<const double>, std::span<const double>);

}  // namespace descent
