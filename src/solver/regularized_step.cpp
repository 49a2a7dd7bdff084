#include "descent/solver/regularized_step.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <optional>

#include "descent/core/error.hpp"
#include "descent/solver/conjugate_gradient.hpp"
#include "descent/solver/jacobi_preconditioner.hpp"
#include "linear_system.hpp"
#include "vector_arithmetic.hpp"

namespace descent {

std::string to_string(RegularizedStepStatus status) {
  switch (status) {
    case RegularizedStepStatus::solved:
      return "solved";
    case RegularizedStepStatus::inexact:
      return "inexact";
    case RegularizedStepStatus::not_positive_definite:
      return "not_positive_definite";
    case RegularizedStepStatus::non_finite:
      return "non_finite";
  }
  return "unknown";
}

namespace {

void require_lambda(const char* solver, double lambda) {
  require(lambda > 0 && std::isfinite(lambda), solver, "lambda", lambda, "0 < lambda < inf");
}

// B + lambda I, through B's products.
template <class T>
class Shifted final : public LinearOperator<T> {
 public:
  Shifted(const LinearOperator<T>& B, double lambda) : B_(B), lambda_(static_cast<T>(lambda)) {}
  std::size_t size() const override { return B_.size(); }
  void apply(std::span<const T> v, std::span<T> out) const override {
    B_.apply(v, out);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += lambda_ * v[i];
  }

 private:
  const LinearOperator<T>& B_;
  T lambda_;
};

}  // namespace

template <class T>
RegularizedStepResult regularized_step_cg(const LinearOperator<T>& B, std::span<const T> g, double lambda,
                                          std::span<T> d, double theta, std::int64_t max_iterations,
                                          std::span<const T> diagonal) {
  using namespace solver_detail;
  require_lambda("regularized_step_cg", lambda);
  require(theta > 0 && theta < 1, "regularized_step_cg", "theta", theta, "0 < theta < 1");
  require(max_iterations >= 1, "regularized_step_cg", "max_iterations", static_cast<double>(max_iterations),
          "max_iterations >= 1");
  const std::size_t n = B.size();
  require_length("regularized_step_cg", "g", g.size(), n);
  require_length("regularized_step_cg", "d", d.size(), n);
  if (!diagonal.empty()) require_length("regularized_step_cg", "the diagonal", diagonal.size(), n);

  const Shifted<T> A(B, lambda);
  std::optional<JacobiPreconditioner<T>> jacobi;
  if (!diagonal.empty()) {
    std::vector<T> shifted(diagonal.begin(), diagonal.end());
    for (T& v : shifted) v += static_cast<T>(lambda);
    jacobi.emplace(std::span<const T>(shifted));
  }
  std::vector<T> minus_g(n);
  for (std::size_t i = 0; i < n; ++i) minus_g[i] = -g[i];
  std::fill(d.begin(), d.end(), T(0));

  RegularizedStepResult result;
  const double g_norm = norm<T>(g);
  if (g_norm == 0) return result;  // d = 0 solves it exactly
  ConjugateGradientOptions cg{.tolerance = theta, .max_iterations = max_iterations};
  // Each round either meets the test or tightens the tolerance below what the current ||d||
  // asks; a round that makes no progress (rounding) ends in max_iterations, so a handful
  // suffices.
  for (int round = 0; round < 8; ++round) {
    const ConjugateGradientResult cg_result = conjugate_gradient<T>(A, minus_g, d, cg, jacobi ? &*jacobi : nullptr);
    result.iterations += cg_result.iterations;
    result.products += cg_result.operator_products;
    result.residual_norm = cg_result.residual_norms.back();
    result.step_norm = norm<T>(std::span<const T>(d));
    if (cg_result.termination == CgTermination::non_positive_curvature) {
      result.status = RegularizedStepStatus::not_positive_definite;
      return result;
    }
    if (cg_result.termination == CgTermination::non_finite || !all_finite<T>(std::span<const T>(d))) {
      result.status = RegularizedStepStatus::non_finite;
      return result;
    }
    const double target = theta * lambda * result.step_norm;
    if (result.residual_norm <= target) {
      result.status = RegularizedStepStatus::solved;
      return result;
    }
    cg.max_iterations = max_iterations - result.iterations;
    if (cg_result.termination == CgTermination::max_iterations || cg.max_iterations <= 0) break;
    cg.tolerance = 0.5 * target / g_norm;
  }
  result.status = RegularizedStepStatus::inexact;
  return result;
}

template <class T>
DenseRegularizedSystem<T>::DenseRegularizedSystem(const LinearOperator<T>& B) : n_(B.size()), matrix_(n_ * n_) {
  std::vector<T> unit(n_, T(0)), column(n_);
  for (std::size_t j = 0; j < n_; ++j) {
    unit[j] = T(1);
    B.apply(unit, column);
    unit[j] = T(0);
    for (std::size_t i = 0; i < n_; ++i) matrix_[j * n_ + i] = static_cast<double>(column[i]);
  }
  // Products are symmetric only to rounding; the factorization reads one triangle, so the
  // two are averaged rather than one of them trusted.
  for (std::size_t j = 0; j < n_; ++j)
    for (std::size_t i = j + 1; i < n_; ++i) {
      const double mean = 0.5 * (matrix_[j * n_ + i] + matrix_[i * n_ + j]);
      matrix_[j * n_ + i] = mean;
      matrix_[i * n_ + j] = mean;
    }
}

template <class T>
RegularizedStepResult DenseRegularizedSystem<T>::solve(double lambda, std::span<const T> g, std::span<T> d) const {
  require_lambda("DenseRegularizedSystem::solve", lambda);
  solver_detail::require_length("DenseRegularizedSystem::solve", "g", g.size(), n_);
  solver_detail::require_length("DenseRegularizedSystem::solve", "d", d.size(), n_);
  const auto n = static_cast<Eigen::Index>(n_);
  Eigen::MatrixXd shifted = Eigen::Map<const Eigen::MatrixXd>(matrix_.data(), n, n);
  shifted.diagonal().array() += lambda;
  RegularizedStepResult result;
  if (!shifted.allFinite()) {
    result.status = RegularizedStepStatus::non_finite;
    return result;
  }
  const Eigen::LLT<Eigen::MatrixXd> factor(shifted);
  if (factor.info() != Eigen::Success) {
    result.status = RegularizedStepStatus::not_positive_definite;
    return result;
  }
  Eigen::VectorXd rhs(n);
  for (Eigen::Index i = 0; i < n; ++i) rhs[i] = -static_cast<double>(g[static_cast<std::size_t>(i)]);
  const Eigen::VectorXd step = factor.solve(rhs);
  if (!step.allFinite()) {
    result.status = RegularizedStepStatus::non_finite;
    return result;
  }
  for (Eigen::Index i = 0; i < n; ++i) d[static_cast<std::size_t>(i)] = static_cast<T>(step[i]);
  result.step_norm = step.norm();
  return result;
}

template RegularizedStepResult regularized_step_cg<float>(const LinearOperator<float>&, std::span<const float>, double,
                                                          std::span<float>, double, std::int64_t,
                                                          std::span<const float>);
template RegularizedStepResult regularized_step_cg<double>(const LinearOperator<double>&, std::span<const double>,
                                                           double, std::span<double>, double, std::int64_t,
                                                           std::span<const double>);
template class DenseRegularizedSystem<float>;
template class DenseRegularizedSystem<double>;

}  // namespace descent
