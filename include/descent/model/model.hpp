// The models people train: a finite sum f(x) = (1/n) sum_i f_i(x) over the rows of a
// Dataset, with the parameters x laid out in named blocks (ParameterLayout) so that
// layerwise methods see weight matrices and bias vectors.
//
// Model<T> is the common base of LeastSquares, LogisticRegression, SoftmaxRegression and
// Mlp: all four are one stack of affine layers with a loss head (see docs/models.md), so
// they share one implementation of the minibatch pass, per-sample gradients and their
// norms, evaluation on other datasets, and the input checks.
//
// Lifetime: a model keeps a reference to its dataset, which must outlive the model and must
// not be modified while the model is in use (labels are checked against the model when it
// is built, and again row by row as they are read). The Hessian operator hessian_at()
// returns keeps a reference to the model in turn: the model must outlive the operator.
//
// Threads: a model keeps its workspaces (activations, packing buffers) in mutable members,
// grown to the largest batch chunk seen and then reused, so that steady-state calls do not
// allocate. A model is therefore NOT safe to call from several threads at once; give each
// thread its own model (they may share the dataset). A Hessian operator computes in its
// model's workspaces: use it on the thread that uses the model, never at the same time as the
// model or another of its operators. Results do not depend on the number of
// OpenMP threads: every sum is taken in a fixed order, and every product is cut into panels
// fixed by its shape and run on OpenMP threads (see src/model/panel_gemm.hpp, and
// src/model/sequential_gemm.hpp for why Eigen's threaded GEMM is not used).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "descent/core/parameter_layout.hpp"
#include "descent/data/dataset.hpp"
#include "descent/objective/objective.hpp"

namespace descent {

namespace detail {
template <class T>
class LayerStack;
}  // namespace detail

// Loss and hits of a model over some rows of a dataset.
struct RowsEvaluation {
  double loss_sum = 0;      // sum of the per-sample data losses (the L2 term is not included)
  std::size_t correct = 0;  // rows whose predicted class equals their label (0 for regression)
};

template <class T>
class Model : public FiniteSum<T> {
 public:
  ~Model() override;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Number of parameters: layout().size().
  std::size_t dimension() const override;
  // Rows of the dataset.
  std::size_t num_samples() const override;

  // Mean over all rows, computed in fixed chunks without building an index list.
  T value(std::span<const T> x) const override;
  T value_and_gradient(std::span<const T> x, std::span<T> gradient) const override;
  // Mean of f_i over `batch` (indices < num_samples(), repeats count as often as they occur;
  // an empty batch has value 0 and gradient 0). f_i includes the L2 term, so the mean does too.
  T batch_value_and_gradient(std::span<const T> x, std::span<const std::size_t> batch,
                             std::span<T> gradient) const override;
  // Exact per-sample gradients (including the L2 term), one row of `out` per batch entry.
  void per_sample_gradients(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> out) const override;
  // Exact norms of the per-sample gradients without forming them: for each affine layer
  // the gradient is an outer product delta a^T (+ lambda W), whose squared norm is
  // |delta|^2 |a|^2 (+ 2 lambda delta.(W a) + lambda^2 |W|^2), see docs/models.md.
  void per_sample_gradient_norms(std::span<const T> x, std::span<const std::size_t> batch,
                                 std::span<T> norms) const override;

  // Ghost clipping (DP-SGD, objective.hpp): the sum of the batch's clipped data-loss gradients
  // (the L2 term is left out of what is clipped; add_unclipped_gradient adds lambda (W, 0)) in
  // one forward and backward pass per chunk, at about the cost of batch_value_and_gradient:
  // each sample's gradient of layer l is d a^T (and d for the bias), whose norm is
  // |d| sqrt(|a|^2 + 1) from values the pass already has, and clipping it is scaling that
  // sample's row of the layer's deltas before they are summed into the gradient. Per-group
  // clipping clips each layer (its weight and bias) to C / sqrt(layers). Returns f_B(x), the
  // batch's mean value including the L2 term, like batch_value_and_gradient.
  T clipped_gradient_sum(std::span<const T> x, std::span<const std::size_t> batch, const GradientClipping& clipping,
                         std::span<T> out) const override;
  // out += lambda (W, 0): the L2 term's gradient, for every model (0 without L2).
  void add_unclipped_gradient(std::span<const T> x, std::span<T> out) const override;
  // One group per affine layer: its weight and its bias.
  std::vector<std::size_t> parameter_groups() const override;

  // Exact Hessian-vector products, for the single-layer models: least squares, logistic and
  // softmax regression (and an Mlp without hidden layers, which is softmax regression). An
  // MLP with hidden layers has none yet: false, and the two functions below throw
  // MismatchError. With u_i the row (and 1 for the bias) and H_i the loss's second derivative
  // in the scores (1; sigma(z)(1 - sigma(z)); diag(p) - p p^T for softmax):
  //   H v = (1/n) sum_i (H_i (V u_i)) u_i^T + lambda (V, 0)
  // computed in one pass over the data (docs/models.md). `out` must not overlap x or v
  // (MismatchError).
  bool has_hessian_vector() const override;
  void hessian_vector(std::span<const T> x, std::span<const T> v, std::span<T> out) const override;
  // The Hessian at x as an operator: the per-sample curvatures at x are computed once (one
  // pass), then each apply is one pass, bitwise equal to hessian_vector(x, v); diagonal() is
  // the exact diagonal of H (one pass), for Jacobi preconditioning. The operator keeps a
  // reference to this model (see Lifetime above) and a copy of the curvatures (n values for
  // logistic regression, n K for softmax, none for least squares), not of x.
  LinearOperatorPtr<T> hessian_at(std::span<const T> x) const override;

  // Least squares and logistic regression are generalized-linear (objective.hpp): u_i is
  // the row (and 1 for the bias), s_i the derivative of the loss at the score, r(x) =
  // lambda (w, 0). Softmax regression and the MLP are not.
  bool is_generalized_linear() const override;
  T score_derivatives(std::span<const T> x, std::span<const std::size_t> batch, std::span<T> slopes) const override;
  void add_sample_vectors(std::span<const std::size_t> batch, std::span<const T> coefficients,
                          std::span<T> out) const override;
  void add_regularizer_gradient(std::span<const T> x, std::span<T> out) const override;

  // Every model accepts substitute labels (objective.hpp): the same pass as
  // batch_value_and_gradient, reading labels[k] for row batch[k] instead of the dataset's
  // label, checked like a dataset label (a finite target; 0/1 or -1/+1; a class index).
  bool accepts_label_override() const override { return true; }
  T batch_value_and_gradient_with_labels(std::span<const T> x, std::span<const std::size_t> batch,
                                         std::span<const T> labels, std::span<T> gradient) const override;
  // The dataset's labels; classes = 0 (least squares), 2 (logistic regression, with the
  // dataset's negative label 0 or -1) or K (softmax regression and the MLP, class indices).
  LabelSpace<T> label_space() const override;

  // The named blocks of x.
  const ParameterLayout& layout() const;
  const Dataset<T>& dataset() const noexcept { return data_; }
  // Scores per sample: 1 (least squares, logistic regression) or K (softmax regression, MLP).
  std::size_t num_outputs() const;
  // False for least squares, whose predictions are real values.
  bool is_classifier() const;

  // Evaluates the model on rows `rows` of any dataset `data` with the same number of
  // features (a test set, say): the summed data loss and the number of correct predictions.
  // Throws MismatchError for parameters of the wrong length, a dataset of another width, a
  // row out of range or a label the model cannot score. model/evaluate.hpp does whole
  // datasets.
  RowsEvaluation evaluate_rows(std::span<const T> x, const Dataset<T>& data, std::span<const std::size_t> rows) const;
  // One prediction per entry of `rows` (labels are not read): the fitted value (least
  // squares), the predicted label in the training labels' convention (logistic: 1, or 0 /
  // -1), or the class index with the highest score (softmax, MLP; the first on ties).
  void predict_rows(std::span<const T> x, const Dataset<T>& data, std::span<const std::size_t> rows,
                    std::span<T> predictions) const;
  // The raw scores behind predict_rows: num_outputs() values per entry of `rows`
  // (row-major): the fitted value, the logit z (P(positive) = sigmoid(z)), or the K
  // logits of the softmax.
  void score_rows(std::span<const T> x, const Dataset<T>& data, std::span<const std::size_t> rows,
                  std::span<T> scores) const;

 protected:
  Model(const Dataset<T>& data, std::unique_ptr<detail::LayerStack<T>> stack);
  const detail::LayerStack<T>& stack() const noexcept { return *stack_; }

 private:
  void check_parameters(std::span<const T> x) const;
  // Throws MismatchError naming `what` unless has_hessian_vector().
  void require_hessian(const char* what) const;
  void check_batch(std::span<const std::size_t> batch, std::size_t rows, const Dataset<T>& data) const;

  const Dataset<T>& data_;
  std::unique_ptr<detail::LayerStack<T>> stack_;
};

}  // namespace descent
