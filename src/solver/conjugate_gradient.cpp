#include "descent/solver/conjugate_gradient.hpp"

#include <cmath>
#include <string>

#include "descent/core/error.hpp"
#include "linear_system.hpp"
#include "vector_arithmetic.hpp"

namespace descent {

const std::vector<Field<ConjugateGradientOptions>>& ConjugateGradientOptions::fields() {
  using O = ConjugateGradientOptions;
  static const std::vector<Field<O>> f = {
      {"tolerance", &O::tolerance, Range::non_negative(), "stop when ||r|| <= tolerance ||b||"},
      {"max_iterations", &O::max_iterations, Range::at_least(0), "updates of x"}};
  return f;
}

void ConjugateGradientOptions::validate() const { descent::validate(*this); }

std::string to_string(CgTermination termination) {
  switch (termination) {
    case CgTermination::converged:
      return "converged";
    case CgTermination::max_iterations:
      return "max_iterations";
    case CgTermination::non_positive_curvature:
      return "non_positive_curvature";
    case CgTermination::non_finite:
      return "non_finite";
  }
  return "unknown";
}

template <class T>
ConjugateGradientResult conjugate_gradient(const LinearOperator<T>& A, std::span<const T> b, std::span<T> x,
                                           const ConjugateGradientOptions& options,
                                           const Preconditioner<T>* preconditioner) {
  using namespace solver_detail;
  options.validate();
  check_system<T>("conjugate_gradient", A, b, x, preconditioner);
  const std::size_t n = b.size();
  ConjugateGradientResult result;
  std::vector<T> r(n), p(n), Ap(n), z_storage(preconditioner ? n : 0);
  initial_residual<T>(A, b, x, r, result.operator_products);
  // Without a preconditioner z is r itself.
  const std::span<T> z = preconditioner ? std::span<T>(z_storage) : std::span<T>(r);
  const double target = options.tolerance * norm<T>(b);
  double r_norm = norm<T>(r);
  result.residual_norms.push_back(r_norm);
  if (!std::isfinite(r_norm)) {
    result.termination = CgTermination::non_finite;
    return result;
  }
  if (r_norm <= target) {
    result.termination = CgTermination::converged;
    return result;
  }
  if (preconditioner) preconditioner->apply(r, z);
  double rz = dot<T>(r, z);
  std::copy(z.begin(), z.end(), p.begin());
  for (std::int64_t k = 0; k < options.max_iterations; ++k) {
    A.apply(p, Ap);
    ++result.operator_products;
    const double curvature = dot<T>(p, Ap);
    const double alpha = rz / curvature;
    if (!std::isfinite(curvature) || !std::isfinite(rz)) {
      result.termination = CgTermination::non_finite;
      return result;
    }
    // r != 0 here, so r^T M^{-1} r <= 0 means M is not positive definite: reported like a
    // non-positive p^T A p, since either breaks the A-norm minimization.
    if (curvature <= 0 || rz <= 0) {
      result.termination = CgTermination::non_positive_curvature;
      return result;
    }
    if (!std::isfinite(alpha)) {
      result.termination = CgTermination::non_finite;
      return result;
    }
    axpy<T>(alpha, p, x);
    axpy<T>(-alpha, Ap, r);
    ++result.iterations;
    r_norm = norm<T>(r);
    result.residual_norms.push_back(r_norm);
    if (!std::isfinite(r_norm)) {
      result.termination = CgTermination::non_finite;
      return result;
    }
    if (r_norm <= target) {
      result.termination = CgTermination::converged;
      return result;
    }
    if (preconditioner) preconditioner->apply(r, z);
    const double rz_next = dot<T>(r, z);
    xpby<T>(z, rz_next / rz, p);
    rz = rz_next;
  }
  result.termination = CgTermination::max_iterations;
  return result;
}

template ConjugateGradientResult conjugate_gradient<float>(const LinearOperator<float>&, std::span<const float>,
                                                           std::span<float>, const ConjugateGradientOptions&,
                                                           const Preconditioner<float>*);
template ConjugateGradientResult conjugate_gradient<double>(const LinearOperator<double>&, std::span<const double>,
                                                            std::span<double>, const ConjugateGradientOptions&,
                                                            const Preconditioner<double>*);

}  // namespace descent
