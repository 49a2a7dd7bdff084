// The problems of More, Garbow & Hillstrom (1981) whose dimension n is a parameter, each a
// sum of squares with its Jacobian products and residual curvature written directly, so that
// every product costs O(n) (O(n^2) for the Hessian-vector product of Brown almost-linear,
// whose last residual is a product of all coordinates). Indices are 0-based here and
// 1-based in the paper.
#include <algorithm>
#include <cmath>
#include <vector>

#include "test_problem_support.hpp"

namespace descent::detail {

namespace {

template <class T>
using Scalable = CatalogProblem<T, SumOfSquares>;

// MGH 21, for even n: for each pair j = 2k,
//   r_j = 10 (x_{j+1} - x_j^2),   r_{j+1} = 1 - x_j.
template <class T>
class ExtendedRosenbrock final : public Scalable<T> {
 public:
  explicit ExtendedRosenbrock(std::size_t n) : Scalable<T>("extended_rosenbrock", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    for (std::size_t j = 0; j < x.size(); j += 2) {
      r[j] = T{10} * (x[j + 1] - x[j] * x[j]);
      r[j + 1] = T{1} - x[j];
    }
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    for (std::size_t j = 0; j < x.size(); j += 2) {
      out[j] = T{10} * (v[j + 1] - T{2} * x[j] * v[j]);
      out[j + 1] = -v[j];
    }
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    for (std::size_t j = 0; j < x.size(); j += 2) {
      out[j] = T{-20} * x[j] * w[j] - w[j + 1];
      out[j + 1] = T{10} * w[j];
    }
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    for (std::size_t j = 0; j < x.size(); j += 2) {
      out[j] = T{-20} * w[j] * v[j];  // Hess r_j = -20 e_j e_j^T
      out[j + 1] = T{0};
    }
  }
};

// MGH 22, for n a multiple of 4: Powell's singular function on each block j = 4k,
//   r_j = x_j + 10 x_{j+1},          r_{j+1} = sqrt5 (x_{j+2} - x_{j+3}),
//   r_{j+2} = (x_{j+1} - 2 x_{j+2})^2,  r_{j+3} = sqrt10 (x_j - x_{j+3})^2.
template <class T>
class ExtendedPowellSingular final : public Scalable<T> {
 public:
  explicit ExtendedPowellSingular(std::size_t n) : Scalable<T>("extended_powell_singular", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    for (std::size_t j = 0; j < x.size(); j += 4) {
      const T a = x[j + 1] - T{2} * x[j + 2];
      const T b = x[j] - x[j + 3];
      r[j] = x[j] + T{10} * x[j + 1];
      r[j + 1] = sqrt5() * (x[j + 2] - x[j + 3]);
      r[j + 2] = a * a;
      r[j + 3] = sqrt10() * b * b;
    }
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    for (std::size_t j = 0; j < x.size(); j += 4) {
      const T a = x[j + 1] - T{2} * x[j + 2];
      const T b = x[j] - x[j + 3];
      out[j] = v[j] + T{10} * v[j + 1];
      out[j + 1] = sqrt5() * (v[j + 2] - v[j + 3]);
      out[j + 2] = T{2} * a * (v[j + 1] - T{2} * v[j + 2]);
      out[j + 3] = T{2} * sqrt10() * b * (v[j] - v[j + 3]);
    }
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    for (std::size_t j = 0; j < x.size(); j += 4) {
      const T a = x[j + 1] - T{2} * x[j + 2];
      const T b = x[j] - x[j + 3];
      const T c = T{2} * sqrt10() * b * w[j + 3];
      out[j] = w[j] + c;
      out[j + 1] = T{10} * w[j] + T{2} * a * w[j + 2];
      out[j + 2] = sqrt5() * w[j + 1] - T{4} * a * w[j + 2];
      out[j + 3] = -sqrt5() * w[j + 1] - c;
    }
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    for (std::size_t j = 0; j < x.size(); j += 4) {
      // Hess r_{j+2} = 2 p p^T with p = e_{j+1} - 2 e_{j+2}; Hess r_{j+3} = 2 sqrt10 q q^T, q = e_j - e_{j+3}.
      const T along_p = T{2} * w[j + 2] * (v[j + 1] - T{2} * v[j + 2]);
      const T along_q = T{2} * sqrt10() * w[j + 3] * (v[j] - v[j + 3]);
      out[j] = along_q;
      out[j + 1] = along_p;
      out[j + 2] = T{-2} * along_p;
      out[j + 3] = -along_q;
    }
  }

 private:
  static T sqrt5() { return std::sqrt(T{5}); }
  static T sqrt10() { return std::sqrt(T{10}); }
};

// MGH 23, m = n + 1: r_i = sqrt(a) (x_i - 1) for i < n, r_n = |x|^2 - 1/4, a = 1e-5.
template <class T>
class PenaltyOne final : public Scalable<T> {
 public:
  explicit PenaltyOne(std::size_t n) : Scalable<T>("penalty_1", n, n + 1) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) r[i] = root_a() * (x[i] - T{1});
    r[n] = static_cast<T>(squared_norm(x) - 0.25);
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    const std::size_t n = x.size();
    double dot = 0;
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = root_a() * v[i];
      dot += static_cast<double>(x[i]) * static_cast<double>(v[i]);
    }
    out[n] = static_cast<T>(2 * dot);
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const std::size_t n = x.size();
    for (std::size_t j = 0; j < n; ++j) out[j] = root_a() * w[j] + T{2} * x[j] * w[n];
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    const std::size_t n = x.size();
    for (std::size_t j = 0; j < n; ++j) out[j] = T{2} * w[n] * v[j];  // Hess r_n = 2 I
  }

 private:
  static T root_a() { return std::sqrt(T{1e-5}); }
  static double squared_norm(std::span<const T> x) {
    double s = 0;
    for (const T xi : x) s += static_cast<double>(xi) * static_cast<double>(xi);
    return s;
  }
};

// MGH 24, m = 2n, a = 1e-5, E_j = exp(x_j / 10):
//   r_0 = x_0 - 0.2,
//   r_i = sqrt(a) (E_i + E_{i-1} - y_i)      for 1 <= i < n,  y_i = exp((i+1)/10) + exp(i/10),
//   r_{n-1+i} = sqrt(a) (E_i - exp(-1/10))   for 1 <= i < n,
//   r_{2n-1} = sum_j (n - j) x_j^2 - 1.
template <class T>
class PenaltyTwo final : public Scalable<T> {
 public:
  explicit PenaltyTwo(std::size_t n) : Scalable<T>("penalty_2", n, 2 * n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    const std::size_t n = x.size();
    const std::vector<T> e = exponentials(x);
    r[0] = x[0] - T{0.2};
    double weighted = 0;
    for (std::size_t j = 0; j < n; ++j)
      weighted += static_cast<double>(n - j) * static_cast<double>(x[j]) * static_cast<double>(x[j]);
    for (std::size_t i = 1; i < n; ++i) {
      const T y = std::exp(static_cast<T>(i + 1) / T{10}) + std::exp(static_cast<T>(i) / T{10});
      r[i] = root_a() * (e[i] + e[i - 1] - y);
      r[n - 1 + i] = root_a() * (e[i] - std::exp(T{-0.1}));
    }
    r[2 * n - 1] = static_cast<T>(weighted - 1);
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    const std::size_t n = x.size();
    const std::vector<T> e = exponentials(x);
    const T c = root_a() / T{10};
    out[0] = v[0];
    double weighted = 0;
    for (std::size_t j = 0; j < n; ++j)
      weighted += 2.0 * static_cast<double>(n - j) * static_cast<double>(x[j]) * static_cast<double>(v[j]);
    for (std::size_t i = 1; i < n; ++i) {
      out[i] = c * (e[i] * v[i] + e[i - 1] * v[i - 1]);
      out[n - 1 + i] = c * e[i] * v[i];
    }
    out[2 * n - 1] = static_cast<T>(weighted);
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const std::size_t n = x.size();
    const std::vector<T> e = exponentials(x);
    const T c = root_a() / T{10};
    for (std::size_t j = 0; j < n; ++j) {
      T sum = T{2} * static_cast<T>(n - j) * x[j] * w[2 * n - 1];
      if (j == 0) sum += w[0];
      sum += c * e[j] * exponential_weight(j, n, w);
      out[j] = sum;
    }
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    const std::size_t n = x.size();
    const std::vector<T> e = exponentials(x);
    const T c = root_a() / T{100};  // d^2/dx^2 exp(x/10) = exp(x/10) / 100
    for (std::size_t j = 0; j < n; ++j)
      out[j] = (c * e[j] * exponential_weight(j, n, w) + T{2} * static_cast<T>(n - j) * w[2 * n - 1]) * v[j];
  }

 private:
  static T root_a() { return std::sqrt(T{1e-5}); }
  static std::vector<T> exponentials(std::span<const T> x) {
    std::vector<T> e(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) e[j] = std::exp(x[j] / T{10});
    return e;
  }
  // The sum of the weights of the residuals in which E_j appears: r_j and r_{j+1} (the
  // pair terms, those that exist) and r_{n-1+j}.
  static T exponential_weight(std::size_t j, std::size_t n, std::span<const T> w) {
    T s{0};
    if (j >= 1) s += w[j] + w[n - 1 + j];
    if (j + 1 < n) s += w[j + 1];
    return s;
  }
};

// MGH 25, m = n + 2: r_i = x_i - 1 (i < n), r_n = s, r_{n+1} = s^2, s = sum_j (j+1)(x_j - 1).
template <class T>
class VariablyDimensioned final : public Scalable<T> {
 public:
  explicit VariablyDimensioned(std::size_t n) : Scalable<T>("variably_dimensioned", n, n + 2) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) r[i] = x[i] - T{1};
    const T s = weighted_sum(x, T{1});
    r[n] = s;
    r[n + 1] = s * s;
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) out[i] = v[i];
    const T p = weighted_sum(v, T{0});
    out[n] = p;
    out[n + 1] = T{2} * weighted_sum(x, T{1}) * p;
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const std::size_t n = x.size();
    const T tail = w[n] + T{2} * weighted_sum(x, T{1}) * w[n + 1];
    for (std::size_t j = 0; j < n; ++j) out[j] = w[j] + static_cast<T>(j + 1) * tail;
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    // Hess r_{n+1} = 2 c c^T with c_j = j + 1.
    const std::size_t n = x.size();
    const T scale = T{2} * w[n + 1] * weighted_sum(v, T{0});
    for (std::size_t j = 0; j < n; ++j) out[j] = scale * static_cast<T>(j + 1);
  }

 private:
  // sum_j (j+1)(z_j - shift), in double.
  static T weighted_sum(std::span<const T> z, T shift) {
    double s = 0;
    for (std::size_t j = 0; j < z.size(); ++j) s += static_cast<double>(j + 1) * static_cast<double>(z[j] - shift);
    return static_cast<T>(s);
  }
};

// MGH 26, m = n: r_i = n - sum_j cos x_j + (i+1)(1 - cos x_i) - sin x_i.
//   dr_i/dx_j = sin x_j + [i = j] ((i+1) sin x_i - cos x_i),
//   Hess r_i = diag(cos x_j) + [(i+1) cos x_i + sin x_i] e_i e_i^T.
template <class T>
class Trigonometric final : public Scalable<T> {
 public:
  explicit Trigonometric(std::size_t n) : Scalable<T>("trigonometric", n, n) {}
  // n - sum_j cos x_j = sum_j (1 - cos x_j), and 1 - cos a = 2 sin^2(a/2): evaluated so, no
  // term cancels (near the minima x_j ~ 0.05, n - sum cos x_j would lose ~3 digits to it).
  void residuals(std::span<const T> x, std::span<T> r) const override {
    const std::size_t n = x.size();
    double shared = 0;
    for (const T xj : x) shared += static_cast<double>(one_minus_cos(xj));
    for (std::size_t i = 0; i < n; ++i)
      r[i] = static_cast<T>(shared) + static_cast<T>(i + 1) * one_minus_cos(x[i]) - std::sin(x[i]);
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    double shared = 0;
    for (std::size_t j = 0; j < x.size(); ++j) shared += static_cast<double>(std::sin(x[j]) * v[j]);
    for (std::size_t i = 0; i < x.size(); ++i)
      out[i] = static_cast<T>(shared) + (static_cast<T>(i + 1) * std::sin(x[i]) - std::cos(x[i])) * v[i];
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const T total = sum(w);
    for (std::size_t j = 0; j < x.size(); ++j)
      out[j] = std::sin(x[j]) * total + (static_cast<T>(j + 1) * std::sin(x[j]) - std::cos(x[j])) * w[j];
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    const T total = sum(w);
    for (std::size_t j = 0; j < x.size(); ++j)
      out[j] = (std::cos(x[j]) * total + (static_cast<T>(j + 1) * std::cos(x[j]) + std::sin(x[j])) * w[j]) * v[j];
  }

 private:
  static T one_minus_cos(T a) {
    const T half = std::sin(a / T{2});
    return T{2} * half * half;
  }
  static T sum(std::span<const T> w) {
    double s = 0;
    for (const T wi : w) s += static_cast<double>(wi);
    return static_cast<T>(s);
  }
};

// MGH 27, m = n: r_i = x_i + sum_j x_j - (n + 1) for i < n - 1, r_{n-1} = prod_j x_j - 1.
// The products leave one or two coordinates out; they are formed from prefix and suffix
// products, without division, so that zeros among the x_j are handled exactly.
template <class T>
class BrownAlmostLinear final : public Scalable<T> {
 public:
  explicit BrownAlmostLinear(std::size_t n) : Scalable<T>("brown_almost_linear", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    const std::size_t n = x.size();
    const T shared = sum(x) - static_cast<T>(n + 1);
    for (std::size_t i = 0; i + 1 < n; ++i) r[i] = x[i] + shared;
    T product{1};
    for (const T xj : x) product *= xj;
    r[n - 1] = product - T{1};
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    const std::size_t n = x.size();
    const T total = sum(v);
    for (std::size_t i = 0; i + 1 < n; ++i) out[i] = v[i] + total;
    const std::vector<T> others = products_without_one(x);
    double s = 0;
    for (std::size_t j = 0; j < n; ++j) s += static_cast<double>(others[j]) * static_cast<double>(v[j]);
    out[n - 1] = static_cast<T>(s);
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const std::size_t n = x.size();
    const T linear = sum(w.first(n - 1));
    const std::vector<T> others = products_without_one(x);
    for (std::size_t j = 0; j < n; ++j) out[j] = (j + 1 < n ? w[j] : T{0}) + linear + w[n - 1] * others[j];
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    // Only r_{n-1} is curved: (Hess v)_j = sum_{k != j} v_k prod_{l != j, k} x_l, which is
    // the derivative along v of prod_{l != j} x_l, carried through the product as a dual
    // number: (p, dp) <- (p x_l, dp x_l + p v_l). O(n) per j.
    const std::size_t n = x.size();
    for (std::size_t j = 0; j < n; ++j) {
      T p{1}, dp{0};
      for (std::size_t l = 0; l < n; ++l) {
        if (l == j) continue;
        dp = dp * x[l] + p * v[l];
        p *= x[l];
      }
      out[j] = w[n - 1] * dp;
    }
  }

 private:
  static T sum(std::span<const T> z) {
    double s = 0;
    for (const T zi : z) s += static_cast<double>(zi);
    return static_cast<T>(s);
  }
  // prod_{l != j} x_l for every j.
  static std::vector<T> products_without_one(std::span<const T> x) {
    const std::size_t n = x.size();
    std::vector<T> before(n + 1, T{1}), after(n + 1, T{1});
    for (std::size_t j = 0; j < n; ++j) before[j + 1] = before[j] * x[j];
    for (std::size_t j = n; j-- > 0;) after[j] = after[j + 1] * x[j];
    std::vector<T> others(n);
    for (std::size_t j = 0; j < n; ++j) others[j] = before[j] * after[j + 1];
    return others;
  }
};

// h = 1/(n+1), t_i = (i+1) h: the grid of the two discretized boundary value problems.
template <class T>
T grid_point(std::size_t i, std::size_t n) {
  return static_cast<T>(i + 1) / static_cast<T>(n + 1);
}

// MGH 28, m = n: r_i = 2 x_i - x_{i-1} - x_{i+1} + h^2 (x_i + t_i + 1)^3 / 2, x_{-1} = x_n = 0.
template <class T>
class DiscreteBoundaryValue final : public Scalable<T> {
 public:
  explicit DiscreteBoundaryValue(std::size_t n) : Scalable<T>("discrete_boundary_value", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    const std::size_t n = x.size();
    const T h = T{1} / static_cast<T>(n + 1);
    for (std::size_t i = 0; i < n; ++i) {
      const T u = x[i] + grid_point<T>(i, n) + T{1};
      r[i] = T{2} * x[i] - neighbours(x, i) + h * h * u * u * u / T{2};
    }
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    const std::size_t n = x.size();
    const T h = T{1} / static_cast<T>(n + 1);
    for (std::size_t i = 0; i < n; ++i) {
      const T u = x[i] + grid_point<T>(i, n) + T{1};
      out[i] = (T{2} + T{1.5} * h * h * u * u) * v[i] - neighbours(v, i);
    }
  }
  // J is symmetric (tridiagonal with a symmetric off-diagonal), so J^T w = J w.
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    jacobian_times(x, w, out);
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    const std::size_t n = x.size();
    const T h = T{1} / static_cast<T>(n + 1);
    for (std::size_t j = 0; j < n; ++j) {
      const T u = x[j] + grid_point<T>(j, n) + T{1};
      out[j] = T{3} * h * h * u * w[j] * v[j];  // Hess r_j = 3 h^2 u_j e_j e_j^T
    }
  }

 private:
  static T neighbours(std::span<const T> z, std::size_t i) {
    return (i > 0 ? z[i - 1] : T{0}) + (i + 1 < z.size() ? z[i + 1] : T{0});
  }
};

// MGH 29, m = n, u_j = x_j + t_j + 1:
//   r_i = x_i + h/2 [(1 - t_i) sum_{j <= i} t_j u_j^3 + t_i sum_{j > i} (1 - t_j) u_j^3]
//       = x_i + h/2 sum_j K_ij u_j^3,   K_ij = (1 - t_i) t_j (j <= i),  t_i (1 - t_j) (j > i),
// the discretized Green's function of the boundary value problem of MGH 28. Every product
// goes through prefix sums: O(n).
template <class T>
class DiscreteIntegralEquation final : public Scalable<T> {
 public:
  explicit DiscreteIntegralEquation(std::size_t n) : Scalable<T>("discrete_integral_equation", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    std::vector<T> cubes(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) {
      const T u = shifted(x, j);
      cubes[j] = u * u * u;
    }
    kernel_times(cubes, r);
    for (std::size_t i = 0; i < x.size(); ++i) r[i] += x[i];
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    // J = I + h/2 K diag(3 u_j^2).
    std::vector<T> scaled(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) {
      const T u = shifted(x, j);
      scaled[j] = T{3} * u * u * v[j];
    }
    kernel_times(scaled, out);
    for (std::size_t i = 0; i < x.size(); ++i) out[i] += v[i];
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    // J^T = I + h/2 diag(3 u_j^2) K^T, and K is symmetric (K_ij = K_ji by its formula).
    kernel_times(w, out);
    for (std::size_t j = 0; j < x.size(); ++j) {
      const T u = shifted(x, j);
      out[j] = w[j] + T{3} * u * u * out[j];
    }
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    // Hess r_i = h/2 diag(K_ij 6 u_j), so sum_i w_i Hess r_i v = h/2 diag(6 u_j) (K w) v.
    kernel_times(w, out);
    for (std::size_t j = 0; j < x.size(); ++j) out[j] *= T{6} * shifted(x, j) * v[j];
  }

 private:
  static T shifted(std::span<const T> x, std::size_t j) { return x[j] + grid_point<T>(j, x.size()) + T{1}; }
  // out = h/2 K z, with K_ij = (1 - t_i) t_j for j <= i and t_i (1 - t_j) for j > i.
  static void kernel_times(std::span<const T> z, std::span<T> out) {
    const std::size_t n = z.size();
    const T h = T{1} / static_cast<T>(n + 1);
    // below[i] = sum_{j <= i} t_j z_j, above[i] = sum_{j > i} (1 - t_j) z_j, in double.
    std::vector<double> below(n), above(n);
    double s = 0;
    for (std::size_t j = 0; j < n; ++j) below[j] = s += static_cast<double>(grid_point<T>(j, n) * z[j]);
    s = 0;
    for (std::size_t j = n; j-- > 0;) {
      above[j] = s;
      s += static_cast<double>((T{1} - grid_point<T>(j, n)) * z[j]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(grid_point<T>(i, n));
      out[i] = static_cast<T>(static_cast<double>(h) / 2 * ((1 - t) * below[i] + t * above[i]));
    }
  }
};

// MGH 30, m = n: r_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1, x_{-1} = x_n = 0.
template <class T>
class BroydenTridiagonal final : public Scalable<T> {
 public:
  explicit BroydenTridiagonal(std::size_t n) : Scalable<T>("broyden_tridiagonal", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    for (std::size_t i = 0; i < x.size(); ++i)
      r[i] = (T{3} - T{2} * x[i]) * x[i] - at(x, i, -1) - T{2} * at(x, i, 1) + T{1};
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    for (std::size_t i = 0; i < x.size(); ++i) out[i] = (T{3} - T{4} * x[i]) * v[i] - at(v, i, -1) - T{2} * at(v, i, 1);
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    // x_j enters r_{j+1} with -1 and r_{j-1} with -2.
    for (std::size_t j = 0; j < x.size(); ++j) out[j] = (T{3} - T{4} * x[j]) * w[j] - at(w, j, 1) - T{2} * at(w, j, -1);
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    for (std::size_t j = 0; j < x.size(); ++j) out[j] = T{-4} * w[j] * v[j];
  }

 private:
  // z_{i + offset}, 0 outside 0..n-1.
  static T at(std::span<const T> z, std::size_t i, int offset) {
    if (offset < 0) return i > 0 ? z[i - 1] : T{0};
    return i + 1 < z.size() ? z[i + 1] : T{0};
  }
};

// MGH 31, m = n: r_i = x_i (2 + 5 x_i^2) + 1 - sum_{j in J_i} x_j (1 + x_j),
// J_i = {j != i : i - 5 <= j <= i + 1} (within 0..n-1).
template <class T>
class BroydenBanded final : public Scalable<T> {
 public:
  explicit BroydenBanded(std::size_t n) : Scalable<T>("broyden_banded", n, n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    for (std::size_t i = 0; i < x.size(); ++i) {
      T band{0};
      for_band(i, x.size(), [&](std::size_t j) { band += x[j] * (T{1} + x[j]); });
      r[i] = x[i] * (T{2} + T{5} * x[i] * x[i]) + T{1} - band;
    }
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    for (std::size_t i = 0; i < x.size(); ++i) {
      T band{0};
      for_band(i, x.size(), [&](std::size_t j) { band += (T{1} + T{2} * x[j]) * v[j]; });
      out[i] = (T{2} + T{15} * x[i] * x[i]) * v[i] - band;
    }
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    for (std::size_t j = 0; j < x.size(); ++j)
      out[j] = (T{2} + T{15} * x[j] * x[j]) * w[j] - (T{1} + T{2} * x[j]) * band_weight(j, w);
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T> w, std::span<const T> v,
                                std::span<T> out) const override {
    // Hess r_i = 30 x_i e_i e_i^T - 2 sum_{j in J_i} e_j e_j^T.
    for (std::size_t j = 0; j < x.size(); ++j) out[j] = (T{30} * x[j] * w[j] - T{2} * band_weight(j, w)) * v[j];
  }

 private:
  template <class F>
  static void for_band(std::size_t i, std::size_t n, F f) {
    const std::size_t first = i >= 5 ? i - 5 : 0;
    const std::size_t last = std::min(n - 1, i + 1);
    for (std::size_t j = first; j <= last; ++j)
      if (j != i) f(j);
  }
  // sum of w_i over the residuals i whose band J_i holds j: i != j, j - 1 <= i <= j + 5.
  static T band_weight(std::size_t j, std::span<const T> w) {
    T s{0};
    const std::size_t first = j >= 1 ? j - 1 : 0;
    const std::size_t last = std::min(w.size() - 1, j + 5);
    for (std::size_t i = first; i <= last; ++i)
      if (i != j) s += w[i];
    return s;
  }
};

// MGH 32 with m = 2n: r_i = x_i - 2 s / m - 1 for i < n, r_i = -2 s / m - 1 for n <= i < m,
// s = sum_j x_j. Linear: no curvature.
template <class T>
class LinearFullRank final : public Scalable<T> {
 public:
  explicit LinearFullRank(std::size_t n) : Scalable<T>("linear_full_rank", n, 2 * n) {}
  void residuals(std::span<const T> x, std::span<T> r) const override {
    const std::size_t n = x.size();
    // 2 s / m = s / n: exact at x* = -1 (s = -n).
    const T mean = sum(x) / static_cast<T>(n);
    for (std::size_t i = 0; i < 2 * n; ++i) r[i] = (i < n ? x[i] : T{0}) - mean - T{1};
  }
  void jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const override {
    const std::size_t n = x.size();
    const T mean = sum(v) / static_cast<T>(n);
    for (std::size_t i = 0; i < 2 * n; ++i) out[i] = (i < n ? v[i] : T{0}) - mean;
  }
  void jacobian_transpose_times(std::span<const T> x, std::span<const T> w, std::span<T> out) const override {
    const std::size_t n = x.size();
    const T mean = sum(w) / static_cast<T>(n);
    for (std::size_t j = 0; j < n; ++j) out[j] = w[j] - mean;
  }
  void residual_curvature_times(std::span<const T> x, std::span<const T>, std::span<const T>,
                                std::span<T> out) const override {
    std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(x.size()), T{0});
  }

 private:
  static T sum(std::span<const T> z) {
    double s = 0;
    for (const T zi : z) s += static_cast<double>(zi);
    return static_cast<T>(s);
  }
};

TestProblem scalable_entry(std::string name, std::string title, std::string reference, DimensionRule rule,
                           std::size_t default_dimension, std::function<std::vector<double>(std::size_t)> start) {
  TestProblem p;
  p.name = std::move(name);
  p.title = std::move(title);
  p.reference = std::move(reference);
  p.dimensions = rule;
  p.default_dimension = default_dimension;
  p.start = std::move(start);
  return p;
}

std::vector<double> constant(std::size_t n, double value) { return std::vector<double>(n, value); }

// (t_j (t_j - 1)), t_j = (j+1)/(n+1): the start of MGH 28 and 29.
std::vector<double> parabola(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double t = grid_point<double>(j, n);
    x[j] = t * (t - 1);
  }
  return x;
}

std::optional<TestProblemMinimum> zero_minimum(std::size_t) { return exact_minimum(0); }

}  // namespace

void add_mgh_scalable_problems(std::vector<TestProblem>& catalog) {
  {
    TestProblem p = scalable_entry("extended_rosenbrock", "Extended Rosenbrock",
                                   "MGH 21; Spedicato, Computational experience with quasi-Newton algorithms for "
                                   "minimization problems of moderately large size (1975)",
                                   {.minimum = 2, .multiple_of = 2}, 10, [](std::size_t n) {
                                     std::vector<double> x(n);
                                     for (std::size_t j = 0; j < n; ++j) x[j] = j % 2 == 0 ? -1.2 : 1.0;
                                     return x;
                                   });
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      return exact_minimum(0, constant(n, 1));
    };
    p.note = "n/2 uncoupled copies of the 2-d Rosenbrock function (the chained form is 'rosenbrock').";
    set_factories<ExtendedRosenbrock>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("extended_powell_singular", "Extended Powell singular", "MGH 22; Spedicato (1975)",
                                   {.minimum = 4, .multiple_of = 4}, 12, [](std::size_t n) {
                                     static constexpr double kBlock[] = {3, -1, 0, 1};
                                     std::vector<double> x(n);
                                     for (std::size_t j = 0; j < n; ++j) x[j] = kBlock[j % 4];
                                     return x;
                                   });
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      return exact_minimum(0, constant(n, 0));
    };
    p.note = "Singular Hessian at x* (rank n/2): linear convergence near x*.";
    set_factories<ExtendedPowellSingular>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("penalty_1", "Penalty I",
                                   "MGH 23; Gill, Murray & Pitfield, The implementation "
                                   "of two revised quasi-Newton algorithms for unconstrained "
                                   "optimization, NPL report NAC 11 (1972)",
                                   {.minimum = 1}, 10, [](std::size_t n) {
                                     std::vector<double> x(n);
                                     for (std::size_t j = 0; j < n; ++j) x[j] = static_cast<double>(j + 1);
                                     return x;
                                   });
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      if (n == 4) return computed_minimum(2.249977500899937e-05, constant(4, 0.2500074995875379), "2.24997...e-5");
      if (n == 10) return computed_minimum(7.087651467090369e-05, constant(10, 0.15812230111311634), "7.08765...e-5");
      return std::nullopt;
    };
    p.note = "f* known (recorded) for n = 4 and 10; the minimizer has all coordinates equal.";
    set_factories<PenaltyOne>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("penalty_2", "Penalty II", "MGH 24; Gill, Murray & Pitfield (1972)", {.minimum = 1},
                                   10, [](std::size_t n) { return constant(n, 0.5); });
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      if (n == 4)
        return computed_minimum(9.376293007355442e-06,
                                {0.1999993333503804, 0.19131670099277245, 0.48010148533262315, 0.5188454043902005},
                                "9.37629...e-6");
      if (n == 10)
        return computed_minimum(
            0.00029366053745674594,
            {0.1999836051978236, 0.010350648471292297, 0.019604934480438402, 0.03208906722068565, 0.049932677399641294,
             0.07651399515399361, 0.11862407286950417, 0.19214487233557667, 0.34732058694184365, 0.3691643741593508},
            "2.93660...e-4");
      return std::nullopt;
    };
    p.note =
        "f* known (recorded) for n = 4 and 10; the Hessian at x* has condition number ~6e6 (n = 4), ~2e6 (n = 10).";
    set_factories<PenaltyTwo>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("variably_dimensioned", "Variably dimensioned",
                                   "MGH 25; More, Garbow & "
                                   "Hillstrom (1981)",
                                   {.minimum = 1}, 10, [](std::size_t n) {
                                     std::vector<double> x(n);
                                     for (std::size_t j = 0; j < n; ++j)
                                       x[j] = 1 - static_cast<double>(j + 1) / static_cast<double>(n);
                                     return x;
                                   });
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      return exact_minimum(0, constant(n, 1));
    };
    set_factories<VariablyDimensioned>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("trigonometric", "Trigonometric", "MGH 26; Spedicato (1975)", {.minimum = 1}, 10,
                                   [](std::size_t n) { return constant(n, 1.0 / static_cast<double>(n)); });
    p.global_minimum = zero_minimum;
    p.stationary_point_from_start = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      if (n != 10) return std::nullopt;
      return computed_minimum(
          2.7950561218794563e-05,
          {0.05515090398069129, 0.05684061679473856, 0.058764001762695084, 0.06099060865676081, 0.06362621369585451,
           0.06684317945275879, 0.20816151856988116, 0.16436309588564774, 0.08500689568850744, 0.09143145071470794},
          "");
    };
    p.note =
        "MGH give f* = 0 without a minimizer; at n = 10 descent methods reach the local minimum f = 2.79506...e-5 "
        "from x0 (recorded), as is widely reported.";
    set_factories<Trigonometric>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("brown_almost_linear", "Brown almost-linear",
                                   "MGH 27; Brown, A quadratically convergent Newton-like method based upon Gaussian "
                                   "elimination, SIAM J. Numer. Anal. 6 (1969)",
                                   {.minimum = 1}, 10, [](std::size_t n) { return constant(n, 0.5); });
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      return exact_minimum(0, constant(n, 1));
    };
    p.note =
        "f = 0 also at (a, ..., a, a^(1-n)) with n a^n - (n+1) a^(n-1) + 1 = 0, and f = 1 at (0, ..., 0, n+1); "
        "quasi-Newton methods reach f = 0 from x0, Levenberg-Marquardt can stop at f = 1.";
    set_factories<BrownAlmostLinear>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("discrete_boundary_value", "Discrete boundary value",
                                   "MGH 28; More & Cosnard, Numerical solution of nonlinear equations, ACM TOMS 5 "
                                   "(1979)",
                                   {.minimum = 1}, 10, parabola);
    p.global_minimum = zero_minimum;
    p.note = "Zero residual; the minimizer (no closed form) is the discretized solution of u'' = (u + t + 1)^3 / 2.";
    set_factories<DiscreteBoundaryValue>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("discrete_integral_equation", "Discrete integral equation",
                                   "MGH 29; More & Cosnard (1979)", {.minimum = 1}, 10, parabola);
    p.global_minimum = zero_minimum;
    p.note = "Zero residual at the same minimizer as discrete_boundary_value (the integral form of that equation).";
    set_factories<DiscreteIntegralEquation>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("broyden_tridiagonal", "Broyden tridiagonal",
                                   "MGH 30; Broyden, A class of methods for solving nonlinear simultaneous "
                                   "equations, Math. Comp. 19 (1965)",
                                   {.minimum = 1}, 10, [](std::size_t n) { return constant(n, -1); });
    p.global_minimum = zero_minimum;
    set_factories<BroydenTridiagonal>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("broyden_banded", "Broyden banded",
                                   "MGH 31; Broyden, The convergence of an algorithm for solving sparse nonlinear "
                                   "systems, Math. Comp. 25 (1971)",
                                   {.minimum = 1}, 10, [](std::size_t n) { return constant(n, -1); });
    p.global_minimum = zero_minimum;
    set_factories<BroydenBanded>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = scalable_entry("linear_full_rank", "Linear function, full rank (m = 2n)",
                                   "MGH 32; More, Garbow & Hillstrom (1981)", {.minimum = 1}, 10,
                                   [](std::size_t n) { return constant(n, 1); });
    p.global_minimum = [](std::size_t n) -> std::optional<TestProblemMinimum> {
      return exact_minimum(static_cast<double>(n), constant(n, -1));
    };
    p.note = "A convex quadratic, f* = m - n = n at x = -1; with m = 2n, J^T J = I, so the Hessian is 2 I.";
    set_factories<LinearFullRank>(p);
    catalog.push_back(std::move(p));
  }
}

}  // namespace descent::detail
