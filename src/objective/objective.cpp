#include "descent/objective/objective.hpp"

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
