#include "model_hessian.hpp"

#include "descent/core/error.hpp"
#include "descent/core/size_check.hpp"

namespace descent::detail {

template <class T>
ModelHessian<T>::ModelHessian(const Model<T>& model, const LayerStack<T>& stack, const Dataset<T>& data,
                              std::span<const T> x)
    : model_(model),
      stack_(stack),
      data_(data),
      curvature_(data.size() * stack.curvature_width()),
      scale_(data.size() > 0 ? T(1) / static_cast<T>(data.size()) : T(0)) {
  stack_.curvatures(x.data(), data_, RowSet::range(0, data_.size()), curvature_.data());
}

template <class T>
void ModelHessian<T>::apply(std::span<const T> v, std::span<T> out) const {
  require_size(model_, "Hessian operator: v", v.size(), size());
  require_size(model_, "Hessian operator: out", out.size(), size());
  if (overlap<T>(v, out)) throw MismatchError(model_.name() + ": Hessian operator: out overlaps v");
  stack_.hessian_product(nullptr, curvature_.data(), data_, RowSet::range(0, data_.size()), scale_, v.data(),
                         out.data());
}

template <class T>
void ModelHessian<T>::diagonal(std::span<T> out) const {
  require_size(model_, "Hessian diagonal: out", out.size(), size());
  stack_.hessian_diagonal(curvature_.data(), data_, RowSet::range(0, data_.size()), scale_, out.data());
}

template class ModelHessian<float>;
template class ModelHessian<double>;

}  // namespace descent::detail
