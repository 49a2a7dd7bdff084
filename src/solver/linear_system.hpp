// What the solvers of A x = b share before their first iteration: the lengths checked
// (MismatchError naming the solver and the vector) and the initial residual.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include "descent/core/error.hpp"
#include "descent/objective/linear_operator.hpp"
#include "descent/solver/preconditioner.hpp"

namespace descent::solver_detail {

inline void require_length(const char* solver, const char* what, std::size_t length, std::size_t n) {
  if (length != n)
    throw MismatchError(std::string(solver) + ": " + what + " has " + std::to_string(length) +
                        " elements, the operator has size " + std::to_string(n));
}

template <class T>
void check_system(const char* solver, const LinearOperator<T>& A, std::type_identity_t<std::span<const T>> b,
                  std::type_identity_t<std::span<const T>> x, const Preconditioner<T>* preconditioner) {
  const std::size_t n = A.size();
  require_length(solver, "b", b.size(), n);
  require_length(solver, "x", x.size(), n);
  if (preconditioner) require_length(solver, "the preconditioner", preconditioner->size(), n);
}

// r = b - A x; a zero x (the usual start) costs no product.
template <class T>
void initial_residual(const LinearOperator<T>& A, std::type_identity_t<std::span<const T>> b,
                      std::type_identity_t<std::span<const T>> x, std::span<T> r, std::int64_t& products) {
  if (std::all_of(x.begin(), x.end(), [](T v) { return v == T(0); })) {
    std::copy(b.begin(), b.end(), r.begin());
    return;
  }
  A.apply(x, r);
  ++products;
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = b[i] - r[i];
}

}  // namespace descent::solver_detail
