#include "descent/solver/jacobi_preconditioner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

const std::vector<std::string>& newton_preconditioner_choices() {
  static const std::vector<std::string> c = {"auto", "none", "jacobi"};
  return c;
}

template <class T>
JacobiPreconditioner<T>::JacobiPreconditioner(std::span<const T> diagonal, double relative_floor)
    : diagonal_(diagonal.begin(), diagonal.end()), inverse_(diagonal.size()) {
  require(relative_floor > 0 && relative_floor <= 1, "JacobiPreconditioner", "relative_floor", relative_floor,
          "0 < relative_floor <= 1");
  double largest = 0;
  for (T d : diagonal_) {
    if (!std::isfinite(d))
      throw MismatchError("JacobiPreconditioner: the diagonal has a non-finite entry (" +
                          format_number(static_cast<double>(d)) + ")");
    largest = std::max(largest, std::abs(static_cast<double>(d)));
  }
  const T floor = static_cast<T>(largest > 0 ? relative_floor * largest : 1.0);
  // The floor, rounded to T, may underflow for float at extreme scales; the smallest
  // normal number keeps 1 / d finite.
  const T lowest = std::max(floor, std::numeric_limits<T>::min());
  for (std::size_t i = 0; i < diagonal_.size(); ++i) {
    diagonal_[i] = largest > 0 ? std::max(diagonal_[i], lowest) : T(1);
    inverse_[i] = T(1) / diagonal_[i];
  }
}

template <class T>
JacobiPreconditioner<T> JacobiPreconditioner<T>::from_operator(const LinearOperator<T>& A, double relative_floor) {
  if (!A.has_diagonal()) throw MismatchError("JacobiPreconditioner: the operator does not provide its diagonal");
  std::vector<T> d(A.size());
  A.diagonal(d);
  return JacobiPreconditioner(std::span<const T>(d), relative_floor);
}

template <class T>
void JacobiPreconditioner<T>::apply(std::span<const T> r, std::span<T> z) const {
  if (r.size() != size() || z.size() != size())
    throw MismatchError("JacobiPreconditioner::apply: r has " + std::to_string(r.size()) + " and z " +
                        std::to_string(z.size()) + " elements, the preconditioner " + std::to_string(size()));
  for (std::size_t i = 0; i < r.size(); ++i) z[i] = r[i] * inverse_[i];
}

template class JacobiPreconditioner<float>;
template class JacobiPreconditioner<double>;

}  // namespace descent
