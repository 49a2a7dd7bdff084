// The engine behind every model: a stack of affine layers z_l = W_l a_{l-1} + b_l with an
// activation between them and a loss head on the last layer's scores. Least squares and
// logistic regression are one layer with one output, softmax regression one layer with K
// outputs, the MLP several layers (docs/models.md).
//
// A pass over rows runs in chunks of at most kChunkRows rows, so that the workspace stays
// bounded for a full pass over the dataset. In a chunk of m rows every layer's values are
// row-major m x width matrices, one row per sample, like the dataset's own rows:
//   forward    Z_l = 1 b_l^T + A_{l-1} W_l^T         (GEMM; W_l^T is W_l read column-major)
//              A_l = act(Z_l)
//   head       loss_i, D_{L-1} = scale * dloss/dZ_{L-1}
//   backward   D_{l-1} = (D_l W_l) .* act'(Z_{l-1})   (GEMM)
//              grad W_l += D_l^T A_{l-1}               (GEMM; D_l^T read column-major)
//              grad b_l += 1^T D_l                     (rows added in order)
// with A_{-1} the chunk's input rows. The first layer reads the input with a GEMM when the
// data are dense and the layer has at least kMinGemmOutputs outputs (taking the dataset's
// rows in place when the chunk is a range, else gathering them into a buffer); otherwise
// (sparse data, or one or a few outputs) it works row by row: a dot product per output,
// which for a single output is faster than packing the rows for a GEMM.
//
// Threads without nondeterminism: chunks are fixed by the row count, and every sum runs in a
// fixed order. Products are cut into panels fixed by their shapes, each computed by the
// sequential kernel over the full depth, and run on OpenMP threads (panel_gemm.hpp).
// Elementwise work (activations and their derivatives, the gather of a minibatch's rows) and
// per-sample work (the loss head, per-sample gradients and their norms) run in tiles fixed by
// the sizes (fixed_tiles.hpp); the head keeps one loss per row and adds them in row order.
// Threads start only when the work pays for them, which never changes how it is cut: results
// do not depend on the thread count.
//
// Single-layer stacks whose input is read row by row (least squares and logistic regression,
// softmax regression on sparse data or with few classes) make their full passes differently:
// one pass over the rows cut into stripes (row_stripes.hpp), each row's scores, head and
// contribution to the gradient computed while the row is in L1, the stripes on threads and
// their partial sums added in stripe order. The same passes give these stacks' exact
// Hessian-vector products and Hessian diagonals (docs/models.md), where a dense softmax with
// many classes uses the chunked GEMMs instead.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/parameter_layout.hpp"
#include "descent/data/dataset.hpp"
#include "descent/model/activation.hpp"
#include "descent/model/model.hpp"
#include "panel_gemm.hpp"
#include "row_set.hpp"
#include "row_stripes.hpp"

namespace descent::detail {

enum class Head {
  squared_error,          // 1 output z: 1/2 (z - y)^2
  logistic,               // 1 output z: log(1 + exp(-s z)), s = +1 for y = 1, -1 for y = 0 or -1
  softmax_cross_entropy,  // K outputs z: logsumexp(z) - z_y
};

template <class T>
struct StackConfig {
  std::string model;                      // names the model in error messages
  std::size_t inputs = 0;                 // d
  std::vector<std::size_t> widths;        // outputs of each layer; the last is the model's
  std::vector<std::string> weight_names;  // one per layer
  std::vector<std::string> bias_names;    // one per layer (unused without bias)
  // Single-output models store their weight as a vector {d} and their bias as a scalar {}
  // instead of a {1, d} matrix and a {1} vector (same memory, simpler to read).
  bool vector_shapes = false;
  bool bias = true;
  Activation activation = Activation::relu;
  double l2 = 0;
  Head head = Head::softmax_cross_entropy;
  T negative_label = 0;  // logistic: the prediction for z <= 0
};

template <class T>
class LayerStack {
 public:
  // Rows per chunk: large enough for efficient GEMMs, small enough that a chunk's
  // activations stay in cache for moderate widths.
  static constexpr std::size_t kChunkRows = 256;
  // A first layer with fewer outputs than this works row by row (see above).
  static constexpr std::size_t kMinGemmOutputs = 8;

  explicit LayerStack(StackConfig<T> config);

  const StackConfig<T>& config() const noexcept { return config_; }
  const ParameterLayout& layout() const noexcept { return layout_; }
  std::size_t num_outputs() const noexcept { return config_.widths.back(); }

  // Sum over `rows` of the data losses; when `gradient` is not null it is overwritten with
  // scale * the sum of their gradients (without the L2 term).
  double loss(const T* x, const Dataset<T>& data, RowSet rows, T scale, T* gradient) const;
  // loss() with labels[k] read for row rows[k] instead of the dataset's label (label noise;
  // null: the dataset's labels, which is what loss() passes),
  // every label checked first (MismatchError naming k). Bitwise equal to loss() on a copy of
  // the data with those labels written in: the same chunks, the same head, the same order.
  double loss_with_labels(const T* x, const Dataset<T>& data, RowSet rows, const T* labels, T scale, T* gradient) const;
  // lambda/2 sum_l |W_l|^2, in double.
  double penalty(const T* x) const;
  // gradient += lambda W_l on every weight block.
  void add_penalty_gradient(const T* x, T* gradient) const;

  // Ghost clipping (DP-SGD): gradient = sum_k clip(grad loss_{rows[k]}), the gradients of the data
  // losses only (no L2 term), each clipped to norm clip_norm (per_layer: each layer's
  // weight and bias to clip_norm / sqrt(layers), see GradientClipping in objective.hpp);
  // returns the rows' summed data loss. One forward and backward pass, as loss() makes:
  // sample k's gradient of layer l is the outer product d_{l,k} (a_{l-1,k}, 1)^T, whose norm
  // the deltas and layer inputs give exactly (|d|^2 (|a|^2 + 1), as per_sample_gradient_norms),
  // and scaling row k of D_l by a factor scales exactly that sample's gradient of layer l.
  // So each row's deltas are scaled by min(1, C / norm) after the backward pass and the
  // gradient is accumulated as loss() accumulates it: with C above every norm the result
  // has the bits of loss() with scale 1. Stacks whose full passes are striped (see the top
  // of this file) clip each row's coefficients inside the striped pass instead. The first
  // call for a dataset computes |a_i|^2 of all its rows once (input_squared_norms).
  double clipped_loss_gradient(const T* x, const Dataset<T>& data, RowSet rows, double clip_norm, bool per_layer,
                               T* gradient) const;
  // Where each layer's parameters begin (its weight, then its bias), followed by the size.
  std::vector<std::size_t> layer_bounds() const;

  // Row k of `out` (rows.count x dimension) = grad f_{rows[k]}, L2 term included.
  void per_sample_gradients(const T* x, const Dataset<T>& data, RowSet rows, T* out) const;
  // norms[k] = |grad f_{rows[k]}|, without forming the gradients.
  void per_sample_gradient_norms(const T* x, const Dataset<T>& data, RowSet rows, T* norms) const;

  // Single-output, single-layer stacks (least squares, logistic regression) only: out[k] =
  // dloss/dz at z = w . a_{rows[k]} + b, the scalar that scales the sample's gradient;
  // returns the rows' summed data loss.
  double score_derivatives(const T* x, const Dataset<T>& data, RowSet rows, T* out) const;
  // Same stacks: gradient += sum_k coefficients[k] (a_{rows[k]}, 1), in row order.
  void add_weighted_rows(const Dataset<T>& data, RowSet rows, const T* coefficients, T* gradient) const;
  bool is_single_linear_output() const noexcept { return layers_.size() == 1 && layers_[0].out == 1; }

  // Exact second derivatives, for single-layer stacks (least squares, logistic and softmax
  // regression). With u_k the input row of rows[k] (and 1 for the bias), H_k the second
  // derivative of its loss in its scores, and the rows' curvature (what H_k depends on):
  bool is_single_layer() const noexcept { return layers_.size() == 1; }
  // Values per row the curvature takes: 0 (squared error: H_k = 1 whatever x is), 1
  // (logistic: sigma(z)(1 - sigma(z))) or K (softmax: p = softmax(z), H_k = diag(p) - p p^T).
  std::size_t curvature_width() const noexcept;
  // out[k * width ...] = the curvature of row rows[k] at x.
  void curvatures(const T* x, const Dataset<T>& data, RowSet rows, T* out) const;
  // out = scale sum_k (H_k (V u_k)) u_k^T + lambda (V, 0) in the parameters' layout: the
  // Hessian times v. With x not null the curvatures are computed from x as the rows pass;
  // else they are read from `curvature` (curvatures() of the same rows), with the same bits.
  // `out` must not overlap x, v or curvature.
  void hessian_product(const T* x, const T* curvature, const Dataset<T>& data, RowSet rows, T scale, const T* v,
                       T* out) const;
  // out = the diagonal of the same matrix: scale sum_k diag(H_k) (u_k .* u_k)^T + lambda (1, 0).
  void hessian_diagonal(const T* curvature, const Dataset<T>& data, RowSet rows, T scale, T* out) const;

  // Data loss sum and correct predictions over `rows`.
  RowsEvaluation evaluate(const T* x, const Dataset<T>& data, RowSet rows) const;
  // One prediction per row (labels are not read).
  void predict(const T* x, const Dataset<T>& data, RowSet rows, T* predictions) const;
  // The last layer's outputs z (rows.count x num_outputs, row-major) from the same forward
  // pass that predict() decides on.
  void scores(const T* x, const Dataset<T>& data, RowSet rows, T* out) const;

 private:
  struct Layer {
    std::size_t in = 0, out = 0;
    std::size_t weight = 0;  // offset of W (out x in, row-major)
    std::size_t bias = 0;    // offset of b (valid when config_.bias)
  };

  // Per-chunk buffers, grown to the largest chunk seen and then reused.
  struct Workspace {
    std::size_t rows = 0;                 // capacity in rows
    std::vector<AlignedBuffer<T>> pre;    // Z_l, rows x out_l
    std::vector<AlignedBuffer<T>> post;   // A_l = act(Z_l), hidden layers only
    std::vector<AlignedBuffer<T>> delta;  // D_l = dloss/dZ_l (scaled)
    AlignedBuffer<T> gathered;            // input rows of a non-range chunk, rows x d
    const T* input = nullptr;             // the chunk's input for a GEMM first layer
    std::vector<double> weight_squares;   // |W_l|^2, for per-sample norms with L2
    std::vector<double> row_loss;         // the head's loss per row, added in row order
    std::vector<unsigned char> row_hit;   // the head's correct predictions per row
    std::vector<double> pass_loss;        // striped passes: the loss of every row of the pass
    AlignedBuffer<T> chunk_curvature;     // hessian_product on the GEMM path: the chunk's curvatures
    std::vector<double> input_squares;    // ghost clipping: |a_i|^2 of every row of input_squares_of
    const Dataset<T>* input_squares_of = nullptr;
    StripeBuffers<T> stripes;
    PanelGemm<T> gemm;
  };

  void reserve(std::size_t rows) const;
  bool gemm_input(const Dataset<T>& data) const;
  // Fills Z_l (and A_l) for the chunk.
  void forward(const T* x, const Dataset<T>& data, RowSet chunk) const;
  // The rows in chunks of at most kChunkRows (what the workspace holds): forward() on each,
  // then each(chunk, begin) with the chunk's first index in `rows`. Nothing for no rows.
  template <class Each>
  void for_each_forward_chunk(const T* x, const Dataset<T>& data, RowSet rows, Each&& each) const;
  // Loss sum over the chunk (labels checked first); writes D_{L-1} = scale dloss/dz when
  // want_delta, and counts correct predictions when `correct` is not null.
  // `substitute` (when not null) holds the chunk's labels in place of the dataset's, already checked.
  double head(const Dataset<T>& data, RowSet chunk, bool want_delta, T scale, std::size_t* correct,
              const T* substitute = nullptr) const;
  // Whether full passes go through striped_pass (see the top of this file).
  bool striped_input(const Dataset<T>& data) const { return is_single_layer() && !gemm_input(data); }
  // One pass over `rows` for a single-layer stack reading its input row by row. For entry k
  // (row i = rows[k], input u = (a_i, 1)): z = W a_i + b from parameters `first` and s = V a_i
  // + v_b from `second` (each skipped when null), then row(k, z, s, q) writes the row's K
  // coefficients q (z and s may be overwritten), and out += q u^T (q (a_i .* a_i, 1)^T when
  // `squared`) in the parameters' layout. Rows run in stripes (row_stripes.hpp); out = 0
  // first, null for a pass that only computes per-row values. `row` must not throw.
  template <class Row>
  void striped_pass(const Dataset<T>& data, RowSet rows, const T* first, const T* second, bool squared, const Row& row,
                    T* out) const;
  // loss_with_labels() as a striped pass, labels already checked: the same per-row losses,
  // added in the chunks of for_each_forward_chunk, so that the sum has the same bits as a
  // pass without the gradient (value()) and as evaluate().
  double summed_pass_losses(std::size_t count) const;
  double striped_loss(const T* x, const Dataset<T>& data, RowSet rows, const T* labels, T scale, T* gradient) const;
  // The curvature of one row from its scores z (in place allowed: c may be z).
  void row_curvature(const T* z, T* c) const;
  // q = scale H s for one row: H from its curvature c (unused for squared error).
  void curvature_product(const T* c, const T* s, T scale, T* q) const;
  // q = scale diag(H) for one row.
  void curvature_diagonal(const T* c, T scale, T* q) const;
  // Why the head cannot read label y ("is not a binary label ..."), or "" when it can.
  std::string label_problem(double y) const;
  // Throws MismatchError naming the first row of the chunk whose label the head cannot read.
  void check_labels(const Dataset<T>& data, RowSet chunk) const;
  // Row k of the chunk, label y (checked): returns its loss, writes its delta when want_delta
  // and whether its prediction is right to *hit. Touches row k only.
  double head_row(double y, std::size_t k, bool want_delta, T scale, bool* hit) const;
  // The same for one row's scores z (num_outputs() values), writing its delta to `delta`.
  double head_scores(double y, const T* z, bool want_delta, T scale, T* delta, bool* hit) const;
  // Throws MismatchError naming the first substitute label (labels[k] for entry k of `rows`,
  // entry first + k of the whole batch) that the head cannot read.
  void check_substitute_labels(const Dataset<T>& data, RowSet rows, const T* labels, std::size_t first) const;
  // head() for the chunk's substitute labels (chunk_labels[k] for row k of the chunk; entry
  // `first` of the whole batch), checked first.
  double head_with_labels(const Dataset<T>& data, RowSet chunk, const T* chunk_labels, std::size_t first,
                          bool want_delta, T scale) const;
  // |a_i|^2 of every row of `data` (summed in double, in order), computed on the first call for
  // this dataset and kept: ghost clipping needs it for every row of every batch, and it is a
  // property of the data alone (which must not change while the model is in use, model.hpp).
  const double* input_squared_norms(const Dataset<T>& data) const;
  // Ghost clipping of a chunk after backpropagate(): row k of every D_l scaled by
  // min(1, limit / |grad loss_k|) (flat) or row k of each D_l by min(1, limit / |grad_l loss_k|).
  void clip_deltas(const Dataset<T>& data, RowSet chunk, double limit, bool per_layer) const;
  // D_{l-1} from D_l, for every layer.
  void backpropagate(const T* x, std::size_t m) const;
  // gradient += D_l^T A_{l-1}, 1^T D_l for every layer.
  void accumulate_gradient(const Dataset<T>& data, RowSet chunk, T* gradient) const;
  // A_{l-1} of the chunk as a row-major matrix (l >= 1, or l = 0 on the GEMM path).
  const T* layer_input(std::size_t l) const;
  std::size_t layer_input_stride(std::size_t l) const;

  StackConfig<T> config_;
  ParameterLayout layout_;
  std::vector<Layer> layers_;
  T l2_ = 0;
  mutable Workspace ws_;
};

}  // namespace descent::detail
