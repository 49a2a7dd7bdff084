// The fixed-size problems of More, Garbow & Hillstrom (1981), each a sum of squares
// written one residual at a time with its gradient and Hessian (ResidualwiseSumOfSquares).
// Residuals are numbered from 0 here, from 1 in the paper: residual i here is their f_{i+1}.
// The formulas and data are the paper's; the minima computed here (not in closed form) come
// from tests/objective/test_problem_minima.py (Newton's method in 60-digit arithmetic), and
// agree with every digit the paper publishes (tested).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "test_problem_support.hpp"

namespace descent::detail {

namespace {

// Writes a residual's derivatives when asked for them: `gradient` and `hessian` are either
// empty or full size (n and n x n).
template <class T>
class Derivatives {
 public:
  Derivatives(std::size_t n, std::span<T> gradient, std::span<T> hessian)
      : n_(n), gradient_(gradient), hessian_(hessian) {
    std::fill(gradient_.begin(), gradient_.end(), T{0});
    std::fill(hessian_.begin(), hessian_.end(), T{0});
  }
  bool gradient() const { return !gradient_.empty(); }
  bool hessian() const { return !hessian_.empty(); }
  void g(std::size_t j, T value) { gradient_[j] = value; }
  // Sets H_jk and H_kj.
  void h(std::size_t j, std::size_t k, T value) {
    hessian_[j * n_ + k] = value;
    hessian_[k * n_ + j] = value;
  }

 private:
  std::size_t n_;
  std::span<T> gradient_;
  std::span<T> hessian_;
};

template <class T>
using Fixed = CatalogProblem<T, ResidualwiseSumOfSquares>;

// MGH 2. r0 = -13 + x0 + ((5 - x1) x1 - 2) x1,  r1 = -29 + x0 + ((x1 + 1) x1 - 14) x1.
template <class T>
class FreudensteinRoth final : public Fixed<T> {
 public:
  explicit FreudensteinRoth(std::size_t) : Fixed<T>("freudenstein_roth", 2, 2) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(2, gradient, hessian);
    const T y = x[1];
    if (i == 0) {
      if (d.gradient()) {
        d.g(0, T{1});
        d.g(1, (T{10} - T{3} * y) * y - T{2});
      }
      if (d.hessian()) d.h(1, 1, T{10} - T{6} * y);
      return T{-13} + x[0] + ((T{5} - y) * y - T{2}) * y;
    }
    if (d.gradient()) {
      d.g(0, T{1});
      d.g(1, (T{3} * y + T{2}) * y - T{14});
    }
    if (d.hessian()) d.h(1, 1, T{6} * y + T{2});
    return T{-29} + x[0] + ((y + T{1}) * y - T{14}) * y;
  }
};

// MGH 3. r0 = 10^4 x0 x1 - 1,  r1 = exp(-x0) + exp(-x1) - 1.0001.
template <class T>
class PowellBadlyScaled final : public Fixed<T> {
 public:
  explicit PowellBadlyScaled(std::size_t) : Fixed<T>("powell_badly_scaled", 2, 2) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(2, gradient, hessian);
    if (i == 0) {
      if (d.gradient()) {
        d.g(0, T{1e4} * x[1]);
        d.g(1, T{1e4} * x[0]);
      }
      if (d.hessian()) d.h(0, 1, T{1e4});
      return T{1e4} * x[0] * x[1] - T{1};
    }
    const T e0 = std::exp(-x[0]);
    const T e1 = std::exp(-x[1]);
    if (d.gradient()) {
      d.g(0, -e0);
      d.g(1, -e1);
    }
    if (d.hessian()) {
      d.h(0, 0, e0);
      d.h(1, 1, e1);
    }
    return e0 + e1 - T{1.0001};
  }
};

// MGH 4. r0 = x0 - 10^6,  r1 = x1 - 2 10^-6,  r2 = x0 x1 - 2.
template <class T>
class BrownBadlyScaled final : public Fixed<T> {
 public:
  explicit BrownBadlyScaled(std::size_t) : Fixed<T>("brown_badly_scaled", 2, 3) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(2, gradient, hessian);
    if (i < 2) {
      if (d.gradient()) d.g(i, T{1});
      return i == 0 ? x[0] - T{1e6} : x[1] - T{2e-6};
    }
    if (d.gradient()) {
      d.g(0, x[1]);
      d.g(1, x[0]);
    }
    if (d.hessian()) d.h(0, 1, T{1});
    return x[0] * x[1] - T{2};
  }
};

// MGH 5. r_i = y_i - x0 (1 - x1^k), k = i + 1, y = (1.5, 2.25, 2.625).
template <class T>
class Beale final : public Fixed<T> {
 public:
  explicit Beale(std::size_t) : Fixed<T>("beale", 2, 3) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    static constexpr double kY[] = {1.5, 2.25, 2.625};
    Derivatives<T> d(2, gradient, hessian);
    const int k = static_cast<int>(i) + 1;
    // Integer powers by repeated products: exact for the dyadic x1 of the minimizer (0.5).
    const T power_k_minus_2 = k >= 2 ? power(x[1], k - 2) : T{0};
    const T power_k_minus_1 = power(x[1], k - 1);
    const T power_k = power_k_minus_1 * x[1];
    if (d.gradient()) {
      d.g(0, power_k - T{1});
      d.g(1, x[0] * static_cast<T>(k) * power_k_minus_1);
    }
    if (d.hessian()) {
      d.h(0, 1, static_cast<T>(k) * power_k_minus_1);
      d.h(1, 1, x[0] * static_cast<T>(k * (k - 1)) * power_k_minus_2);
    }
    return static_cast<T>(kY[i]) - x[0] * (T{1} - power_k);
  }

 private:
  static T power(T base, int exponent) {
    T p{1};
    for (int e = 0; e < exponent; ++e) p *= base;
    return p;
  }
};

// MGH 6 with m = 10. r_i = 2 + 2k - exp(k x0) - exp(k x1), k = i + 1.
template <class T>
class JennrichSampson final : public Fixed<T> {
 public:
  explicit JennrichSampson(std::size_t) : Fixed<T>("jennrich_sampson", 2, 10) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(2, gradient, hessian);
    const T k = static_cast<T>(i + 1);
    const T e0 = std::exp(k * x[0]);
    const T e1 = std::exp(k * x[1]);
    if (d.gradient()) {
      d.g(0, -k * e0);
      d.g(1, -k * e1);
    }
    if (d.hessian()) {
      d.h(0, 0, -k * k * e0);
      d.h(1, 1, -k * k * e1);
    }
    return T{2} + T{2} * k - e0 - e1;
  }
};

// MGH 7. r0 = 10 (x2 - 10 theta(x0, x1)),  r1 = 10 (sqrt(x0^2 + x1^2) - 1),  r2 = x2,
// with 2 pi theta the polar angle of (x0, x1) in [-pi/2, 3pi/2): MGH's arctan(x1/x0), plus
// pi when x0 < 0. It jumps by 1 across the ray x0 = 0, x1 < 0 (and is undefined at the
// origin); everywhere else its derivatives are those of the angle:
//   d theta = (-x1, x0) / (2 pi rho^2),  rho^2 = x0^2 + x1^2.
template <class T>
class HelicalValley final : public Fixed<T> {
 public:
  explicit HelicalValley(std::size_t) : Fixed<T>("helical_valley", 3, 3) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(3, gradient, hessian);
    const T two_pi = T{2} * std::numbers::pi_v<T>;
    const T rho2 = x[0] * x[0] + x[1] * x[1];
    if (i == 0) {
      T theta = std::atan2(x[1], x[0]) / two_pi;
      if (theta < T{-0.25}) theta += T{1};
      if (d.gradient()) {
        d.g(0, T{100} * x[1] / (two_pi * rho2));
        d.g(1, T{-100} * x[0] / (two_pi * rho2));
        d.g(2, T{10});
      }
      if (d.hessian()) {
        // -100 times theta's Hessian: (2 x0 x1, x1^2 - x0^2; ., -2 x0 x1) / (2 pi rho^4).
        const T scale = T{-100} / (two_pi * rho2 * rho2);
        d.h(0, 0, scale * T{2} * x[0] * x[1]);
        d.h(0, 1, scale * (x[1] * x[1] - x[0] * x[0]));
        d.h(1, 1, scale * T{-2} * x[0] * x[1]);
      }
      return T{10} * (x[2] - T{10} * theta);
    }
    if (i == 1) {
      const T rho = std::sqrt(rho2);
      if (d.gradient()) {
        d.g(0, T{10} * x[0] / rho);
        d.g(1, T{10} * x[1] / rho);
      }
      if (d.hessian()) {
        // 10 (I / rho - x x^T / rho^3) on (x0, x1).
        const T scale = T{10} / (rho2 * rho);
        d.h(0, 0, scale * x[1] * x[1]);
        d.h(0, 1, -scale * x[0] * x[1]);
        d.h(1, 1, scale * x[0] * x[0]);
      }
      return T{10} * (rho - T{1});
    }
    if (d.gradient()) d.g(2, T{1});
    return x[2];
  }
};

// MGH 8. r_i = y_i - (x0 + u / (v x1 + w x2)), u = i + 1, v = 16 - u, w = min(u, v).
template <class T>
class Bard final : public Fixed<T> {
 public:
  explicit Bard(std::size_t) : Fixed<T>("bard", 3, 15) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    static constexpr double kY[] = {0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39,
                                    0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39};
    Derivatives<T> d(3, gradient, hessian);
    const T u = static_cast<T>(i + 1);
    const T v = static_cast<T>(15 - i);
    const T w = std::min(u, v);
    const T denominator = v * x[1] + w * x[2];
    const T d2 = denominator * denominator;
    if (d.gradient()) {
      d.g(0, T{-1});
      d.g(1, u * v / d2);
      d.g(2, u * w / d2);
    }
    if (d.hessian()) {
      const T scale = T{-2} * u / (d2 * denominator);
      d.h(1, 1, scale * v * v);
      d.h(1, 2, scale * v * w);
      d.h(2, 2, scale * w * w);
    }
    return static_cast<T>(kY[i]) - (x[0] + u / denominator);
  }
};

// MGH 9. r_i = x0 exp(-x1 (t_i - x2)^2 / 2) - y_i, t_i = (7 - i) / 2.
template <class T>
class Gaussian final : public Fixed<T> {
 public:
  explicit Gaussian(std::size_t) : Fixed<T>("gaussian", 3, 15) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    static constexpr double kY[] = {0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989,
                                    0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009};
    Derivatives<T> d(3, gradient, hessian);
    const T s = (T{7} - static_cast<T>(i)) / T{2} - x[2];
    const T s2 = s * s;
    const T e = std::exp(-x[1] * s2 / T{2});
    if (d.gradient()) {
      d.g(0, e);
      d.g(1, -x[0] * s2 * e / T{2});
      d.g(2, x[0] * x[1] * s * e);
    }
    if (d.hessian()) {
      d.h(0, 1, -s2 * e / T{2});
      d.h(0, 2, x[1] * s * e);
      d.h(1, 1, x[0] * s2 * s2 * e / T{4});
      d.h(1, 2, x[0] * s * e * (T{1} - x[1] * s2 / T{2}));
      d.h(2, 2, x[0] * x[1] * e * (x[1] * s2 - T{1}));
    }
    return x[0] * e - static_cast<T>(kY[i]);
  }
};

// MGH 12 with m = 10. r_i = exp(-t x0) - exp(-t x1) - x2 (exp(-t) - exp(-10 t)), t = (i + 1) / 10.
template <class T>
class BoxThreeDimensional final : public Fixed<T> {
 public:
  explicit BoxThreeDimensional(std::size_t) : Fixed<T>("box_3d", 3, 10) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(3, gradient, hessian);
    const T t = static_cast<T>(i + 1) / T{10};
    const T e0 = std::exp(-t * x[0]);
    const T e1 = std::exp(-t * x[1]);
    const T c = std::exp(-t) - std::exp(-T{10} * t);
    if (d.gradient()) {
      d.g(0, -t * e0);
      d.g(1, t * e1);
      d.g(2, -c);
    }
    if (d.hessian()) {
      d.h(0, 0, t * t * e0);
      d.h(1, 1, -t * t * e1);
    }
    return e0 - e1 - x[2] * c;
  }
};

// MGH 13. r0 = x0 + 10 x1,  r1 = sqrt5 (x2 - x3),  r2 = (x1 - 2 x2)^2,  r3 = sqrt10 (x0 - x3)^2.
template <class T>
class PowellSingular final : public Fixed<T> {
 public:
  explicit PowellSingular(std::size_t) : Fixed<T>("powell_singular", 4, 4) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(4, gradient, hessian);
    const T sqrt5 = std::sqrt(T{5});
    const T sqrt10 = std::sqrt(T{10});
    switch (i) {
      case 0:
        if (d.gradient()) {
          d.g(0, T{1});
          d.g(1, T{10});
        }
        return x[0] + T{10} * x[1];
      case 1:
        if (d.gradient()) {
          d.g(2, sqrt5);
          d.g(3, -sqrt5);
        }
        return sqrt5 * (x[2] - x[3]);
      case 2: {
        const T a = x[1] - T{2} * x[2];
        if (d.gradient()) {
          d.g(1, T{2} * a);
          d.g(2, T{-4} * a);
        }
        if (d.hessian()) {
          d.h(1, 1, T{2});
          d.h(1, 2, T{-4});
          d.h(2, 2, T{8});
        }
        return a * a;
      }
      default: {
        const T b = x[0] - x[3];
        if (d.gradient()) {
          d.g(0, T{2} * sqrt10 * b);
          d.g(3, T{-2} * sqrt10 * b);
        }
        if (d.hessian()) {
          d.h(0, 0, T{2} * sqrt10);
          d.h(0, 3, T{-2} * sqrt10);
          d.h(3, 3, T{2} * sqrt10);
        }
        return sqrt10 * b * b;
      }
    }
  }
};

// MGH 14. r0 = 10 (x1 - x0^2), r1 = 1 - x0, r2 = sqrt90 (x3 - x2^2), r3 = 1 - x2,
// r4 = sqrt10 (x1 + x3 - 2), r5 = (x1 - x3) / sqrt10.
template <class T>
class Wood final : public Fixed<T> {
 public:
  explicit Wood(std::size_t) : Fixed<T>("wood", 4, 6) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(4, gradient, hessian);
    const T sqrt10 = std::sqrt(T{10});
    const T sqrt90 = std::sqrt(T{90});
    switch (i) {
      case 0:
      case 2: {
        // scale (x_{j+1} - x_j^2), j = 0 or 2.
        const std::size_t j = i;
        const T scale = i == 0 ? T{10} : sqrt90;
        if (d.gradient()) {
          d.g(j, T{-2} * scale * x[j]);
          d.g(j + 1, scale);
        }
        if (d.hessian()) d.h(j, j, T{-2} * scale);
        return scale * (x[j + 1] - x[j] * x[j]);
      }
      case 1:
      case 3:
        if (d.gradient()) d.g(i - 1, T{-1});
        return T{1} - x[i - 1];
      case 4:
        if (d.gradient()) {
          d.g(1, sqrt10);
          d.g(3, sqrt10);
        }
        return sqrt10 * (x[1] + x[3] - T{2});
      default:
        if (d.gradient()) {
          d.g(1, T{1} / sqrt10);
          d.g(3, T{-1} / sqrt10);
        }
        return (x[1] - x[3]) / sqrt10;
    }
  }
};

// MGH 15. r_i = y_i - x0 (u^2 + u x1) / (u^2 + u x2 + x3).
template <class T>
class KowalikOsborne final : public Fixed<T> {
 public:
  explicit KowalikOsborne(std::size_t) : Fixed<T>("kowalik_osborne", 4, 11) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    static constexpr double kY[] = {0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627,
                                    0.0456, 0.0342, 0.0323, 0.0235, 0.0246};
    static constexpr double kU[] = {4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625};
    Derivatives<T> d(4, gradient, hessian);
    const T u = static_cast<T>(kU[i]);
    const T numerator = u * u + u * x[1];
    const T denominator = u * u + u * x[2] + x[3];
    const T d2 = denominator * denominator;
    if (d.gradient()) {
      d.g(0, -numerator / denominator);
      d.g(1, -x[0] * u / denominator);
      d.g(2, x[0] * numerator * u / d2);
      d.g(3, x[0] * numerator / d2);
    }
    if (d.hessian()) {
      const T d3 = d2 * denominator;
      d.h(0, 1, -u / denominator);
      d.h(0, 2, numerator * u / d2);
      d.h(0, 3, numerator / d2);
      d.h(1, 2, x[0] * u * u / d2);
      d.h(1, 3, x[0] * u / d2);
      d.h(2, 2, T{-2} * x[0] * numerator * u * u / d3);
      d.h(2, 3, T{-2} * x[0] * numerator * u / d3);
      d.h(3, 3, T{-2} * x[0] * numerator / d3);
    }
    return static_cast<T>(kY[i]) - x[0] * numerator / denominator;
  }
};

// MGH 16 with m = 20. r_i = a^2 + b^2, a = x0 + t x1 - exp(t), b = x2 + x3 sin t - cos t,
// t = (i + 1) / 5.
template <class T>
class BrownDennis final : public Fixed<T> {
 public:
  explicit BrownDennis(std::size_t) : Fixed<T>("brown_dennis", 4, 20) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(4, gradient, hessian);
    const T t = static_cast<T>(i + 1) / T{5};
    const T sin_t = std::sin(t);
    const T a = x[0] + t * x[1] - std::exp(t);
    const T b = x[2] + x[3] * sin_t - std::cos(t);
    if (d.gradient()) {
      d.g(0, T{2} * a);
      d.g(1, T{2} * a * t);
      d.g(2, T{2} * b);
      d.g(3, T{2} * b * sin_t);
    }
    if (d.hessian()) {
      // 2 (1, t)(1, t)^T on (x0, x1) and 2 (1, sin t)(1, sin t)^T on (x2, x3).
      d.h(0, 0, T{2});
      d.h(0, 1, T{2} * t);
      d.h(1, 1, T{2} * t * t);
      d.h(2, 2, T{2});
      d.h(2, 3, T{2} * sin_t);
      d.h(3, 3, T{2} * sin_t * sin_t);
    }
    return a * a + b * b;
  }
};

// MGH 18 with m = 13. r_i = x2 exp(-t x0) - x3 exp(-t x1) + x5 exp(-t x4) - y_i,
// t = (i + 1) / 10, y_i = exp(-t) - 5 exp(-10 t) + 3 exp(-4 t).
template <class T>
class BiggsExp6 final : public Fixed<T> {
 public:
  explicit BiggsExp6(std::size_t) : Fixed<T>("biggs_exp6", 6, 13) {}
  T residual(std::size_t i, std::span<const T> x, std::span<T> gradient, std::span<T> hessian) const override {
    Derivatives<T> d(6, gradient, hessian);
    const T t = static_cast<T>(i + 1) / T{10};
    // y in the same order of operations as the model at x* = (1, 10, 1, 5, 4, 3): r_i(x*) = 0.
    const T y = std::exp(-t) - T{5} * std::exp(-t * T{10}) + T{3} * std::exp(-t * T{4});
    const T e0 = std::exp(-t * x[0]);
    const T e1 = std::exp(-t * x[1]);
    const T e4 = std::exp(-t * x[4]);
    if (d.gradient()) {
      d.g(0, -t * x[2] * e0);
      d.g(1, t * x[3] * e1);
      d.g(2, e0);
      d.g(3, -e1);
      d.g(4, -t * x[5] * e4);
      d.g(5, e4);
    }
    if (d.hessian()) {
      d.h(0, 0, t * t * x[2] * e0);
      d.h(0, 2, -t * e0);
      d.h(1, 1, -t * t * x[3] * e1);
      d.h(1, 3, t * e1);
      d.h(4, 4, t * t * x[5] * e4);
      d.h(4, 5, -t * e4);
    }
    return x[2] * e0 - x[3] * e1 + x[5] * e4 - y;
  }
};

// An entry for a problem of fixed size n with start x0.
TestProblem fixed_entry(std::string name, std::string title, std::string reference, std::size_t n,
                        std::vector<double> x0) {
  TestProblem p;
  p.name = std::move(name);
  p.title = std::move(title);
  p.reference = std::move(reference);
  p.dimensions = DimensionRule{.fixed = n};
  p.default_dimension = n;
  p.start = [x0 = std::move(x0)](std::size_t) { return x0; };
  return p;
}

template <class F>
std::function<std::optional<TestProblemMinimum>(std::size_t)> always(F make) {
  return [make](std::size_t) -> std::optional<TestProblemMinimum> { return make(); };
}

}  // namespace

void add_mgh_fixed_size_problems(std::vector<TestProblem>& catalog) {
  {
    TestProblem p = fixed_entry("freudenstein_roth", "Freudenstein and Roth",
                                "MGH 2; Freudenstein & Roth, Numerical solution of systems of nonlinear equations, "
                                "J. ACM 10 (1963)",
                                2, {0.5, -2});
    p.global_minimum = always([] { return exact_minimum(0, {5, 4}); });
    p.stationary_point_from_start = always([] {
      return computed_minimum(48.984253679240021, {11.412778986902094, -0.8968052532744765}, "48.9842...");
    });
    p.note =
        "Two minima: the global one (f = 0 at (5, 4)) and a local one (f = 48.9842... at (11.41..., -0.8968...)), "
        "which descent methods reach from the standard start.";
    set_factories<FreudensteinRoth>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("powell_badly_scaled", "Powell badly scaled",
                                "MGH 3; Powell, A hybrid method for nonlinear equations (1970)", 2, {0, 1});
    p.global_minimum = always([] { return computed_minimum(0, {1.0981593296998175e-05, 9.106146739866524}, "0"); });
    p.note =
        "Zero residual at x* = (1.098...e-5, 9.106...), where the Hessian's eigenvalues span 18 orders of "
        "magnitude (2.4e-8 to 1.7e10). scipy 1.17's L-BFGS-B (ftol 1e-15, gtol 1e-10) stops at f = 1.7e-7.";
    set_factories<PowellBadlyScaled>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p =
        fixed_entry("brown_badly_scaled", "Brown badly scaled", "MGH 4; Brown (private communication)", 2, {1, 1});
    p.global_minimum = always([] { return exact_minimum(0, {1e6, 2e-6}); });
    p.note = "The minimizer's coordinates differ by 12 orders of magnitude; f(x0) is about 1e12.";
    set_factories<BrownBadlyScaled>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("beale", "Beale",
                                "MGH 5; Beale, On an iterative method for finding a local "
                                "minimum of a function of more than one variable (1958)",
                                2, {1, 1});
    p.global_minimum = always([] { return exact_minimum(0, {3, 0.5}); });
    set_factories<Beale>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("jennrich_sampson", "Jennrich and Sampson (m = 10)",
                                "MGH 6; Jennrich & Sampson, Application of stepwise regression to nonlinear "
                                "estimation, Technometrics 10 (1968)",
                                2, {0.3, 0.4});
    p.global_minimum = always([] {
      return computed_minimum(124.36218235561485, {0.2578252136703641, 0.2578252136703641}, "124.362");
    });
    p.note =
        "exp(10 x) terms: a long trial step from x0 overflows to inf and must be backtracked. scipy 1.17's "
        "L-BFGS-B stops there at f = 214.3 (not stationary); BFGS reaches f* = 124.362... at x0 = x1 = 0.2578...";
    set_factories<JennrichSampson>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("helical_valley", "Helical valley",
                                "MGH 7; Fletcher & Powell, A rapidly convergent descent method for minimization, "
                                "Comput. J. 6 (1963)",
                                3, {-1, 0, 0});
    p.global_minimum = always([] { return exact_minimum(0, {1, 0, 0}); });
    p.note = "theta jumps by 1 across the half-plane x0 = 0, x1 < 0 (0-based); f is smooth everywhere else.";
    set_factories<HelicalValley>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("bard", "Bard",
                                "MGH 8; Bard, Comparison of gradient methods for the solution of "
                                "nonlinear parameter estimation problems, SIAM J. Numer. Anal. 7 (1970)",
                                3, {1, 1, 1});
    p.global_minimum = always([] {
      return computed_minimum(0.008214877306578975, {0.08241055974978893, 1.1330360920297216, 2.343695178642537},
                              "8.21487...e-3");
    });
    p.note = "A second, non-isolated minimum f = 17.4286... at (0.8406..., -inf, -inf) is not reached from x0.";
    set_factories<Bard>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("gaussian", "Gaussian", "MGH 9; More, Garbow & Hillstrom (1981)", 3, {0.4, 1, 0});
    // x2* = 0 exactly: the data are symmetric about t = 0, and so is the best Gaussian.
    p.global_minimum = always([] {
      return computed_minimum(1.127932769618648e-08, {0.39895613783875666, 1.0000190844878056, 0}, "1.12793...e-8");
    });
    set_factories<Gaussian>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("box_3d", "Box three-dimensional (m = 10)",
                                "MGH 12; Box, A comparison of several current optimization methods, Comput. J. 9 "
                                "(1966)",
                                3, {0, 10, 20});
    p.global_minimum = always([] { return exact_minimum(0, {1, 10, 1}); });
    p.note = "f = 0 also at (10, 1, -1) and on the line x0 = x1, x2 = 0; descent methods reach (1, 10, 1) from x0.";
    set_factories<BoxThreeDimensional>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("powell_singular", "Powell singular",
                                "MGH 13; Powell, An iterative method for finding stationary values of a function "
                                "of several variables, Comput. J. 5 (1962)",
                                4, {3, -1, 0, 1});
    p.global_minimum = always([] { return exact_minimum(0, {0, 0, 0, 0}); });
    p.note = "The Hessian at x* is singular (rank 2): convergence is linear, not superlinear, near x*.";
    set_factories<PowellSingular>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("wood", "Wood",
                                "MGH 14; Colville, A comparative study of nonlinear programming "
                                "codes, IBM report 320-2949 (1968)",
                                4, {-3, -1, -3, -1});
    p.global_minimum = always([] { return exact_minimum(0, {1, 1, 1, 1}); });
    set_factories<Wood>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("kowalik_osborne", "Kowalik and Osborne",
                                "MGH 15; Kowalik & Osborne, Methods for unconstrained optimization problems (1968)", 4,
                                {0.25, 0.39, 0.415, 0.39});
    p.global_minimum = always([] {
      return computed_minimum(0.00030750560384923745,
                              {0.19280693457903786, 0.19128232873436696, 0.12305650692632066, 0.13606233068379484},
                              "3.07505...e-4");
    });
    p.note = "A second minimum f = 1.02734...e-3 lies at infinity, (inf, -14.07..., -inf, -inf).";
    set_factories<KowalikOsborne>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("brown_dennis", "Brown and Dennis (m = 20)",
                                "MGH 16; Brown & Dennis, New computational algorithms for minimizing a sum of "
                                "squares of nonlinear functions, Yale report 71-6 (1971)",
                                4, {25, 5, -5, -1});
    p.global_minimum = always([] {
      return computed_minimum(85822.201626356345,
                              {-11.594439904762165, 13.203630051207204, -0.40343948817685954, 0.2367787744557363},
                              "85822.2...");
    });
    set_factories<BrownDennis>(p);
    catalog.push_back(std::move(p));
  }
  {
    TestProblem p = fixed_entry("biggs_exp6", "Biggs EXP6 (m = 13)",
                                "MGH 18; Biggs, Minimization algorithms making use of non-quadratic properties of "
                                "the objective function, J. Inst. Math. Appl. 8 (1971)",
                                6, {1, 2, 1, 1, 1, 1});
    p.global_minimum = always([] { return exact_minimum(0, {1, 10, 1, 5, 4, 3}); });
    // The start lies in the subspace x0 = x4, x2 = x5, where the model's first and third
    // terms coincide. Swapping them leaves f unchanged, so the gradient there lies in the
    // subspace too and exact-gradient methods never leave it: they converge to the best point
    // of the subspace, f = 5.65565...e-3 (the value MGH list besides 0), a saddle of the full
    // problem (Hessian eigenvalues -0.0098, 0, ..., 11.25; the zero one along x2 + x5 = const).
    p.stationary_point_from_start = always([] {
      return computed_saddle(0.005655649925499931,
                             {1.7114159947195875, 17.683198180949066, 1.1631436609190893, 5.186561551993452,
                              1.7114159947195875, 1.1631436609186958},
                             "5.65565...e-3");
    });
    p.note =
        "f = 0 also at (4, 10, 3, 5, 1, 1) (the two decaying terms swapped). From x0, exact-gradient methods stay on "
        "x0 = x4, x2 = x5 and converge to the saddle f = 5.65565...e-3 (scipy 1.17's L-BFGS-B and BFGS do); "
        "finite-difference gradients break the symmetry and reach f = 0.";
    set_factories<BiggsExp6>(p);
    catalog.push_back(std::move(p));
  }
}

}  // namespace descent::detail
