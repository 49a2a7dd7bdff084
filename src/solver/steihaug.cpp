#include "descent/solver/steihaug.hpp"

#include <algorithm>
#include <cmath>

#include "descent/core/error.hpp"
#include "linear_system.hpp"
#include "vector_arithmetic.hpp"

namespace descent {

const std::vector<Field<SteihaugOptions>>& SteihaugOptions::fields() {
  using O = SteihaugOptions;
  static const std::vector<Field<O>> f = {
      {"tolerance", &O::tolerance, Range::non_negative(), "stop when ||r||_{M^-1} <= tolerance ||g||_{M^-1}"},
      {"max_iterations", &O::max_iterations, Range::at_least(0), "CG iterations; 0: max(n, 5)"}};
  return f;
}

void SteihaugOptions::validate() const { descent::validate(*this); }

std::string to_string(SteihaugTermination termination) {
  switch (termination) {
    case SteihaugTermination::converged:
      return "converged";
    case SteihaugTermination::boundary:
      return "boundary";
    case SteihaugTermination::negative_curvature:
      return "negative_curvature";
    case SteihaugTermination::max_iterations:
      return "max_iterations";
    case SteihaugTermination::non_finite:
      return "non_finite";
  }
  return "unknown";
}

namespace {

// The roots tau of ||s + tau p||_M^2 = radius^2, i.e. pMp tau^2 + 2 sMp tau + (sMs - radius^2) = 0,
// for s inside the region (so the constant term is <= 0 and the roots have opposite signs).
// Each root is taken from the form without cancellation.
struct BoundaryCrossings {
  double forward;   // >= 0
  double backward;  // <= 0
};

BoundaryCrossings boundary_crossings(double sMs, double sMp, double pMp, double radius) {
  const double c = std::min(sMs - radius * radius, 0.0);
  const double root = std::sqrt(sMp * sMp - pMp * c);
  if (sMp >= 0) return {-c / (sMp + root), -(sMp + root) / pMp};
  return {(root - sMp) / pMp, c / (root - sMp)};
}

}  // namespace

template <class T>
SteihaugResult steihaug_toint(const LinearOperator<T>& H, std::span<const T> g, double radius, std::span<T> step,
                              const SteihaugOptions& options, const Preconditioner<T>* preconditioner) {
  using namespace solver_detail;
  options.validate();
  require(radius > 0, "steihaug_toint", "radius", radius, "radius > 0");
  check_system<T>("steihaug_toint", H, g, step, preconditioner);
  const std::size_t n = g.size();
  const std::int64_t max_iterations =
      options.max_iterations > 0 ? options.max_iterations : std::max<std::int64_t>(static_cast<std::int64_t>(n), 5);
  SteihaugResult result;
  std::fill(step.begin(), step.end(), T(0));
  std::vector<T> r(n), p(n), Hp(n), z_storage(preconditioner ? n : 0);
  for (std::size_t i = 0; i < n; ++i) r[i] = -g[i];
  const std::span<T> z = preconditioner ? std::span<T>(z_storage) : std::span<T>(r);
  if (preconditioner) preconditioner->apply(r, z);
  double rz = dot<T>(r, z);
  // r^T M^{-1} r < 0 would mean M is not positive definite; it is reported as non_finite
  // rather than taking a square root of it.
  if (!std::isfinite(rz) || rz < 0) {
    result.termination = SteihaugTermination::non_finite;
    return result;
  }
  const double target = options.tolerance * std::sqrt(rz);
  if (std::sqrt(rz) <= target || rz == 0) {
    result.termination = SteihaugTermination::converged;
    return result;
  }
  std::copy(z.begin(), z.end(), p.begin());
  double sMs = 0, sMp = 0, pMp = rz;
  result.termination = SteihaugTermination::max_iterations;
  for (std::int64_t k = 0; k < max_iterations; ++k) {
    H.apply(p, Hp);
    ++result.products;
    const double curvature = dot<T>(p, Hp);
    if (!std::isfinite(curvature)) {
      result.termination = SteihaugTermination::non_finite;
      break;
    }
    if (curvature <= 0) {
      result.termination = SteihaugTermination::negative_curvature;
      if (std::isinf(radius)) break;
      // q(s + tau p) - q(s) = -tau r^T p + tau^2 curvature / 2, and r^T p = r^T z.
      const BoundaryCrossings b = boundary_crossings(sMs, sMp, pMp, radius);
      auto change = [&](double tau) { return -tau * rz + 0.5 * tau * tau * curvature; };
      const double tau = change(b.backward) < change(b.forward) ? b.backward : b.forward;
      axpy<T>(tau, p, step);
      axpy<T>(-tau, Hp, r);
      sMs += 2 * tau * sMp + tau * tau * pMp;
      ++result.iterations;
      break;
    }
    const double alpha = rz / curvature;
    if (!std::isfinite(alpha)) {
      result.termination = SteihaugTermination::non_finite;
      break;
    }
    const double next_sMs = sMs + 2 * alpha * sMp + alpha * alpha * pMp;
    if (next_sMs >= radius * radius) {
      const double tau = boundary_crossings(sMs, sMp, pMp, radius).forward;
      axpy<T>(tau, p, step);
      axpy<T>(-tau, Hp, r);
      sMs += 2 * tau * sMp + tau * tau * pMp;
      ++result.iterations;
      result.termination = SteihaugTermination::boundary;
      break;
    }
    axpy<T>(alpha, p, step);
    axpy<T>(-alpha, Hp, r);
    sMs = next_sMs;
    ++result.iterations;
    if (preconditioner) preconditioner->apply(r, z);
    const double rz_next = dot<T>(r, z);
    if (!std::isfinite(rz_next) || rz_next < 0) {
      result.termination = SteihaugTermination::non_finite;
      break;
    }
    if (std::sqrt(rz_next) <= target) {
      result.termination = SteihaugTermination::converged;
      break;
    }
    const double beta = rz_next / rz;
    sMp = beta * (sMp + alpha * pMp);
    pMp = rz_next + beta * beta * pMp;
    xpby<T>(z, beta, p);
    rz = rz_next;
  }
  result.step_norm = std::sqrt(std::max(sMs, 0.0));
  result.model_value = 0.5 * (dot<T>(g, step) - dot<T>(step, r));
  return result;
}

template SteihaugResult steihaug_toint<float>(const LinearOperator<float>&, std::span<const float>, double,
                                              std::span<float>, const SteihaugOptions&, const Preconditioner<float>*);
template SteihaugResult steihaug_toint<double>(const LinearOperator<double>&, std::span<const double>, double,
                                               std::span<double>, const SteihaugOptions&,
                                               const Preconditioner<double>*);

}  // namespace descent
