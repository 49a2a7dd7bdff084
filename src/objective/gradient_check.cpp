#include "descent/objective/gradient_check.hpp"

#include <algorithm>
#include <vector>

#include "descent/core/error.hpp"

namespace descent {

template <class T>
void GradientCheckOptions<T>::validate() const {
  const double s = static_cast<double>(step), r = static_cast<double>(rtol), a = static_cast<double>(atol);
  require(std::isfinite(s) && s > 0, kName, "step", s, "0 < step < inf");
  require(std::isfinite(r) && r >= 0, kName, "rtol", r, "0 <= rtol < inf");
  require(std::isfinite(a) && a >= 0, kName, "atol", a, "0 <= atol < inf");
}

std::string GradientCheckResult::describe() const {
  if (ok)
    return "derivative check passed: " + std::to_string(checked) + " coordinates, max |error| " +
           format_number(max_abs_error) + ", max relative error " + format_number(max_rel_error);
  return "coordinate " + std::to_string(worst_index) + ": analytic " + format_number(analytic) + ", numeric " +
         format_number(numeric) + ", |error| " + format_number(std::abs(analytic - numeric)) + " exceeds tolerance " +
         format_number(tolerance) + " (" + std::to_string(checked) + " coordinates compared)";
}

namespace {

// Folds compared coordinates into a result; the worst one is the one with the largest
// error / tolerance ratio, so that a failure reports a failing coordinate.
class ResultBuilder {
 public:
  void add(std::size_t index, double analytic, double numeric, double tolerance) {
    const double error = std::abs(analytic - numeric);
    const double magnitude = std::max(std::abs(analytic), std::abs(numeric));
    const double relative = magnitude > 0 ? error / magnitude : error;  // magnitude 0 means error 0 (or NaN)
    // NaN anywhere is a failure and stays visible in the maxima.
    if (std::isnan(error) || error > result_.max_abs_error) result_.max_abs_error = error;
    if (std::isnan(relative) || relative > result_.max_rel_error) result_.max_rel_error = relative;
    const bool within = error <= tolerance;  // false for NaN
    double ratio = error == 0 ? 0 : error / tolerance;
    if (std::isnan(ratio)) ratio = std::numeric_limits<double>::infinity();
    if (result_.checked == 0 || ratio > worst_ratio_) {
      worst_ratio_ = ratio;
      result_.worst_index = index;
      result_.analytic = analytic;
      result_.numeric = numeric;
      result_.tolerance = tolerance;
    }
    result_.ok = result_.ok && within;
    ++result_.checked;
  }
  GradientCheckResult result() const { return result_; }

 private:
  GradientCheckResult result_;
  double worst_ratio_ = 0;
};

// At most m indices evenly spaced over 0..d-1, both ends included.
std::vector<std::size_t> coordinates_to_check(std::size_t d, std::size_t m) {
  std::vector<std::size_t> indices;
  if (m == 0 || m >= d) {
    for (std::size_t i = 0; i < d; ++i) indices.push_back(i);
  } else if (m == 1) {
    indices.push_back(0);
  } else {
    for (std::size_t k = 0; k < m; ++k) indices.push_back(k * (d - 1) / (m - 1));
  }
  return indices;
}

double max_abs(std::span<const double> values) {
  double m = 0;
  for (double v : values) m = std::max(m, std::abs(v));
  return m;
}

template <class T>
double max_abs(std::span<const T> values) {
  double m = 0;
  for (T v : values) m = std::max(m, std::abs(static_cast<double>(v)));
  return m;
}

template <class T>
void require_dimension(const char* check, const Differentiable<T>& f, const char* what, std::size_t size) {
  if (size != f.dimension())
    throw MismatchError(std::string(check) + ": " + what + " has " + std::to_string(size) + " elements, objective '" +
                        f.name() + "' has dimension " + std::to_string(f.dimension()));
}

}  // namespace

template <class T>
GradientCheckResult check_gradient(const Differentiable<T>& f, std::type_identity_t<std::span<const T>> x,
                                   const GradientCheckOptions<T>& options) {
  options.validate();
  require_dimension("check_gradient", f, "x", x.size());
  const std::size_t d = x.size();
  const double eps = std::numeric_limits<T>::epsilon();

  std::vector<T> analytic(d);
  const double value = static_cast<double>(f.value_and_gradient(x, analytic));
  // Sensitivity of f to relative perturbations of its inputs, sum_j |g_j| max(1, |x_j|):
  // an evaluation in floating point is at best exact for inputs perturbed this much.
  // A non-finite component is left out: it fails at its own coordinate instead of making
  // every tolerance NaN.
  double sensitivity = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const double term = std::abs(static_cast<double>(analytic[j])) * std::max(1.0, std::abs(static_cast<double>(x[j])));
    if (std::isfinite(term)) sensitivity += term;
  }

  std::vector<T> probe(x.begin(), x.end());
  ResultBuilder builder;
  for (std::size_t i : coordinates_to_check(d, options.max_coordinates)) {
    const T xi = x[i];
    const double h = static_cast<double>(options.step) * std::max(1.0, std::abs(static_cast<double>(xi)));
    double magnitude = std::abs(value);
    // Central difference over the points actually representable in T: dividing by their
    // exact distance removes the error of rounding x_i +- h.
    auto central = [&](double offset, double* width_out) {
      const T plus = static_cast<T>(static_cast<double>(xi) + offset);
      const T minus = static_cast<T>(static_cast<double>(xi) - offset);
      const double width = static_cast<double>(plus) - static_cast<double>(minus);
      require(width > 0, GradientCheckOptions<T>::kName, "step", static_cast<double>(options.step),
              "x_i +- step * max(1, |x_i|) distinct from x_i in the objective's precision (coordinate " +
                  std::to_string(i) + ")");
      probe[i] = plus;
      const double f_plus = static_cast<double>(f.value(probe));
      probe[i] = minus;
      const double f_minus = static_cast<double>(f.value(probe));
      probe[i] = xi;
      magnitude = std::max({magnitude, std::abs(f_plus), std::abs(f_minus)});
      if (width_out != nullptr) *width_out = width;
      return (f_plus - f_minus) / width;
    };
    double width = 0;
    const double numeric = central(h, &width);
    const double numeric_double_step = central(2 * h, nullptr);
    const double truncation = std::abs(numeric_double_step - numeric) / 3;
    const double rounding = 8 * eps * (magnitude + sensitivity) / width;
    const double a = static_cast<double>(analytic[i]);
    const double tolerance = static_cast<double>(options.atol) +
                             static_cast<double>(options.rtol) * std::max(std::abs(a), std::abs(numeric)) +
                             2 * (truncation + rounding);
    builder.add(i, a, numeric, tolerance);
  }
  return builder.result();
}

template <class T>
GradientCheckResult check_hessian_vector(const Differentiable<T>& f, std::type_identity_t<std::span<const T>> x,
                                         std::type_identity_t<std::span<const T>> v,
                                         const GradientCheckOptions<T>& options) {
  options.validate();
  if (!f.has_hessian_vector())
    throw MismatchError("check_hessian_vector: objective '" + f.name() + "' does not provide Hessian-vector products");
  require_dimension("check_hessian_vector", f, "x", x.size());
  require_dimension("check_hessian_vector", f, "v", v.size());
  const std::size_t d = x.size();
  const double eps = std::numeric_limits<T>::epsilon();
  const double x_scale = std::max(1.0, max_abs(x));
  const double v_scale = max_abs(v) > 0 ? max_abs(v) : 1.0;  // v = 0: every product must be 0
  const double h = static_cast<double>(options.step) * x_scale / v_scale;

  struct Probe {
    std::vector<double> slope;      // (g(x+) - g(x-)) / 2h
    std::vector<double> direction;  // (x+ - x-) / 2h
    double gradient_magnitude = 0;  // max |g| over both points
  };
  std::vector<T> point(d), gradient_plus(d), gradient_minus(d);
  auto probe = [&](double offset) {
    Probe p{std::vector<double>(d), std::vector<double>(d), 0};
    for (std::size_t j = 0; j < d; ++j)
      point[j] = static_cast<T>(static_cast<double>(x[j]) + offset * static_cast<double>(v[j]));
    f.value_and_gradient(point, gradient_plus);
    for (std::size_t j = 0; j < d; ++j) {
      p.direction[j] = static_cast<double>(point[j]);
      point[j] = static_cast<T>(static_cast<double>(x[j]) - offset * static_cast<double>(v[j]));
      p.direction[j] = (p.direction[j] - static_cast<double>(point[j])) / (2 * offset);
    }
    f.value_and_gradient(point, gradient_minus);
    for (std::size_t j = 0; j < d; ++j)
      p.slope[j] = (static_cast<double>(gradient_plus[j]) - static_cast<double>(gradient_minus[j])) / (2 * offset);
    p.gradient_magnitude =
        std::max(max_abs(std::span<const T>(gradient_plus)), max_abs(std::span<const T>(gradient_minus)));
    return p;
  };
  const Probe near = probe(h);
  const Probe far = probe(2 * h);

  std::vector<T> direction(d), analytic(d);
  for (std::size_t j = 0; j < d; ++j) direction[j] = static_cast<T>(near.direction[j]);
  f.hessian_vector(x, direction, analytic);
  // Rounding of each gradient component: a few eps times the gradient's size plus its
  // sensitivity to relative perturbations of x, ~ ||H|| max(1, ||x||), with ||H|| taken
  // as ||H v||_inf / ||v||_inf.
  const double magnitude = std::max(near.gradient_magnitude, far.gradient_magnitude) +
                           max_abs(std::span<const T>(analytic)) * x_scale / v_scale;
  const double rounding = 8 * eps * magnitude / (2 * h);

  ResultBuilder builder;
  for (std::size_t j = 0; j < d; ++j) {
    const double a = static_cast<double>(analytic[j]);
    const double truncation = std::abs(far.slope[j] - near.slope[j]) / 3;
    const double tolerance = static_cast<double>(options.atol) +
                             static_cast<double>(options.rtol) * std::max(std::abs(a), std::abs(near.slope[j])) +
                             2 * (truncation + rounding);
    builder.add(j, a, near.slope[j], tolerance);
  }
  return builder.result();
}

template struct GradientCheckOptions<float>;
template struct GradientCheckOptions<double>;
template GradientCheckResult check_gradient<float>(const Differentiable<float>&, std::span<const float>,
                                                   const GradientCheckOptions<float>&);
template GradientCheckResult check_gradient<double>(const Differentiable<double>&, std::span<const double>,
                                                    const GradientCheckOptions<double>&);
template GradientCheckResult check_hessian_vector<float>(const Differentiable<float>&, std::span<const float>,
                                                         std::span<const float>, const GradientCheckOptions<float>&);
template GradientCheckResult check_hessian_vector<double>(const Differentiable<double>&, std::span<const double>,
                                                          std::span<const double>, const GradientCheckOptions<double>&);

}  // namespace descent
