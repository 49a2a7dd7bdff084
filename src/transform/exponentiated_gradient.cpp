#include "descent/transform/exponentiated_gradient.hpp"

#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<ExponentiatedGradientOptions>>& ExponentiatedGradientOptions::fields() {
  static const std::vector<Field<ExponentiatedGradientOptions>> f = {
      {"lr", &ExponentiatedGradientOptions::lr, Range::positive(), "p <- p * exp(-lr_t * g) (/ Z on the simplex)"},
      {"simplex", &ExponentiatedGradientOptions::simplex, Range::any(),
       "divide by Z = sum_j p_j exp(-lr_t g_j): the iterates stay on the probability simplex"}};
  return f;
}

namespace {

// p <- p * exp(-lr g): one elementwise pass.
class ExponentiatedGradientOrthant final : public TransformBase<ExponentiatedGradientOrthant> {
 public:
  explicit ExponentiatedGradientOrthant(ExponentiatedGradientOptions o) : o_(std::move(o)) {}
  std::string spec() const override { return to_spec("exponentiated_gradient", o_); }

  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}
  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    s.step[0] = o_.lr->value(s.count - 1);
  }
  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    const T rate = static_cast<T>(s.step[0]);
    const T* p = t.p;
#pragma omp simd
    for (std::size_t i = 0; i < t.n; ++i) io.store(i, p[i] * std::expm1(-rate * io.load(i)));
  }

 private:
  ExponentiatedGradientOptions o_;
};

// p <- p * exp(-lr g) / Z: the reduction sums Z and counts weights outside the domain.
class ExponentiatedGradientSimplex final : public TransformBase<ExponentiatedGradientSimplex, TransformKind::reducing> {
 public:
  explicit ExponentiatedGradientSimplex(ExponentiatedGradientOptions o) : o_(std::move(o)) {}
  std::string spec() const override { return to_spec("exponentiated_gradient", o_); }
  std::size_t reduction_size() const override { return 2; }

  template <class T>
  void make(TransformState<T>&, const ParameterLayout&) const {}

  template <class T>
  void reduce(const TransformState<T>& s, const Tile<T>& t, double* acc) const {
    // reduce runs before begin_step: s.count is the number of steps already taken.
    const double rate = o_.lr->value(s.count);
    const bool first = s.count == 0;
    double z = 0, outside = 0;
    for (std::size_t i = 0; i < t.n; ++i) {
      const double p = static_cast<double>(t.p[i]);
      z += p * std::exp(-rate * static_cast<double>(t.d[i]));
      outside += (first ? !(p > 0) : !(p >= 0)) ? 1.0 : 0.0;
    }
    acc[0] += z;
    acc[1] += outside;
  }

  template <class T>
  void prepare(TransformState<T>& s, const double* reduction) const {
    if (reduction == nullptr)
      throw MismatchError("exponentiated_gradient(simplex=true): begin_step needs Z (run it through apply)");
    if (reduction[1] > 0) {
      const std::string count = format_number(reduction[1]);
      throw MismatchError(s.count == 1 ? "exponentiated_gradient(simplex=true): " + count +
                                             " parameters are <= 0 or NaN at the first step; exponentiated gradient "
                                             "needs positive weights (start e.g. from the uniform 1/n)"
                                       : "exponentiated_gradient(simplex=true): " + count +
                                             " parameters became negative or NaN; the multiplicative update keeps "
                                             "them >= 0, so another transform or the caller changed them");
    }
    const double z = reduction[0];
    const double rate = o_.lr->value(s.count - 1);
    if (!(z > 0) || !std::isfinite(z))
      throw ConfigError("ExponentiatedGradientOptions::lr = " + format_number(rate) +
                        " makes Z = sum_j p_j exp(-lr g_j) = " + format_number(z) +
                        " leave double's range; lower lr (or clip the gradient)");
    s.step[0] = rate;
    s.step[1] = std::log(z);
  }

  template <class T, class Io>
  void tile(TransformState<T>& s, const Tile<T>& t, Io io) const {
    // The exponent -lr g - log Z, the log of the weight's factor, in double: its two terms
    // nearly cancel for a weight that changes little, and T = float would lose the factor's
    // accuracy there. expm1 keeps factor - 1 exact to rounding for small exponents.
    const double rate = s.step[0], log_z = s.step[1];
    const T* p = t.p;
    for (std::size_t i = 0; i < t.n; ++i) {
      const double exponent = -rate * static_cast<double>(io.load(i)) - log_z;
      io.store(i, static_cast<T>(static_cast<double>(p[i]) * std::expm1(exponent)));
    }
  }

 private:
  ExponentiatedGradientOptions o_;
};

}  // namespace

TransformPtr exponentiated_gradient(ExponentiatedGradientOptions options) {
  validate(options);
  if (options.simplex) return std::make_shared<const ExponentiatedGradientSimplex>(std::move(options));
  return std::make_shared<const ExponentiatedGradientOrthant>(std::move(options));
}

}  // namespace descent
