// Test problems from outside More, Garbow & Hillstrom's set: the chained Rosenbrock function
// (the library's Rosenbrock<T>, which at n = 2 is MGH 1), and two scalable classics of the
// global-optimization surveys, Dixon-Price and Zakharov, written as sums of squares. Neither
// has a standard starting point in the literature; descent uses (1, ..., 1) for both.
#include <cmath>
#include <vector>

#include "descent/objective/rosenbrock.hpp"
#include "test_problem_support.hpp"

namespace descent::detail {

namespace {

template <class T>
using Scalable = CatalogProblem<T, SumOfSquares>;

// r_0 = x_0 - 1,  r_i = sqrt(i+1) (2 x_i^2 - x_{i-1}) for 1 <= i < n (0-based; the usual
// 1-based form is f = (x_1 - 1)^2 + sum_{i >= 2} i (2 x_i^2 - x_{i-1})^2).
template <class T>
class DixonPrice final : public Scalable<T> {
 public:
  explicit DixonPrice(std::size_t n) : Scalable<T>("dixon_price", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    r[0] = x[0] - T{1};
    for (std::size_t i = 1; i < x.size(); ++i) r[i] = root(i) * (T{2} * x[i] * x[i] - x[i - 1]);
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    out[0] = v[0];
    for (std::size_t i = 1; i < x.size(); ++i) out[i] = root(i) * (T{4} * x[i] * v[i] - v[i - 1]);
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const std::size_t n = x.size();
    for (std::size_t j = 0; j < n; ++j) {
      const T own = j == 0 ? w[0] : T{4} * root(j) * x[j] * w[j];
      out[j] = own - (j + 1 < n ? root(j + 1) * w[j + 1] : T{0});
    }
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    out[0] = T{0};
    for (std::size_t j = 1; j < x.size(); ++j)
      out[j] = T{4} * root(j) * w[j] * v[j];  // Hess r_j = 4 sqrt(j+1) e_j e_j^T
  }

 private:
  static T root(std::size_t i) { return std::sqrt(static_cast<T>(i + 1)); }
};

// r_i = x_i (i < n), r_n = s, r_{n+1} = s^2 with s = sum_j (j+1) x_j / 2, so that
// f = sum x_i^2 + s^2 + s^4, Zakharov's function.
template <class T>
class Zakharov final : public Scalable<T> {
 public:
  explicit Zakharov(std::size_t n) : Scalable<T>("zakharov", n, n + 2) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) r[i] = x[i];
    const T s = weighted_sum(x);
    r[n] = s;
    r[n + 1] = s * s;
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) out[i] = v[i];
    const T p = weighted_sum(v);
    out[n] = p;
    out[n + 1] = T{2} * weighted_sum(x) * p;
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const std::size_t n = x.size();
    const T tail = w[n] + T{2} * weighted_sum(x) * w[n + 1];
    for (std::size_t j = 0; j < n; ++j) out[j] = w[j] + weight(j) * tail;
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    // Hess r_{n+1} = 2 c c^T with c_j = (j+1)/2.
    const std::size_t n = x.size();
    const T scale = T{2} * w[n + 1] * weighted_sum(v);
    for (std::size_t j = 0; j < n; ++j) out[j] = scale * weight(j);
  }

 private:
  static T weight(std::size_t j) { return static_cast<T>(j + 1) / T{2}; }
  static T weighted_sum(std::span<const T> z) {
    double s = 0;
    for (std::size_t j = 0; j < z.size(); ++j) s += static_cast<double>(weight(j)) * static_cast<double>(z[j]);
    return static_cast<T>(s);
  }
};

}  // namespace

void add_classic_problems(std::vector<TestProblem>& catalog) {
  {
    TestProblem p;
    p.name = "rosenbrock";
    p.title = "Chained Rosenbrock";
    p.reference =
        "Rosenbrock, An automatic method for finding the greatest or least value of a function, Comput. J. 3 (1960); "
        "n = 2 is MGH 1; the chained form as scipy.optimize.rosen";
    p.dimensions = {.minimum = 2};
    p.default_dimension = 10;
    p.start = [](std::size_t n) {
      std::vector<double> x(n);
      for (std::size_t j = 0; j < n; ++j) x[j] = j % 2 == 0 ? -1.2 : 1.0;
      return x;
    };
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      return exact_minimum(0, std::vector<double>(n, 1));
    };
    p.note =
        "sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 (Rosenbrock<T>, not a SumOfSquares object). For 4 <= n <= 7 "
        "it has a second local minimum near (-1, 1, ..., 1) (Kok & Sandrock 2009); quasi-Newton methods reach "
        "(1, ..., 1) from the standard start.";
    p.make_float = [entry = p](std::size_t n) -> std::unique_ptr<Differentiable<float>> {
      require_dimension(entry, n);
      return std::make_unique<Rosenbrock<float>>(n);
    };
    p.make_double = [entry = p](std::size_t n) -> std::unique_ptr<Differentiable<double>> {
      require_dimension(entry, n);
      return std::make_unique<Rosenbrock<double>>(n);
    };
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p;
    p.name = "dixon_price";
    p.title = "Dixon-Price";
    p.reference =
        "Dixon & Price, Truncated Newton method for sparse unconstrained optimization using automatic "
        "differentiation, JOTA 60 (1989); as surveyed by Jamil & Yang, Int. J. Math. Model. Numer. Optim. 4 (2013)";
    p.dimensions = {.minimum = 1};
    p.default_dimension = 10;
    p.start = [](std::size_t n) { return std::vector<double>(n, 1); };
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      // x_j = 2^-(1 - 2^-j) solves x_0 = 1, 2 x_j^2 = x_{j-1} with every x_j > 0.
      std::vector<double> x(n);
      for (std::size_t j = 0; j < n; ++j) x[j] = std::exp2(-(1 - std::ldexp(1.0, -static_cast<int>(j))));
      return exact_minimum(0, std::move(x));
    };
    p.note =
        "2^(n-1) global minimizers (each x_j for j >= 1 may change sign); the one recorded, with all x_j > 0, is "
        "the one reached from (1, ..., 1).";
    set_factories<DixonPrice>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p;
    p.name = "zakharov";
    p.title = "Zakharov";
    p.reference =
        "Jamil & Yang, A literature survey of benchmark functions for global optimization problems, Int. "
        "J. Math. Model. Numer. Optim. 4 (2013)";
    p.dimensions = {.minimum = 1};
    p.default_dimension = 10;
    p.start = [](std::size_t n) { return std::vector<double>(n, 1); };
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      return exact_minimum(0, std::vector<double>(n, 0));
    };
    p.note = "f = |x|^2 + s^2 + s^4 with s = sum_j (j+1) x_j / 2: convex, with a quartic term along one direction.";
    set_factories<Zakharov>(p);
    catalog.push_back(std::move(p));
  }
}

}  // namespace descent::detail
