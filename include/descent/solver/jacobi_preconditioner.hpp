// Jacobi (diagonal) preconditioning: M = diag(A), so z_i = r_i / A_ii. It undoes a bad
// scaling of the variables exactly (D A D with D diagonal has the same Jacobi-preconditioned
// spectrum as A), which is the common ill-conditioning of linear models whose features
// differ in scale, and costs one division per element. The diagonal comes from the
// operator (LinearOperator::diagonal) or is given.
//
// Floor: an entry that is tiny, zero or negative (A not SPD, or a feature that is never
// active) would make z_i huge or wrong in sign; entries below floor * max_j |A_jj| are
// raised to that value, and a diagonal that is zero throughout gives M = I.
#pragma once

#include <string>
#include <vector>

#include "descent/objective/linear_operator.hpp"
#include "descent/solver/preconditioner.hpp"

namespace descent {

// The values of a Newton solver's `preconditioner` option: "auto" (jacobi where the
// operator has a diagonal, none otherwise), "none", "jacobi".
const std::vector<std::string>& newton_preconditioner_choices();

template <class T>
class JacobiPreconditioner final : public Preconditioner<T> {
 public:
  static constexpr double kDefaultFloor = 1e-12;
  // Throws ConfigError unless 0 < relative_floor <= 1.
  explicit JacobiPreconditioner(std::span<const T> diagonal, double relative_floor = kDefaultFloor);
  // From the operator's diagonal; MismatchError when the operator does not provide it.
  static JacobiPreconditioner from_operator(const LinearOperator<T>& A, double relative_floor = kDefaultFloor);

  std::size_t size() const override { return inverse_.size(); }
  void apply(std::span<const T> r, std::span<T> z) const override;
  // M's diagonal after the floor.
  const std::vector<T>& diagonal() const { return diagonal_; }

 private:
  std::vector<T> diagonal_;
  std::vector<T> inverse_;  // 1 / diagonal_: a multiplication per element instead of a division
};

}  // namespace descent
