// The Hessian of a single-layer model (least squares, logistic or softmax regression) at a
// point x, as a LinearOperator: Model::hessian_at builds it.
//
// What it caches: the per-sample curvature at x, computed once when it is built (one pass
// over the data): sigma(z_i)(1 - sigma(z_i)) per row for logistic regression, the K
// probabilities p_i per row for softmax regression, nothing for least squares (whose Hessian
// does not depend on x). Each apply() is then one pass over the data, bitwise equal to
// Model::hessian_vector(x, v), which computes the same curvatures on the way (the same
// scores, the same formulas, the same stripes and chunks). diagonal() is one pass too.
//
// Lifetime and threads: the operator keeps a reference to the model (and through it to the
// dataset): the model must outlive it, and the data must not change. It computes in the
// model's workspaces, so, like the model, it must not be used from several threads at once,
// nor at the same time as its model or another operator of the same model.
#pragma once

#include <cstddef>
#include <span>

#include "descent/core/aligned_buffer.hpp"
#include "descent/model/model.hpp"
#include "descent/objective/linear_operator.hpp"
#include "layer_stack.hpp"

namespace descent::detail {

template <class T>
class ModelHessian final : public LinearOperator<T> {
 public:
  // x must have the model's dimension (checked by the caller).
  ModelHessian(const Model<T>& model, const LayerStack<T>& stack, const Dataset<T>& data, std::span<const T> x);

  std::size_t size() const override { return stack_.layout().size(); }
  // Throws MismatchError for spans of the wrong length, or an `out` that overlaps `v`.
  void apply(std::span<const T> v, std::span<T> out) const override;
  bool has_diagonal() const override { return true; }
  void diagonal(std::span<T> out) const override;

 private:
  const Model<T>& model_;
  const LayerStack<T>& stack_;
  const Dataset<T>& data_;
  AlignedBuffer<T> curvature_;  // curvature_width() values per row
  T scale_ = 0;                 // 1/n
};

// Whether two spans share an element.
template <class T>
bool overlap(std::span<const T> a, std::span<const T> b) {
  return !a.empty() && !b.empty() && a.data() < b.data() + b.size() && b.data() < a.data() + a.size();
}

}  // namespace descent::detail
