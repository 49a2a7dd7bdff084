// The curvature matrix B(x) a Newton-type solver multiplies by, chosen by name:
//   hessian       the exact Hessian, Differentiable::hessian_at (objectives with
//                 Hessian-vector products);
//   gauss_newton  the Gauss-Newton matrix, Differentiable::gauss_newton_at: 2 J^T J for sums
//                 of squares, the Hessian for generalized-linear finite sums (least squares,
//                 logistic regression), where the two coincide;
//   fisher        the empirical Fisher (1/n) sum_i g_i g_i^T of a finite sum
//                 (empirical_fisher.hpp), from its per-sample gradients.
// Gauss-Newton and Fisher matrices are positive semidefinite wherever they are taken; the
// Hessian is only where f is convex.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/objective/linear_operator.hpp"
#include "descent/objective/objective.hpp"

namespace descent {

enum class Curvature { hessian, gauss_newton, fisher };

std::string to_string(Curvature curvature);
// "hessian", "gauss_newton", "fisher": the names a solver's choice field takes.
const std::vector<std::string>& curvature_names();
// The curvature named `name`; ConfigError listing the names otherwise.
Curvature curvature_from_name(std::string_view name);

// Whether `objective` provides the curvature.
template <class T>
bool provides_curvature(const Differentiable<T>& objective, Curvature curvature);

// MismatchError unless `objective` provides the curvature, naming the solver, the objective
// and the curvature, and saying which objectives have it.
template <class T>
void require_curvature(const Differentiable<T>& objective, Curvature curvature, std::string_view solver);

// B(x) and what it costs a finite sum, in per-sample gradients (0 for other objectives):
// building the Fisher matrix takes n, a product with it none; a Hessian or Gauss-Newton
// product takes n (one pass over the data, as Hessian-vector products are counted elsewhere),
// and building those operators is not counted (what it caches depends on the objective).
template <class T>
struct CurvatureOperator {
  LinearOperatorPtr<T> matrix;
  std::int64_t build_sample_gradients = 0;
  std::int64_t product_sample_gradients = 0;
};

// B at x; MismatchError as require_curvature, or when x's length is not the dimension.
template <class T>
CurvatureOperator<T> curvature_at(const Differentiable<T>& objective, std::span<const T> x, Curvature curvature);

}  // namespace descent
