#include "descent/objective/objective.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "descent/core/error.hpp"

namespace descent {

template <class T>
void Differentiable<T>::hessian_vector(std::span<const T>, std::span<const T>, std::span<T>) const {
  throw MismatchError("objective '" + this->name() + "' does not provide Hessian-vector products");
}

template <class T>
void LinearOperator<T>::diagonal(std::span<T>) const {
  throw MismatchError("this linear operator does not provide its diagonal");
}

namespace {

// The default Hessian operator: x copied, each product one call of hessian_vector.
template <class T>
class HessianVectorAt final : public LinearOperator<T> {
 public:
  HessianVectorAt(const Differentiable<T>& f, std::span<const T> x) : f_(f), x_(x.begin(), x.end()) {}
  std::size_t size() const override { return x_.size(); }
  void apply(std::span<const T> v, std::span<T> out) const override { f_.hessian_vector(x_, v, out); }

 private:
  const Differentiable<T>& f_;
  std::vector<T> x_;
};

}  // namespace

template <class T>
LinearOperatorPtr<T> Differentiable<T>::hessian_at(std::span<const T> x) const {
  if (!has_hessian_vector())
    throw MismatchError("objective '" + this->name() + "' does not provide Hessian-vector products");
  if (x.size() != this->dimension())
    throw MismatchError("hessian_at: x has " + std::to_string(x.size()) + " elements, objective '" + this->name() +
                        "' has dimension " + std::to_string(this->dimension()));
  return std::make_unique<HessianVectorAt<T>>(*this, x);
}

template <class T>
LinearOperatorPtr<T> Differentiable<T>::gauss_newton_at(std::span<const T>) const {
  throw MismatchError("objective '" + this->name() +
                      "' does not provide a Gauss-Newton operator (sums of squares and generalized-linear finite "
                      "sums do)");
}

template <class T>
LinearOperatorPtr<T> FiniteSum<T>::gauss_newton_at(std::span<const T> x) const {
  if (!has_gauss_newton()) return Differentiable<T>::gauss_newton_at(x);
  // f_i = loss_i(u_i . x) + r(x): the inner map x -> u_i . x is linear, so the curvature term
  // that Gauss-Newton drops vanishes and the two matrices are equal.
  return this->hessian_at(x);
}

template <class T>
void FiniteSum<T>::per_sample_gradients(std::span<const T> x, std::span<const std::size_t> batch,
                                        std::span<T> out) const {
  const std::size_t d = this->dimension();
  if (out.size() != batch.size() * d)
    throw MismatchError("per_sample_gradients: output has " + std::to_string(out.size()) + " elements, expected " +
                        std::to_string(batch.size() * d));
  for (std::size_t k = 0; k < batch.size(); ++k)
    batch_value_and_gradient(x, batch.subspan(k, 1), out.subspan(k * d, d));
}

template <class T>
T FiniteSum<T>::score_derivatives(std::span<const T>, std::span<const std::size_t>, std::span<T>) const {
  throw MismatchError("'" + this->name() + "' is not a generalized-linear finite sum (no score derivatives)");
}

template <class T>
void FiniteSum<T>::add_sample_vectors(std::span<const std::size_t>, std::span<const T>, std::span<T>) const {
  throw MismatchError("'" + this->name() + "' is not a generalized-linear finite sum (no sample vectors)");
}

template <class T>
void FiniteSum<T>::add_regularizer_gradient(std::span<const T>, std::span<T>) const {
  throw MismatchError("'" + this->name() + "' is not a generalized-linear finite sum (no separate regularizer)");
}

template <class T>
T FiniteSum<T>::batch_value_and_gradient_with_labels(std::span<const T>, std::span<const std::size_t>,
                                                     std::span<const T>, std::span<T>) const {
  throw MismatchError("'" + this->name() + "' has no per-sample labels to substitute (label noise needs a model)");
}

template <class T>
LabelSpace<T> FiniteSum<T>::label_space() const {
  throw MismatchError("'" + this->name() + "' has no per-sample labels (label noise needs a model)");
}

template <class T>
void FiniteSum<T>::per_sample_gradient_norms(std::span<const T> x, std::span<const std::size_t> batch,
                                             std::span<T> norms) const {
  const std::size_t d = this->dimension();
  std::vector<T> g(d);
  for (std::size_t k = 0; k < batch.size(); ++k) {
    batch_value_and_gradient(x, batch.subspan(k, 1), g);
    T s = 0;
    for (T gi : g) s += gi * gi;
    norms[k] = std::sqrt(s);
  }
}

void validate(const GradientClipping& clipping) {
  require(std::isfinite(clipping.norm) && clipping.norm > 0, "GradientClipping", "norm", clipping.norm, "norm > 0");
}

namespace {

// min(1, limit / |g|) applied to g, with |g| summed in double in index order. A gradient
// inside the ball is left as it is (not multiplied by 1), a NaN norm poisons g (the loop's
// non-finite guard then stops the run rather than hiding it).
template <class T>
void clip_to(std::span<T> g, double limit) {
  double squares = 0;
  for (T v : g) squares += static_cast<double>(v) * static_cast<double>(v);
  const double norm = std::sqrt(squares);
  if (norm <= limit) return;
  const T factor = static_cast<T>(limit / norm);
  for (T& v : g) v *= factor;
}

}  // namespace

template <class T>
T FiniteSum<T>::clipped_gradient_sum(std::span<const T> x, std::span<const std::size_t> batch,
                                     const GradientClipping& clipping, std::span<T> out) const {
  validate(clipping);
  const std::size_t d = this->dimension();
  if (out.size() != d)
    throw MismatchError("clipped_gradient_sum: output has " + std::to_string(out.size()) + " elements, '" +
                        this->name() + "' has dimension " + std::to_string(d));
  std::fill(out.begin(), out.end(), T(0));
  if (batch.empty()) return T(0);
  const std::vector<std::size_t> bounds = parameter_groups();
  const std::size_t groups = bounds.size() - 1;
  const double limit = clipping.per_group ? clipping.norm / std::sqrt(static_cast<double>(groups)) : clipping.norm;
  // grad r(x), taken out of every sample's gradient: it is the same for all, carries no
  // information about the sample, and DP-SGD adds it once after the noise.
  std::vector<T> shared(d, T(0));
  add_unclipped_gradient(x, shared);
  std::vector<T> g(d);
  double value_sum = 0;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    value_sum += static_cast<double>(batch_value_and_gradient(x, batch.subspan(k, 1), g));
    for (std::size_t j = 0; j < d; ++j) g[j] -= shared[j];
    if (clipping.per_group) {
      for (std::size_t l = 0; l < groups; ++l)
        clip_to(std::span<T>(g).subspan(bounds[l], bounds[l + 1] - bounds[l]), limit);
    } else {
      clip_to(std::span<T>(g), limit);
    }
    for (std::size_t j = 0; j < d; ++j) out[j] += g[j];
  }
  return static_cast<T>(value_sum / static_cast<double>(batch.size()));
}

template <class T>
void FiniteSum<T>::add_unclipped_gradient(std::span<const T> x, std::span<T> out) const {
  if (is_generalized_linear()) add_regularizer_gradient(x, out);
}

template <class T>
std::vector<std::size_t> FiniteSum<T>::parameter_groups() const {
  return {0, this->dimension()};
}

template <class T>
T FiniteSum<T>::value(std::span<const T> x) const {
  std::vector<T> g(this->dimension());
  return value_and_gradient(x, g);
}

template <class T>
T FiniteSum<T>::value_and_gradient(std::span<const T> x, std::span<T> gradient) const {
  std::vector<std::size_t> all(num_samples());
  std::iota(all.begin(), all.end(), std::size_t{0});
  return batch_value_and_gradient(x, all, gradient);
}

template class LinearOperator<float>;
template class LinearOperator<double>;
template class Differentiable<float>;
template class Differentiable<double>;
template class FiniteSum<float>;
template class FiniteSum<double>;

}  // namespace descent
