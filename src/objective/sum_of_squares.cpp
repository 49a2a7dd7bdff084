#include "descent/objective/sum_of_squares.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "descent/core/size_check.hpp"
#include "ordered_dot.hpp"

namespace descent {

template <class T>
void SumOfSquares<T>::checked_residuals(std::span<const T> x, std::span<T> r) const {
  detail::require_size(*this, "x", x.size(), this->dimension());
  detail::require_size(*this, "r", r.size(), residual_count());
  residuals(x, r);
}

template <class T>
void SumOfSquares<T>::checked_jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const {
  detail::require_size(*this, "x", x.size(), this->dimension());
  detail::require_size(*this, "v", v.size(), this->dimension());
  detail::require_size(*this, "out", out.size(), residual_count());
  jacobian_times(x, v, out);
}

template <class T>
void SumOfSquares<T>::checked_jacobian_transpose_times(std::span<const T> x, std::span<const T> w,
                                                       std::span<T> out) const {
  detail::require_size(*this, "x", x.size(), this->dimension());
  detail::require_size(*this, "w", w.size(), residual_count());
  detail::require_size(*this, "out", out.size(), this->dimension());
  jacobian_transpose_times(x, w, out);
}

template <class T>
T SumOfSquares<T>::value(std::span<const T> x) const {
  detail::require_size(*this, "x", x.size(), this->dimension());
  std::vector<T> r(residual_count());
  residuals(x, r);
  return static_cast<T>(detail::ordered_dot(r.data(), r.data(), r.size()));
}

template <class T>
T SumOfSquares<T>::value_and_gradient(std::span<const T> x, std::span<T> gradient) const {
  detail::require_size(*this, "x", x.size(), this->dimension());
  detail::require_size(*this, "gradient", gradient.size(), this->dimension());
  std::vector<T> r(residual_count());
  residuals(x, r);
  const double value = detail::ordered_dot(r.data(), r.data(), r.size());
  jacobian_transpose_times(x, r, gradient);
  for (T& g : gradient) g *= T{2};  // exact: a power of two
  return static_cast<T>(value);
}

template <class T>
void SumOfSquares<T>::hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const {
  detail::require_size(*this, "x", x.size(), this->dimension());
  detail::require_size(*this, "v", v.size(), this->dimension());
  detail::require_size(*this, "out", out.size(), this->dimension());
  const std::size_t m = residual_count();
  std::vector<T> r(m), jv(m), curvature(this->dimension());
  residuals(x, r);
  jacobian_times(x, v, jv);
  jacobian_transpose_times(x, jv, out);
  residual_curvature_times(x, r, v, curvature);
  for (std::size_t j = 0; j < out.size(); ++j) out[j] = T{2} * (out[j] + curvature[j]);
}

namespace {

// 2 J^T J at a copy of x.
template <class T>
class GaussNewtonAt final : public LinearOperator<T> {
 public:
  GaussNewtonAt(const SumOfSquares<T>& f, std::span<const T> x) : f_(f), x_(x.begin(), x.end()) {}
  std::size_t size() const override { return x_.size(); }
  void apply(std::span<const T> v, std::span<T> out) const override {
    detail::require_size(f_, "v", v.size(), x_.size());
    detail::require_size(f_, "out", out.size(), x_.size());
    std::vector<T> jv(f_.residual_count());
    f_.jacobian_times(x_, v, jv);
    f_.jacobian_transpose_times(x_, jv, out);
    for (T& o : out) o *= T{2};  // exact: a power of two
  }

 private:
  const SumOfSquares<T>& f_;
  std::vector<T> x_;
};

}  // namespace

template <class T>
LinearOperatorPtr<T> SumOfSquares<T>::gauss_newton_at(std::span<const T> x) const {
  detail::require_size(*this, "x", x.size(), this->dimension());
  return std::make_unique<GaussNewtonAt<T>>(*this, x);
}

template <class T>
void ResidualwiseSumOfSquares<T>::residuals(std::span<const T> x, std::span<T> r) const {
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = residual(i, x, {}, {});
}

template <class T>
void ResidualwiseSumOfSquares<T>::jacobian_times(std::span<const T> x, std::span<const T> v, std::span<T> out) const {
  std::vector<T> row(x.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    residual(i, x, row, {});
    out[i] = static_cast<T>(detail::ordered_dot(row.data(), v.data(), row.size()));
  }
}

template <class T>
void ResidualwiseSumOfSquares<T>::jacobian_transpose_times(std::span<const T> x, std::span<const T> w,
                                                           std::span<T> out) const {
  // Accumulated in double over the residuals, in residual order, then rounded once.
  const std::size_t n = x.size();
  std::vector<T> row(n);
  std::vector<double> sum(n, 0.0);
  for (std::size_t i = 0; i < w.size(); ++i) {
    residual(i, x, row, {});
    for (std::size_t j = 0; j < n; ++j) sum[j] += static_cast<double>(w[i]) * static_cast<double>(row[j]);
  }
  for (std::size_t j = 0; j < n; ++j) out[j] = static_cast<T>(sum[j]);
}

template <class T>
void ResidualwiseSumOfSquares<T>::residual_curvature_times(std::span<const T> x, std::span<const T> w,
                                                           std::span<const T> v, std::span<T> out) const {
  const std::size_t n = x.size();
  std::vector<T> hessian(n * n);
  std::vector<double> sum(n, 0.0);
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == T{0}) continue;  // a zero residual contributes nothing, whatever its curvature
    residual(i, x, {}, hessian);
    for (std::size_t j = 0; j < n; ++j)
      sum[j] += static_cast<double>(w[i]) * detail::ordered_dot(hessian.data() + j * n, v.data(), n);
  }
  for (std::size_t j = 0; j < n; ++j) out[j] = static_cast<T>(sum[j]);
}

template class SumOfSquares<float>;
template class SumOfSquares<double>;
template class ResidualwiseSumOfSquares<float>;
template class ResidualwiseSumOfSquares<double>;

}  // namespace descent
