#include "descent/analysis/hessian_vector_product.hpp"

#include "descent/analysis/hessian_spectrum.hpp"
#include "descent/core/error.hpp"

namespace descent {

template <class T>
HessianVectorProduct<T>::HessianVectorProduct(const Differentiable<T>& f, std::span<const T> x, double step)
    : f_(f), x_(x), exact_(f.has_hessian_vector()) {
  if (x.size() != f.dimension())
    throw MismatchError("Hessian-vector products: x has " + std::to_string(x.size()) + " elements, the objective '" +
                        f.name() + "' has dimension " + std::to_string(f.dimension()));
  if (!exact_) {
    h_ = step > 0 ? static_cast<T>(step) : finite_difference_step(x);
    point_.resize(x.size());
    plus_.resize(x.size());
    minus_.resize(x.size());
  }
}

template <class T>
void HessianVectorProduct<T>::apply(std::span<const T> v, std::span<T> out) {
  const std::size_t d = x_.size();
  if (v.size() != d || out.size() != d)
    throw MismatchError("Hessian-vector products: v has " + std::to_string(v.size()) + " elements, out " +
                        std::to_string(out.size()) + ", the dimension is " + std::to_string(d));
  if (exact_) {
    f_.hessian_vector(x_, v, out);
    return;
  }
  for (std::size_t i = 0; i < d; ++i) point_[i] = x_[i] + h_ * v[i];
  f_.value_and_gradient(point_, plus_);
  for (std::size_t i = 0; i < d; ++i) point_[i] = x_[i] - h_ * v[i];
  f_.value_and_gradient(point_, minus_);
  gradient_calls_ += 2;
  const T inv_2h = T(1) / (2 * h_);
  for (std::size_t i = 0; i < d; ++i) out[i] = (plus_[i] - minus_[i]) * inv_2h;
}

template class HessianVectorProduct<float>;
template class HessianVectorProduct<double>;

}  // namespace descent
