// What is minimized. Three interfaces, from least to most structure:
//   Function<T>        value at x (zeroth-order methods need no more);
//   Differentiable<T>  value and gradient, optionally Hessian-vector products;
//   FiniteSum<T>       f(x) = (1/n) sum_i f_i(x): minibatch value and gradient, and
//                      per-sample gradients (DP-SGD) or their norms (importance sampling).
// They are runtime interfaces so that the CLI and spec strings can combine any
// objective with any estimator; the cost is one virtual call per evaluation, which is
// negligible next to an evaluation.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/objective/linear_operator.hpp"

namespace descent {

// A known minimizer and minimum, for tests and for suboptimality in logs.
template <class T>
struct KnownMinimum {
  std::vector<T> x;
  T value;
};

// The labels of a finite sum's samples and what they are, for objectives that accept
// substitute labels (FiniteSum::label_space): label noise perturbs `labels` within it.
template <class T>
struct LabelSpace {
  std::span<const T> labels;  // one per sample, in sample order
  // 0: real-valued targets (regression). K >= 3: class indices 0..K-1. 2: binary labels
  // {negative_label, 1}, with negative_label 0 or -1 (the data's own convention).
  std::size_t classes = 0;
  T negative_label = 0;
};

// How FiniteSum::clipped_gradient_sum bounds each sample's gradient (DP-SGD, Abadi et al. 2016).
struct GradientClipping {
  // C > 0 and finite: after clipping every sample's gradient has norm <= C.
  double norm = 1;
  // false (flat): g_i <- g_i min(1, C / |g_i|), one norm over all parameters.
  // true (per group): with G parameter groups (FiniteSum::parameter_groups: a model's layers),
  // each group's part g_i^(l) <- g_i^(l) min(1, (C / sqrt G) / |g_i^(l)|), so that
  // |g_i|^2 = sum_l |g_i^(l)|^2 <= G C^2 / G = C^2: the whole gradient stays within C.
  bool per_group = false;
};

// Throws ConfigError "GradientClipping::norm = <value> violates norm > 0" unless norm is > 0 and finite.
void validate(const GradientClipping& clipping);

template <class T>
class Function {
 public:
  virtual ~Function() = default;
  virtual std::string name() const = 0;
  virtual std::size_t dimension() const = 0;
  virtual T value(std::span<const T> x) const = 0;
  virtual std::optional<KnownMinimum<T>> known_minimum() const { return std::nullopt; }
};

template <class T>
class Differentiable : public Function<T> {
 public:
  // Writes the gradient at x into `gradient` and returns the value.
  virtual T value_and_gradient(std::span<const T> x, std::span<T> gradient) const = 0;

  // Hessian-vector product H(x) v, for objectives that provide it exactly.
  virtual bool has_hessian_vector() const { return false; }
  // Throws MismatchError unless has_hessian_vector().
  virtual void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const;
  // The Hessian at x as an operator, for methods that multiply by it many times (Newton-CG,
  // Lanczos). The default keeps a copy of x and calls hessian_vector per product; objectives
  // override it to cache what the products share (the models' per-sample curvatures), and
  // may provide the diagonal. Throws MismatchError unless has_hessian_vector().
  virtual LinearOperatorPtr<T> hessian_at(std::span<const T> x) const;

  // The Gauss-Newton matrix at x as an operator, for objectives that are a loss of an inner
  // map whose curvature it leaves out: 2 J^T J for sums of squares (sum_of_squares.hpp). For a
  // loss of a linear score (is_generalized_linear finite sums: least squares, logistic
  // regression) the dropped term is zero and FiniteSum returns the Hessian. Throws
  // MismatchError unless has_gauss_newton().
  virtual bool has_gauss_newton() const { return false; }
  virtual LinearOperatorPtr<T> gauss_newton_at(std::span<const T> x) const;

  // A Lipschitz constant of the gradient (smoothness L) where one is known, for step
  // sizes 1/L in tests and for methods that need it.
  virtual std::optional<T> smoothness() const { return std::nullopt; }
};

template <class T>
class FiniteSum : public Differentiable<T> {
 public:
  virtual std::size_t num_samples() const = 0;

  // Mean over `batch` of f_i and its gradient (indices may repeat; an empty batch has
  // value 0 and gradient 0).
  virtual T batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                                     std::span<T> gradient) const = 0;

  // Row k of `out` (|batch| x dimension, row-major) receives grad f_{batch[k]}(x).
  // The default calls batch_value_and_gradient once per sample.
  virtual void per_sample_gradients(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> out) const;

  // norms[k] = ||grad f_{batch[k]}(x)||. The default computes the gradients one by one.
  virtual void per_sample_gradient_norms(std::span<const T> x, std::span<const std::size_t> batch,
                                         std::span<T> norms) const;

  // Generalized-linear structure (least squares and logistic regression have it):
  //   grad f_i(x) = s_i(x) u_i + r(x)
  // with u_i a fixed vector per sample (its feature row, and 1 in the bias slot), s_i(x)
  // the derivative of sample i's loss with respect to its score u_i . x, and r(x) the
  // regularizer's gradient, the same for every sample. Variance-reduced methods use it to
  // keep one scalar per sample (SAGA's table) instead of a whole gradient. The three
  // functions below throw MismatchError unless is_generalized_linear().
  virtual bool is_generalized_linear() const { return false; }
  // slopes[k] = s_{batch[k]}(x); returns f_B(x), the batch's mean value (regularizer included).
  virtual T score_derivatives(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> slopes) const;
  // out += sum_k coefficients[k] u_{batch[k]}, in batch order.
  virtual void add_sample_vectors(std::span<const std::size_t> batch, std::span<const T> coefficients,
                                  std::span<T> out) const;
  // out += r(x).
  virtual void add_regularizer_gradient(std::span<const T> x, std::span<T> out) const;

  // Per-sample clipping (DP-SGD). With f_i = loss_i + r, where r is the part of every f_i that
  // does not depend on the sample (the regularizer), writes
  //   out = sum_{k in batch, in order} clip(grad loss_{batch[k]}(x))
  // (clipping as GradientClipping describes; repeats count as often as they occur; an empty
  // batch gives 0) and returns f_B(x), the batch's mean value with the regularizer included, as
  // batch_value_and_gradient returns it (0 for an empty batch). The regularizer is left out
  // of what is clipped: its gradient is added by add_unclipped_gradient, outside the clipping.
  // The default materializes each sample's gradient with batch_value_and_gradient on that
  // sample alone, takes out grad r(x) for generalized-linear objectives (the only ones whose
  // regularizer it can see; every other objective has its whole grad f_i clipped, and
  // add_unclipped_gradient adds nothing), clips it and adds it to `out` in batch order.
  // Models override it with one forward and backward pass (ghost clipping, model.hpp).
  // Throws ConfigError for a clipping norm that is not > 0 and finite.
  virtual T clipped_gradient_sum(std::span<const T> x, std::span<const std::size_t> batch,
                                 const GradientClipping& clipping, std::span<T> out) const;
  // out += the gradient of what clipped_gradient_sum leaves out: grad r(x) (see above); the
  // default adds add_regularizer_gradient for generalized-linear objectives, nothing otherwise.
  virtual void add_unclipped_gradient(std::span<const T> x, std::span<T> out) const;
  // Where the parameter groups of per-group clipping begin, followed by dimension(): group g
  // is [bounds[g], bounds[g + 1]). The default is one group, the whole vector; models have one
  // group per affine layer (its weight and bias).
  virtual std::vector<std::size_t> parameter_groups() const;

  // Substitute labels (label-noise SGD, estimator/label_noise.hpp): objectives whose samples
  // carry a label (the models over a Dataset) may evaluate a batch as if the label of
  // sample batch[k] were labels[k], without touching the data. The result must equal, bit
  // for bit, batch_value_and_gradient on a copy of the data with those labels written in.
  // labels.size() must equal batch.size(); a label the objective cannot score is a
  // MismatchError naming its index k. The default throws MismatchError unless
  // accepts_label_override().
  virtual bool accepts_label_override() const { return false; }
  virtual T batch_value_and_gradient_with_labels(std::span<const T> x, std::span<const std::size_t> batch,
                                                 std::span<const T> labels, std::span<T> gradient) const;
  // The labels that the override replaces; throws MismatchError unless accepts_label_override().
  virtual LabelSpace<T> label_space() const;

  // Generalized-linear objectives with Hessian products: their Gauss-Newton matrix is the Hessian.
  bool has_gauss_newton() const override { return is_generalized_linear() && this->has_hessian_vector(); }
  LinearOperatorPtr<T> gauss_newton_at(std::span<const T> x) const override;

  // Full gradient: the mean over all n samples.
  T value(std::span<const T> x) const override;
  T value_and_gradient(std::span<const T> x, std::span<T> gradient) const override;
};

}  // namespace descent
