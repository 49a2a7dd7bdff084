// The eigenvalue of the Hessian of largest magnitude ("sharpness"), by power iteration on
// Hessian-vector products, for judging where an optimizer ended (SAM vs SGD: a flat or a
// sharp minimum) and for step-size bounds (gradient descent is stable at a minimum only
// when lr * lambda_max < 2).
//
//   v_0 ~ N(0, I) / ||.||,   w_k = H v_k,   lambda_k = <v_k, w_k> / <v_k, v_k>,   v_{k+1} = w_k / ||w_k||
//
// lambda_k is the Rayleigh quotient, so the sign is kept (a saddle reports its most negative
// curvature when that dominates). The iteration stops when |lambda_k - lambda_{k-1}| <=
// tolerance |lambda_k|. It converges like (lambda_2 / lambda_1)^(2k) for the Rayleigh
// quotient; it does not converge when two eigenvalues of opposite sign share the largest
// magnitude (the result then says converged = false).
//
// H v comes from the objective when it has exact Hessian-vector products, else from a
// central difference of gradients, H v ~ (g(x + h v) - g(x - h v)) / (2 h), two gradient
// calls per product (the step h is explained in hessian_spectrum.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct HessianSpectrumOptions {
  static constexpr const char* kName = "HessianSpectrumOptions";
  std::int64_t max_iterations = 100;  // Hessian-vector products at most, >= 1
  double tolerance = 1e-6;            // stop when |lambda_k - lambda_{k-1}| <= tolerance |lambda_k|; >= 0
  double step = 0;                    // finite-difference h along a unit v; 0: automatic; >= 0
  // Seeds the start vector (Random(seed, Stream::init)). Not in fields(): the Field table
  // has no unsigned type, and a seed has no range to check.
  std::uint64_t seed = 0;
  static const std::vector<Field<HessianSpectrumOptions>>& fields();
  // Throws ConfigError "HessianSpectrumOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
struct HessianEigenvalue {
  T eigenvalue = 0;                 // the Rayleigh quotient of the last iterate (NaN if a product was not finite)
  std::vector<T> eigenvector;       // that iterate, of unit length
  std::int64_t iterations = 0;      // Hessian-vector products computed
  bool converged = false;           // the relative change fell below the tolerance
  std::int64_t gradient_calls = 0;  // value-and-gradient calls (2 per product on the finite-difference path)
  bool exact = false;               // the objective's own Hessian-vector products were used
};

// Power iteration at x (x.size() must equal f.dimension(), else MismatchError). Throws
// ConfigError for bad options. Allocates its work vectors: an analysis, not a hot path.
template <class T>
HessianEigenvalue<T> top_hessian_eigenvalue(const Differentiable<T>& f, std::span<const T> x,
                                            const HessianSpectrumOptions& options = {});

// The finite-difference step top_hessian_eigenvalue uses at x when options.step = 0.
template <class T>
T finite_difference_step(std::span<const T> x);

}  // namespace descent
