// A strongly convex quadratic with a chosen spectrum, the reference problem for step
// sizes and convergence rates:
//   f(x) = 1/2 (x - x*)^T A (x - x*),   A = H D H,   x* = (1, ..., 1),   f* = 0.
// D = diag(lambda_0 <= ... <= lambda_{d-1}) with eigenvalues spaced geometrically from
// mu to L = mu * condition_number (lambda_i = mu * kappa^(i / (d-1))), so every curvature
// scale in between is represented.
// H = I - 2 u u^T / |u|^2 is a Householder reflection with u ~ N(0, I) drawn from
// Random(seed, Stream::data): A is then dense (not diagonal, so coordinate-wise methods
// gain nothing from the basis) yet A v costs O(d) and no d x d matrix is ever stored.
// The eigenvectors of A are the columns of H.
#pragma once

#include <cstdint>
#include <vector>

#include "descent/objective/objective.hpp"

namespace descent {

struct QuadraticOptions {
  static constexpr const char* kName = "QuadraticOptions";
  std::size_t dimension = 10;    // d >= 1
  double condition_number = 10;  // kappa = L / mu, 1 <= kappa < inf (kappa = 1 when d = 1)
  double mu = 1;                 // smallest eigenvalue (strong convexity), 0 < mu < inf
  std::uint64_t seed = 0;        // draws the Householder direction u
  bool rotate = true;            // false: A = D (diagonal), for tests of the basis itself

  // Throws ConfigError "QuadraticOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

template <class T>
class Quadratic final : public Differentiable<T> {
 public:
  explicit Quadratic(QuadraticOptions options = {});

  std::string name() const override { return "quadratic"; }
  std::size_t dimension() const override { return options_.dimension; }
  T value(std::span<const T> x) const override;
  T value_and_gradient(std::span<const T> x, std::span<T> gradient) const override;
  bool has_hessian_vector() const override { return true; }
  // A v, independent of x (x is still checked for its length).
  void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const override;
  // L = mu * condition_number, the largest eigenvalue of A.
  std::optional<T> smoothness() const override { return eigenvalues_.back(); }
  std::optional<KnownMinimum<T>> known_minimum() const override;

  // The smallest eigenvalue of A (strong convexity constant).
  T mu() const { return eigenvalues_.front(); }
  // The spectrum of A, ascending: eigenvalues().front() = mu, .back() = L.
  const std::vector<T>& eigenvalues() const { return eigenvalues_; }
  const QuadraticOptions& options() const { return options_; }

 private:
  // y <- H y, in place: O(d).
  void reflect(std::span<T> y) const;
  void check_point(std::span<const T> x) const;

  QuadraticOptions options_;
  std::vector<T> eigenvalues_;
  std::vector<T> direction_;  // u / |u|; empty when options_.rotate is false
};

}  // namespace descent
