#include "layer_stack.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "descent/core/error.hpp"
#include "fixed_tiles.hpp"
#include "input_rows.hpp"
#include "label_checks.hpp"
#include "work_costs.hpp"

namespace descent::detail {

namespace {

template <class T>
using VectorMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstVectorMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;

// Phi(z) = P(N(0,1) <= z). erfc keeps full relative accuracy for z << 0, where 1 + erf(z/sqrt 2)
// would cancel.
template <class T>
T normal_cdf(T z) {
  return T(0.5) * std::erfc(-z * T(std::numbers::sqrt2 / 2));
}

// phi(z) = exp(-z^2 / 2) / sqrt(2 pi).
template <class T>
T normal_pdf(T z) {
  return T(std::numbers::inv_sqrtpi / std::numbers::sqrt2) * std::exp(T(-0.5) * z * z);
}

// a = act(z) over n values.
template <class T>
void activate(Activation f, const T* z, T* a, std::size_t n) {
  switch (f) {
    case Activation::relu:
      for (std::size_t i = 0; i < n; ++i) a[i] = z[i] > T(0) ? z[i] : T(0);
      return;
    case Activation::tanh:
      // Eigen's tanh is vectorized (a rational approximation accurate to a few ulp in float).
      VectorMap<T>(a, static_cast<Eigen::Index>(n)) = ConstVectorMap<T>(z, static_cast<Eigen::Index>(n)).array().tanh();
      return;
    case Activation::gelu:
      for (std::size_t i = 0; i < n; ++i) a[i] = z[i] * normal_cdf(z[i]);
      return;
  }
}

// d *= act'(z) over n values, given a = act(z).
template <class T>
void multiply_by_derivative(Activation f, const T* z, const T* a, T* d, std::size_t n) {
  switch (f) {
    case Activation::relu:
      for (std::size_t i = 0; i < n; ++i) d[i] = z[i] > T(0) ? d[i] : T(0);
      return;
    case Activation::tanh:
      for (std::size_t i = 0; i < n; ++i) d[i] *= T(1) - a[i] * a[i];
      return;
    case Activation::gelu:
      for (std::size_t i = 0; i < n; ++i) d[i] *= normal_cdf(z[i]) + z[i] * normal_pdf(z[i]);
      return;
  }
}

// The logistic loss log(1 + e^t) and its slope sigma(t) = 1 / (1 + e^-t), both through
// e = e^-|t| only (one exponential, never of a positive argument):
// log(1 + e^t) = max(t, 0) + log1p(e), sigma(t) = 1 / (1 + e) for t >= 0, e / (1 + e) else.
double softplus_of(double t, double e) { return std::max(t, 0.0) + std::log1p(e); }
double sigmoid_of(double t, double e) { return t >= 0 ? 1 / (1 + e) : e / (1 + e); }

// Index of the largest of n scores (the first on ties).
template <class T>
std::size_t argmax(const T* z, std::size_t n) {
  std::size_t best = 0;
  for (std::size_t j = 1; j < n; ++j)
    if (z[j] > z[best]) best = j;
  return best;
}

// sigma(z) (1 - sigma(z)) = e / (1 + e)^2 with e = e^-|z| (the curvature is even in z): no
// cancellation and no overflow, full relative accuracy even where it underflows towards 0.
template <class T>
T logistic_curvature(T z) {
  const double e = std::exp(-std::abs(static_cast<double>(z)));
  return static_cast<T>(e / ((1 + e) * (1 + e)));
}

// p = softmax(z) over n scores, shifted by the largest as in the head; p may be z.
template <class T>
void softmax_probabilities(const T* z, std::size_t n, T* p) {
  const T top = z[argmax(z, n)];
  double total = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const T e = std::exp(z[j] - top);
    total += static_cast<double>(e);
    p[j] = e;
  }
  const T inv_total = static_cast<T>(1 / total);
  for (std::size_t j = 0; j < n; ++j) p[j] *= inv_total;
}

template <class T>
double squared_sum(const T* v, std::size_t n) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]) * static_cast<double>(v[i]);
  return sum;
}

template <class T>
void grow(AlignedBuffer<T>& buffer, std::size_t size) {
  if (buffer.size() < size) buffer = AlignedBuffer<T>(size);
}

// sum_i v_i^2 in double with four partial sums (element i into sum i mod 4, the four added at
// the end): the order is fixed by n alone, and the additions no longer wait on each other,
// which an in-order sum over a hidden layer's few hundred values per row would (ghost
// clipping takes two such sums per layer and row).
template <class T>
double squared_sum_in_lanes(const T* v, std::size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += static_cast<double>(v[i]) * static_cast<double>(v[i]);
    s1 += static_cast<double>(v[i + 1]) * static_cast<double>(v[i + 1]);
    s2 += static_cast<double>(v[i + 2]) * static_cast<double>(v[i + 2]);
    s3 += static_cast<double>(v[i + 3]) * static_cast<double>(v[i + 3]);
  }
  for (; i < n; ++i) s0 += static_cast<double>(v[i]) * static_cast<double>(v[i]);
  return (s0 + s1) + (s2 + s3);
}

// Scales v (n values) by min(1, limit / sqrt(squares)), where squares is the squared norm of
// the gradient v stands for. Inside the ball nothing is multiplied, so an unclipped row keeps
// its bits; a NaN norm is not inside (the gradient then carries the NaN on).
template <class T>
void clip_row(T* v, std::size_t n, double squares, double limit) {
  const double norm = std::sqrt(std::max(squares, 0.0));
  if (norm <= limit) return;
  const T factor = static_cast<T>(limit / norm);
  for (std::size_t i = 0; i < n; ++i) v[i] *= factor;
}

// Elements per tile of elementwise work: 16 KiB of floats, a multiple of every vector width.
constexpr std::size_t kElementTile = 4096;
// Rows per tile of per-sample work.
constexpr std::size_t kRowTile = 8;

// activate / multiply_by_derivative over n values in fixed tiles, on threads when it pays.
template <class T>
void activate_tiled(Activation f, const T* z, T* a, std::size_t n) {
  for_each_tile(n, kElementTile, worth_threads(static_cast<double>(n) * activation_ns(f)),
                [&](std::size_t begin, std::size_t end) { activate(f, z + begin, a + begin, end - begin); });
}
template <class T>
void multiply_by_derivative_tiled(Activation f, const T* z, const T* a, T* d, std::size_t n) {
  for_each_tile(n, kElementTile, worth_threads(static_cast<double>(n) * derivative_ns(f)),
                [&](std::size_t begin, std::size_t end) {
                  multiply_by_derivative(f, z + begin, a + begin, d + begin, end - begin);
                });
}

}  // namespace

template <class T>
LayerStack<T>::LayerStack(StackConfig<T> config) : config_(std::move(config)), l2_(static_cast<T>(config_.l2)) {
  std::size_t in = config_.inputs;
  for (std::size_t l = 0; l < config_.widths.size(); ++l) {
    Layer layer;
    layer.in = in;
    layer.out = config_.widths[l];
    const bool as_vector = config_.vector_shapes && layer.out == 1;
    const std::size_t w =
        layout_.add(config_.weight_names[l],
                    as_vector ? std::vector<std::size_t>{layer.in} : std::vector<std::size_t>{layer.out, layer.in});
    layer.weight = layout_.blocks()[w].offset;
    if (config_.bias) {
      const std::size_t b = layout_.add(config_.bias_names[l],
                                        as_vector ? std::vector<std::size_t>{} : std::vector<std::size_t>{layer.out});
      layer.bias = layout_.blocks()[b].offset;
    }
    layers_.push_back(layer);
    in = layer.out;
  }
  ws_.pre.resize(layers_.size());
  ws_.post.resize(layers_.size());
  ws_.delta.resize(layers_.size());
  ws_.weight_squares.resize(layers_.size());
}

template <class T>
template <class Each>
void LayerStack<T>::for_each_forward_chunk(const T* x, const Dataset<T>& data, RowSet rows, Each&& each) const {
  if (rows.count == 0) return;
  reserve(std::min(rows.count, kChunkRows));
  for (std::size_t begin = 0; begin < rows.count; begin += kChunkRows) {
    const RowSet chunk = rows.slice(begin, std::min(kChunkRows, rows.count - begin));
    forward(x, data, chunk);
    each(chunk, begin);
  }
}

template <class T>
void LayerStack<T>::reserve(std::size_t rows) const {
  if (rows <= ws_.rows) return;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    ws_.pre[l] = AlignedBuffer<T>(rows * layers_[l].out);
    ws_.delta[l] = AlignedBuffer<T>(rows * layers_[l].out);
    if (l + 1 < layers_.size()) ws_.post[l] = AlignedBuffer<T>(rows * layers_[l].out);
  }
  ws_.row_loss.resize(rows);
  ws_.row_hit.resize(rows);
  ws_.rows = rows;
}

template <class T>
bool LayerStack<T>::gemm_input(const Dataset<T>& data) const {
  return !data.is_sparse() && layers_.front().out >= kMinGemmOutputs;
}

template <class T>
const T* LayerStack<T>::layer_input(std::size_t l) const {
  return l == 0 ? ws_.input : ws_.post[l - 1].data();
}

template <class T>
std::size_t LayerStack<T>::layer_input_stride(std::size_t l) const {
  return l == 0 ? config_.inputs : layers_[l - 1].out;
}

template <class T>
void LayerStack<T>::forward(const T* x, const Dataset<T>& data, RowSet chunk) const {
  const std::size_t m = chunk.count;
  const std::size_t d = config_.inputs;
  const bool gemm0 = gemm_input(data);
  if (gemm0) {
    const T* values = data.dense().values.data();
    if (chunk.is_range()) {
      ws_.input = values + chunk.first * d;
    } else {
      grow(ws_.gathered, ws_.rows * d);
      T* gathered = ws_.gathered.data();
      for_each_tile(m, kRowTile, worth_threads(static_cast<double>(m * d) * kCopyNs),
                    [&](std::size_t begin, std::size_t end) {
                      for (std::size_t k = begin; k < end; ++k) std::copy_n(values + chunk[k] * d, d, gathered + k * d);
                    });
      ws_.input = gathered;
    }
  }
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    const T* w = x + layer.weight;
    T* z = ws_.pre[l].data();
    if (config_.bias) {
      for (std::size_t k = 0; k < m; ++k) std::copy_n(x + layer.bias, layer.out, z + k * layer.out);
    } else {
      std::fill_n(z, m * layer.out, T(0));
    }
    if (l == 0 && !gemm0) {
      // One dot product per row and output: rows are independent, so any tiling gives the same bits.
      const InputRows<T> input(data);
      const double row_ns = static_cast<double>(layer.out) * input_dot_ns(data);
      for_each_tile(m, kRowTile, worth_threads(static_cast<double>(m) * row_ns),
                    [&](std::size_t begin, std::size_t end) {
                      for (std::size_t k = begin; k < end; ++k) {
                        const std::size_t i = chunk[k];
                        for (std::size_t o = 0; o < layer.out; ++o)
                          z[k * layer.out + o] += input.dot(i, w + o * layer.in);
                      }
                    });
    } else {
      // Z (m x out) += A (m x in, row-major) W^T (in x out: W row-major read column-major).
      ws_.gemm.template accumulate<row_major, col_major>(
          static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(layer.out), static_cast<Eigen::Index>(layer.in),
          layer_input(l), static_cast<Eigen::Index>(layer_input_stride(l)), w, static_cast<Eigen::Index>(layer.in), z,
          static_cast<Eigen::Index>(layer.out), T(1));
    }
    if (l + 1 < layers_.size()) activate_tiled(config_.activation, z, ws_.post[l].data(), m * layer.out);
  }
}

template <class T>
std::string LayerStack<T>::label_problem(double y) const {
  switch (config_.head) {
    case Head::squared_error:
      return std::isfinite(y) ? "" : "is not a finite target";
    case Head::logistic:
      return is_binary_label(y) ? "" : "is not a binary label (0/1 or -1/+1)";
    case Head::softmax_cross_entropy: {
      const std::size_t k_out = layers_.back().out;
      return is_class_index(y, k_out) ? "" : "is not a class index 0.." + std::to_string(k_out - 1);
    }
  }
  return "";
}

template <class T>
void LayerStack<T>::check_labels(const Dataset<T>& data, RowSet chunk) const {
  const auto labels = data.labels();
  for (std::size_t k = 0; k < chunk.count; ++k) {
    const std::size_t i = chunk[k];
    const double y = static_cast<double>(labels[i]);
    if (const std::string problem = label_problem(y); !problem.empty())
      throw_bad_label(config_.model, data.source(), i, y, problem);
  }
}

template <class T>
double LayerStack<T>::head_row(double y, std::size_t k, bool want_delta, T scale, bool* hit) const {
  const std::size_t k_out = layers_.back().out;
  return head_scores(y, ws_.pre.back().data() + k * k_out, want_delta, scale, ws_.delta.back().data() + k * k_out, hit);
}

template <class T>
double LayerStack<T>::head_scores(double y, const T* z, bool want_delta, T scale, T* delta, bool* hit) const {
  const std::size_t k_out = layers_.back().out;
  switch (config_.head) {
    case Head::squared_error: {
      const double r = static_cast<double>(z[0]) - y;
      if (want_delta) delta[0] = scale * static_cast<T>(r);
      *hit = false;
      return 0.5 * r * r;
    }
    case Head::logistic: {
      const double s = y > 0 ? 1.0 : -1.0;
      const double t = -s * static_cast<double>(z[0]);
      const double e = std::exp(-std::abs(t));
      if (want_delta) delta[0] = scale * static_cast<T>(-s * sigmoid_of(t, e));
      *hit = (z[0] > T(0)) == (s > 0);
      return softplus_of(t, e);
    }
    case Head::softmax_cross_entropy: {
      const std::size_t c = static_cast<std::size_t>(y);
      const std::size_t best = argmax(z, k_out);
      const T top = z[best];
      // sum_j e^(z_j - max) lies in [1, K]: no overflow, and log of it is exact to eps.
      double total = 0;
      for (std::size_t j = 0; j < k_out; ++j) {
        const T e = std::exp(z[j] - top);
        total += static_cast<double>(e);
        if (want_delta) delta[j] = e;
      }
      if (want_delta) {
        const T inv_total = static_cast<T>(1 / total);
        for (std::size_t j = 0; j < k_out; ++j) delta[j] = scale * (delta[j] * inv_total - (j == c ? T(1) : T(0)));
      }
      *hit = best == c;
      return std::log(total) + static_cast<double>(top) - static_cast<double>(z[c]);
    }
  }
  return 0;
}

template <class T>
double LayerStack<T>::head(const Dataset<T>& data, RowSet chunk, bool want_delta, T scale, std::size_t* correct,
                           const T* substitute) const {
  // Labels are checked first, on this thread, so that the rows can run on threads (an
  // exception cannot leave a parallel region; head_with_labels checks substitutes itself).
  // Each row's loss is kept and the losses are added in row order afterwards: the sum does
  // not depend on how rows were shared.
  if (substitute == nullptr) check_labels(data, chunk);
  const std::size_t m = chunk.count;
  const auto labels = data.labels();
  const double row_ns = config_.head == Head::softmax_cross_entropy
                            ? kSoftmaxClassNs * static_cast<double>(layers_.back().out)
                            : kSingleOutputHeadNs;
  for_each_tile(m, kRowTile, worth_threads(static_cast<double>(m) * row_ns), [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) {
      bool hit = false;
      const T y = substitute != nullptr ? substitute[k] : labels[chunk[k]];
      ws_.row_loss[k] = head_row(static_cast<double>(y), k, want_delta, scale, &hit);
      ws_.row_hit[k] = hit ? 1 : 0;
    }
  });
  double sum = 0;
  for (std::size_t k = 0; k < m; ++k) sum += ws_.row_loss[k];
  if (correct != nullptr)
    for (std::size_t k = 0; k < m; ++k) *correct += ws_.row_hit[k];
  return sum;
}

template <class T>
void LayerStack<T>::backpropagate(const T* x, std::size_t m) const {
  for (std::size_t l = layers_.size() - 1; l >= 1; --l) {
    const Layer& layer = layers_[l];
    T* below = ws_.delta[l - 1].data();
    std::fill_n(below, m * layer.in, T(0));
    // D_{l-1} (m x in) = D_l (m x out) W_l (out x in), both row-major.
    ws_.gemm.template accumulate<row_major, row_major>(
        static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(layer.in), static_cast<Eigen::Index>(layer.out),
        ws_.delta[l].data(), static_cast<Eigen::Index>(layer.out), x + layer.weight,
        static_cast<Eigen::Index>(layer.in), below, static_cast<Eigen::Index>(layer.in), T(1));
    multiply_by_derivative_tiled(config_.activation, ws_.pre[l - 1].data(), ws_.post[l - 1].data(), below,
                                 m * layer.in);
  }
}

template <class T>
void LayerStack<T>::accumulate_gradient(const Dataset<T>& data, RowSet chunk, T* gradient) const {
  const std::size_t m = chunk.count;
  const bool gemm0 = gemm_input(data);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    const T* d = ws_.delta[l].data();
    T* gw = gradient + layer.weight;
    if (l == 0 && !gemm0) {
      const InputRows<T> input(data);
      for (std::size_t k = 0; k < m; ++k)
        for (std::size_t o = 0; o < layer.out; ++o) input.axpy(chunk[k], d[k * layer.out + o], gw + o * layer.in);
    } else {
      // grad W (out x in) += D^T (out x m: D row-major read column-major) A (m x in).
      ws_.gemm.template accumulate<col_major, row_major>(
          static_cast<Eigen::Index>(layer.out), static_cast<Eigen::Index>(layer.in), static_cast<Eigen::Index>(m), d,
          static_cast<Eigen::Index>(layer.out), layer_input(l), static_cast<Eigen::Index>(layer_input_stride(l)), gw,
          static_cast<Eigen::Index>(layer.in), T(1));
    }
    if (config_.bias) {
      VectorMap<T> gb(gradient + layer.bias, static_cast<Eigen::Index>(layer.out));
      for (std::size_t k = 0; k < m; ++k)
        gb += ConstVectorMap<T>(d + k * layer.out, static_cast<Eigen::Index>(layer.out));
    }
  }
}

template <class T>
double LayerStack<T>::loss(const T* x, const Dataset<T>& data, RowSet rows, T scale, T* gradient) const {
  return loss_with_labels(x, data, rows, nullptr, scale, gradient);
}

template <class T>
double LayerStack<T>::loss_with_labels(const T* x, const Dataset<T>& data, RowSet rows, const T* labels, T scale,
                                       T* gradient) const {
  if (striped_input(data)) {
    // Every label is checked before any row runs (the stripes may run on threads).
    if (labels == nullptr) {
      check_labels(data, rows);
    } else {
      check_substitute_labels(data, rows, labels, 0);
    }
    return striped_loss(x, data, rows, labels, scale, gradient);
  }
  if (gradient != nullptr) std::fill_n(gradient, layout_.size(), T(0));
  double sum = 0;
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t begin) {
    sum += labels == nullptr ? head(data, chunk, gradient != nullptr, scale, nullptr)
                             : head_with_labels(data, chunk, labels + begin, begin, gradient != nullptr, scale);
    if (gradient != nullptr) {
      backpropagate(x, chunk.count);
      accumulate_gradient(data, chunk, gradient);
    }
  });
  return sum;
}

template <class T>
double LayerStack<T>::head_with_labels(const Dataset<T>& data, RowSet chunk, const T* chunk_labels, std::size_t first,
                                       bool want_delta, T scale) const {
  // All checked before any row runs, so that the rows can run on threads.
  check_substitute_labels(data, chunk, chunk_labels, first);
  return head(data, chunk, want_delta, scale, nullptr, chunk_labels);
}

template <class T>
void LayerStack<T>::check_substitute_labels(const Dataset<T>& data, RowSet rows, const T* labels,
                                            std::size_t first) const {
  // The checks of check_labels(), on the substitute labels; the message names the batch
  // entry and its row.
  for (std::size_t k = 0; k < rows.count; ++k) {
    const double y = static_cast<double>(labels[k]);
    if (const std::string problem = label_problem(y); !problem.empty())
      throw MismatchError(config_.model + ": substitute label " + format_number(y) + " of batch[" +
                          std::to_string(first + k) + "] (row " + std::to_string(rows[k]) + " of '" + data.source() +
                          "') " + problem);
  }
}

template <class T>
template <class Row>
void LayerStack<T>::striped_pass(const Dataset<T>& data, RowSet rows, const T* first, const T* second, bool squared,
                                 const Row& row, T* out) const {
  const Layer& layer = layers_.front();
  const std::size_t k_out = layer.out, d = layer.in;
  const InputRows<T> input(data);
  // The plan depends on the values the rows hold, counted from the rows themselves: a batch
  // and a dataset made of its rows are cut alike.
  double values = static_cast<double>(rows.count) * static_cast<double>(d);
  if (data.is_sparse()) {
    values = 0;
    for (std::size_t k = 0; k < rows.count; ++k) values += static_cast<double>(input.stored_values(rows[k]));
  }
  // The plan ignores what the pass computes (row_stripes.hpp); the choice of threads counts it.
  const StripePlan plan = plan_stripes(rows.count, values, k_out, layout_.size());
  const double products = (first != nullptr ? 1 : 0) + (second != nullptr ? 1 : 0) + (out != nullptr ? 1 : 0);
  const double multiply_adds = values * static_cast<double>(k_out) * products;
  const double value_ns = data.is_sparse() ? kSparseValueNs : kVectorizedValueNs;
  const double row_ns =
      config_.head == Head::softmax_cross_entropy ? kSoftmaxClassNs * static_cast<double>(k_out) : kSingleOutputHeadNs;
  const bool threaded = worth_threads(multiply_adds * value_ns + static_cast<double>(rows.count) * row_ns);
  // z = b + W a_i, as forward() computes it (bias first, then the dot product added), so that
  // a row's scores have the same bits here and there.
  const auto scores = [&](const T* params, std::size_t i, T* z) {
    for (std::size_t o = 0; o < k_out; ++o) {
      T value = config_.bias ? params[layer.bias + o] : T(0);
      value += input.dot(i, params + layer.weight + o * d);
      z[o] = value;
    }
  };
  // Dense rows, one output, a sum and scores: row k's axpy and row k + 1's dot products in
  // one loop (row_kernels.hpp), the same arithmetic as the general loop below.
  const bool pipelined =
      !data.is_sparse() && k_out == 1 && out != nullptr && !squared && (first != nullptr || second != nullptr);
  if (pipelined) {
    const T* features = data.dense().values.data();
    // The vectors whose scores are taken: w1 (x, or v alone), w2 (v after x).
    const T* p1 = first != nullptr ? first : second;
    const T* p2 = first != nullptr ? second : nullptr;
    run_stripes(plan, threaded, ws_.stripes, out, layout_.size(), 3,
                [&](std::size_t begin, std::size_t end, T* sum, T* scratch) {
                  if (begin == end) return;
                  T* z = scratch;
                  T* s = scratch + 1;
                  T* q = scratch + 2;
                  // Scores of row k from its dot products, bias first as in forward().
                  T dot1 = 0, dot2 = 0;
                  const auto set_scores = [&] {
                    T value = config_.bias ? p1[layer.bias] : T(0);
                    value += dot1;
                    (first != nullptr ? z : s)[0] = value;
                    if (p2 != nullptr) {
                      T other = config_.bias ? p2[layer.bias] : T(0);
                      other += dot2;
                      s[0] = other;
                    }
                  };
                  dot1 = dense_dot(features + rows[begin] * d, p1 + layer.weight, d);
                  if (p2 != nullptr) dot2 = dense_dot(features + rows[begin] * d, p2 + layer.weight, d);
                  set_scores();
                  for (std::size_t k = begin; k < end; ++k) {
                    const T* a = features + rows[k] * d;
                    row(k, z, s, q);
                    if (k + 1 < end) {
                      dense_axpy_and_dots(q[0], a, sum + layer.weight, features + rows[k + 1] * d, p1 + layer.weight,
                                          p2 != nullptr ? p2 + layer.weight : nullptr, d, &dot1, &dot2);
                      set_scores();
                    } else {
                      dense_axpy(q[0], a, sum + layer.weight, d);
                    }
                    if (config_.bias) sum[layer.bias] += q[0];
                  }
                });
    return;
  }
  run_stripes(plan, threaded, ws_.stripes, out, layout_.size(), 3 * k_out,
              [&](std::size_t begin, std::size_t end, T* sum, T* scratch) {
                T* z = scratch;
                T* s = scratch + k_out;
                T* q = scratch + 2 * k_out;
                for (std::size_t k = begin; k < end; ++k) {
                  const std::size_t i = rows[k];
                  if (first != nullptr) scores(first, i, z);
                  if (second != nullptr) scores(second, i, s);
                  row(k, z, s, q);
                  if (sum == nullptr) continue;
                  for (std::size_t o = 0; o < k_out; ++o) {
                    T* w = sum + layer.weight + o * d;
                    if (squared) {
                      input.squared_axpy(i, q[o], w);
                    } else {
                      input.axpy(i, q[o], w);
                    }
                  }
                  if (config_.bias)
                    for (std::size_t o = 0; o < k_out; ++o) sum[layer.bias + o] += q[o];
                }
              });
}

// The per-row losses of a striped pass (ws_.pass_loss[0, count)) added chunk by chunk as
// for_each_forward_chunk adds them, so that a striped pass and a chunked one agree bit for bit.
template <class T>
double LayerStack<T>::summed_pass_losses(std::size_t count) const {
  double sum = 0;
  for (std::size_t begin = 0; begin < count; begin += kChunkRows) {
    const std::size_t end = std::min(count, begin + kChunkRows);
    double chunk = 0;
    for (std::size_t k = begin; k < end; ++k) chunk += ws_.pass_loss[k];
    sum += chunk;
  }
  return sum;
}

template <class T>
double LayerStack<T>::striped_loss(const T* x, const Dataset<T>& data, RowSet rows, const T* labels, T scale,
                                   T* gradient) const {
  if (ws_.pass_loss.size() < rows.count) ws_.pass_loss.resize(rows.count);
  const auto dataset_labels = data.labels();
  const bool want_delta = gradient != nullptr;
  striped_pass(
      data, rows, x, nullptr, false,
      [&](std::size_t k, T* z, T*, T* q) {
        const T y = labels != nullptr ? labels[k] : dataset_labels[rows[k]];
        bool hit = false;
        ws_.pass_loss[k] = head_scores(static_cast<double>(y), z, want_delta, scale, q, &hit);
      },
      gradient);
  return summed_pass_losses(rows.count);
}

template <class T>
std::size_t LayerStack<T>::curvature_width() const noexcept {
  switch (config_.head) {
    case Head::squared_error:
      return 0;
    case Head::logistic:
      return 1;
    case Head::softmax_cross_entropy:
      return layers_.back().out;
  }
  return 0;
}

template <class T>
void LayerStack<T>::row_curvature(const T* z, T* c) const {
  switch (config_.head) {
    case Head::squared_error:
      return;
    case Head::logistic:
      c[0] = logistic_curvature(z[0]);
      return;
    case Head::softmax_cross_entropy:
      softmax_probabilities(z, layers_.back().out, c);
      return;
  }
}

template <class T>
void LayerStack<T>::curvature_product(const T* c, const T* s, T scale, T* q) const {
  switch (config_.head) {
    case Head::squared_error:
      q[0] = scale * s[0];
      return;
    case Head::logistic:
      q[0] = (scale * c[0]) * s[0];
      return;
    case Head::softmax_cross_entropy: {
      // (diag(p) - p p^T) s = p .* (s - p.s); p.s, a mean of s, summed in double.
      const std::size_t k_out = layers_.back().out;
      double mean = 0;
      for (std::size_t j = 0; j < k_out; ++j) mean += static_cast<double>(c[j]) * static_cast<double>(s[j]);
      const T centre = static_cast<T>(mean);
      for (std::size_t j = 0; j < k_out; ++j) q[j] = (scale * c[j]) * (s[j] - centre);
      return;
    }
  }
}

template <class T>
void LayerStack<T>::curvature_diagonal(const T* c, T scale, T* q) const {
  switch (config_.head) {
    case Head::squared_error:
      q[0] = scale;
      return;
    case Head::logistic:
      q[0] = scale * c[0];
      return;
    case Head::softmax_cross_entropy:
      for (std::size_t j = 0; j < layers_.back().out; ++j) q[j] = (scale * c[j]) * (T(1) - c[j]);
      return;
  }
}

template <class T>
void LayerStack<T>::curvatures(const T* x, const Dataset<T>& data, RowSet rows, T* out) const {
  if (!is_single_layer()) throw MismatchError(config_.model + ": curvatures exist only for single-layer models");
  const std::size_t width = curvature_width();
  if (width == 0) return;
  const std::size_t k_out = layers_.front().out;
  const double row_ns =
      config_.head == Head::softmax_cross_entropy ? kSoftmaxClassNs * static_cast<double>(k_out) : kSingleOutputHeadNs;
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t begin) {
    const T* z = ws_.pre.front().data();
    for_each_tile(chunk.count, kRowTile, worth_threads(static_cast<double>(chunk.count) * row_ns),
                  [&](std::size_t first, std::size_t end) {
                    for (std::size_t k = first; k < end; ++k) row_curvature(z + k * k_out, out + (begin + k) * width);
                  });
  });
}

template <class T>
void LayerStack<T>::hessian_product(const T* x, const T* curvature, const Dataset<T>& data, RowSet rows, T scale,
                                    const T* v, T* out) const {
  if (!is_single_layer())
    throw MismatchError(config_.model + ": exact Hessian-vector products exist only for single-layer models");
  const std::size_t width = curvature_width();
  const std::size_t k_out = layers_.front().out;
  if (striped_input(data)) {
    // The curvature of a row computed from its scores z in place, or read from the cache.
    striped_pass(
        data, rows, x, v, false,
        [&](std::size_t k, T* z, T* s, T* q) {
          const T* c = nullptr;
          if (x != nullptr) {
            row_curvature(z, z);
            c = z;
          } else if (width > 0) {
            c = curvature + k * width;
          }
          curvature_product(c, s, scale, q);
        },
        out);
  } else {
    // Dense data, many outputs: per chunk, the scores of v by a GEMM, the per-row products,
    // and out += Q^T A by a GEMM while the chunk is in cache (accumulate_gradient).
    std::fill_n(out, layout_.size(), T(0));
    const std::size_t chunk_rows = std::min(rows.count, kChunkRows);
    reserve(chunk_rows);
    if (x != nullptr) grow(ws_.chunk_curvature, chunk_rows * width);
    const double row_ns = kSoftmaxClassNs * static_cast<double>(k_out);
    for (std::size_t begin = 0; begin < rows.count; begin += kChunkRows) {
      const RowSet chunk = rows.slice(begin, std::min(kChunkRows, rows.count - begin));
      const std::size_t m = chunk.count;
      const bool threaded = worth_threads(static_cast<double>(m) * row_ns);
      const T* c = curvature != nullptr ? curvature + begin * width : nullptr;
      if (x != nullptr) {
        forward(x, data, chunk);
        const T* z = ws_.pre.front().data();
        T* own = ws_.chunk_curvature.data();
        for_each_tile(m, kRowTile, threaded, [&](std::size_t first, std::size_t end) {
          for (std::size_t k = first; k < end; ++k) row_curvature(z + k * k_out, own + k * width);
        });
        c = own;
      }
      forward(v, data, chunk);
      const T* s = ws_.pre.front().data();
      T* q = ws_.delta.front().data();
      for_each_tile(m, kRowTile, threaded, [&](std::size_t first, std::size_t end) {
        for (std::size_t k = first; k < end; ++k)
          curvature_product(width > 0 ? c + k * width : nullptr, s + k * k_out, scale, q + k * k_out);
      });
      accumulate_gradient(data, chunk, out);
    }
  }
  add_penalty_gradient(v, out);
}

template <class T>
void LayerStack<T>::hessian_diagonal(const T* curvature, const Dataset<T>& data, RowSet rows, T scale, T* out) const {
  if (!is_single_layer()) throw MismatchError(config_.model + ": Hessian diagonals exist only for single-layer models");
  const std::size_t width = curvature_width();
  striped_pass(
      data, rows, nullptr, nullptr, true,
      [&](std::size_t k, T*, T*, T* q) { curvature_diagonal(width > 0 ? curvature + k * width : nullptr, scale, q); },
      out);
  if (config_.l2 != 0)
    for (const Layer& layer : layers_)
      VectorMap<T>(out + layer.weight, static_cast<Eigen::Index>(layer.out * layer.in)).array() += l2_;
}

template <class T>
double LayerStack<T>::score_derivatives(const T* x, const Dataset<T>& data, RowSet rows, T* out) const {
  if (!is_single_linear_output())
    throw MismatchError(config_.model + ": score derivatives exist only for single-output linear models");
  double sum = 0;
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t begin) {
    sum += head(data, chunk, true, T(1), nullptr);
    std::copy_n(ws_.delta.back().data(), chunk.count, out + begin);
  });
  return sum;
}

template <class T>
void LayerStack<T>::add_weighted_rows(const Dataset<T>& data, RowSet rows, const T* coefficients, T* gradient) const {
  if (!is_single_linear_output())
    throw MismatchError(config_.model + ": weighted rows exist only for single-output linear models");
  const Layer& layer = layers_[0];
  const InputRows<T> input(data);
  // In row order on this thread: a batch is small, and the order fixes the rounding.
  for (std::size_t k = 0; k < rows.count; ++k) {
    if (coefficients[k] == T(0)) continue;
    input.axpy(rows[k], coefficients[k], gradient + layer.weight);
    if (config_.bias) gradient[layer.bias] += coefficients[k];
  }
}

template <class T>
double LayerStack<T>::penalty(const T* x) const {
  if (config_.l2 == 0) return 0;
  double sum = 0;
  for (const Layer& layer : layers_) sum += squared_sum(x + layer.weight, layer.out * layer.in);
  return 0.5 * config_.l2 * sum;
}

template <class T>
void LayerStack<T>::add_penalty_gradient(const T* x, T* gradient) const {
  if (config_.l2 == 0) return;
  for (const Layer& layer : layers_) {
    const Eigen::Index size = static_cast<Eigen::Index>(layer.out * layer.in);
    VectorMap<T>(gradient + layer.weight, size) += l2_ * ConstVectorMap<T>(x + layer.weight, size);
  }
}

template <class T>
void LayerStack<T>::per_sample_gradients(const T* x, const Dataset<T>& data, RowSet rows, T* out) const {
  if (rows.count == 0) return;
  const std::size_t p = layout_.size();
  const bool gemm0 = gemm_input(data);
  const InputRows<T> input(data);
  // Each row writes its own gradient: rows run on threads in any grouping with the same bits.
  // Per row, every value is set (the L2 term or zero) and then gets an axpy.
  const double row_ns = 2 * kVectorizedValueNs * static_cast<double>(p);
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t begin) {
    head(data, chunk, true, T(1), nullptr);
    backpropagate(x, chunk.count);
    const auto one_row = [&](std::size_t k) {
      T* g = out + (begin + k) * p;
      for (std::size_t l = 0; l < layers_.size(); ++l) {
        const Layer& layer = layers_[l];
        const T* d = ws_.delta[l].data() + k * layer.out;
        const Eigen::Index in = static_cast<Eigen::Index>(layer.in);
        T* gw = g + layer.weight;
        // grad W_l = d a^T + lambda W_l, one row per output unit.
        VectorMap<T> all(gw, static_cast<Eigen::Index>(layer.out) * in);
        if (config_.l2 != 0) {
          all = l2_ * ConstVectorMap<T>(x + layer.weight, all.size());
        } else {
          all.setZero();
        }
        if (l == 0 && !gemm0) {
          for (std::size_t o = 0; o < layer.out; ++o) input.axpy(chunk[k], d[o], gw + o * layer.in);
        } else {
          const ConstVectorMap<T> a(layer_input(l) + k * layer_input_stride(l), in);
          for (std::size_t o = 0; o < layer.out; ++o) VectorMap<T>(gw + o * layer.in, in) += d[o] * a;
        }
        if (config_.bias) std::copy_n(d, layer.out, g + layer.bias);
      }
    };
    for_each_tile(chunk.count, kRowTile, worth_threads(static_cast<double>(chunk.count) * row_ns),
                  [&](std::size_t first, std::size_t end) {
                    for (std::size_t k = first; k < end; ++k) one_row(k);
                  });
  });
}

template <class T>
void LayerStack<T>::per_sample_gradient_norms(const T* x, const Dataset<T>& data, RowSet rows, T* norms) const {
  if (rows.count == 0) return;
  const InputRows<T> input(data);
  const double lambda = config_.l2;
  if (lambda != 0)
    for (std::size_t l = 0; l < layers_.size(); ++l)
      ws_.weight_squares[l] = squared_sum(x + layers_[l].weight, layers_[l].out * layers_[l].in);
  // Each row's norm is its own sum in a fixed order: rows run on threads in any grouping
  // with the same bits. Per row: |x_i|^2, then |d_l|^2, |a_{l-1}|^2 and the L2 cross term,
  // all sums in order.
  double row_values = 0;
  for (std::size_t l = 1; l < layers_.size(); ++l) row_values += static_cast<double>(layers_[l].in);
  for (const Layer& layer : layers_) row_values += static_cast<double>(layer.out) * (lambda != 0 ? 2 : 1);
  const double row_ns = input_norm_ns(data) + kInOrderSumValueNs * row_values;
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t begin) {
    head(data, chunk, true, T(1), nullptr);
    backpropagate(x, chunk.count);
    const auto one_row = [&](std::size_t k) {
      // |grad|^2 = sum_l |d_l a_{l-1}^T + lambda W_l|_F^2 + |d_l|^2 (bias)
      //          = sum_l |d_l|^2 (|a_{l-1}|^2 + 1) + 2 lambda d_l . (W_l a_{l-1}) + lambda^2 |W_l|^2,
      // and W_l a_{l-1} = z_l - b_l is already in the forward pass.
      double total = 0;
      for (std::size_t l = 0; l < layers_.size(); ++l) {
        const Layer& layer = layers_[l];
        const T* d = ws_.delta[l].data() + k * layer.out;
        const double dd = squared_sum(d, layer.out);
        const double aa =
            l == 0 ? input.squared_norm(chunk[k]) : squared_sum(layer_input(l) + k * layer_input_stride(l), layer.in);
        total += dd * aa;
        if (config_.bias) total += dd;
        if (lambda != 0) {
          const T* z = ws_.pre[l].data() + k * layer.out;
          double cross = 0;
          for (std::size_t o = 0; o < layer.out; ++o) {
            const double wa = static_cast<double>(z[o]) - (config_.bias ? static_cast<double>(x[layer.bias + o]) : 0.0);
            cross += static_cast<double>(d[o]) * wa;
          }
          total += 2 * lambda * cross + lambda * lambda * ws_.weight_squares[l];
        }
      }
      // The expansion can round slightly below 0 when the terms cancel.
      norms[begin + k] = static_cast<T>(std::sqrt(std::max(total, 0.0)));
    };
    for_each_tile(chunk.count, kRowTile, worth_threads(static_cast<double>(chunk.count) * row_ns),
                  [&](std::size_t first, std::size_t end) {
                    for (std::size_t k = first; k < end; ++k) one_row(k);
                  });
  });
}

template <class T>
std::vector<std::size_t> LayerStack<T>::layer_bounds() const {
  // The layout holds W_0, b_0, W_1, b_1, ... in this order: a layer's blocks are contiguous.
  std::vector<std::size_t> bounds;
  for (const Layer& layer : layers_) bounds.push_back(layer.weight);
  bounds.push_back(layout_.size());
  return bounds;
}

template <class T>
const double* LayerStack<T>::input_squared_norms(const Dataset<T>& data) const {
  const std::size_t n = data.size();
  if (ws_.input_squares_of == &data && ws_.input_squares.size() == n) return ws_.input_squares.data();
  ws_.input_squares.resize(n);
  const InputRows<T> input(data);
  double* out = ws_.input_squares.data();
  for_each_tile(n, kRowTile, worth_threads(static_cast<double>(n) * input_norm_ns(data)),
                [&](std::size_t first, std::size_t end) {
                  for (std::size_t i = first; i < end; ++i) out[i] = input.squared_norm(i);
                });
  ws_.input_squares_of = &data;
  return out;
}

template <class T>
void LayerStack<T>::clip_deltas(const Dataset<T>& data, RowSet chunk, double limit, bool per_layer) const {
  const double* input_squares = input_squared_norms(data);
  const double bias = config_.bias ? 1 : 0;
  // |grad_l loss_k|^2 = |d_l a_{l-1}^T|_F^2 + |d_l|^2 = |d_l|^2 (|a_{l-1}|^2 + 1), each sum in order.
  const auto layer_squares = [&](std::size_t l, std::size_t k) {
    const Layer& layer = layers_[l];
    const double dd = squared_sum_in_lanes(ws_.delta[l].data() + k * layer.out, layer.out);
    const double aa =
        l == 0 ? input_squares[chunk[k]] : squared_sum_in_lanes(layer_input(l) + k * layer_input_stride(l), layer.in);
    return dd * (aa + bias);
  };
  double row_values = 0;
  for (std::size_t l = 1; l < layers_.size(); ++l) row_values += static_cast<double>(layers_[l].in);
  for (const Layer& layer : layers_) row_values += 2 * static_cast<double>(layer.out);
  const double row_ns = kInOrderSumValueNs / 4 * row_values;
  // Each row touches only its own deltas: any grouping of rows on threads gives the same bits.
  for_each_tile(chunk.count, kRowTile, worth_threads(static_cast<double>(chunk.count) * row_ns),
                [&](std::size_t first, std::size_t end) {
                  for (std::size_t k = first; k < end; ++k) {
                    if (per_layer) {
                      for (std::size_t l = 0; l < layers_.size(); ++l)
                        clip_row(ws_.delta[l].data() + k * layers_[l].out, layers_[l].out, layer_squares(l, k), limit);
                      continue;
                    }
                    double total = 0;
                    for (std::size_t l = 0; l < layers_.size(); ++l) total += layer_squares(l, k);
                    const double norm = std::sqrt(total);
                    if (norm <= limit) continue;
                    for (std::size_t l = 0; l < layers_.size(); ++l)
                      clip_row(ws_.delta[l].data() + k * layers_[l].out, layers_[l].out, total, limit);
                  }
                });
}

template <class T>
double LayerStack<T>::clipped_loss_gradient(const T* x, const Dataset<T>& data, RowSet rows, double clip_norm,
                                            bool per_layer, T* gradient) const {
  const double limit = per_layer ? clip_norm / std::sqrt(static_cast<double>(layers_.size())) : clip_norm;
  if (striped_input(data)) {
    // One layer: its row's gradient is q (a_i, 1)^T, with q the head's K coefficients, so
    // |grad|^2 = |q|^2 (|a_i|^2 + 1); q is clipped before the pass adds q (a_i, 1)^T. Labels
    // are all checked first (the stripes may run on threads, and `row` must not throw).
    check_labels(data, rows);
    if (ws_.pass_loss.size() < rows.count) ws_.pass_loss.resize(rows.count);
    const auto labels = data.labels();
    const double* input_squares = input_squared_norms(data);
    const std::size_t k_out = layers_.front().out;
    const double bias = config_.bias ? 1 : 0;
    striped_pass(
        data, rows, x, nullptr, false,
        [&](std::size_t k, T* z, T*, T* q) {
          bool hit = false;
          ws_.pass_loss[k] = head_scores(static_cast<double>(labels[rows[k]]), z, true, T(1), q, &hit);
          clip_row(q, k_out, squared_sum(q, k_out) * (input_squares[rows[k]] + bias), limit);
        },
        gradient);
    return summed_pass_losses(rows.count);
  }
  std::fill_n(gradient, layout_.size(), T(0));
  double sum = 0;
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t) {
    sum += head(data, chunk, true, T(1), nullptr);
    backpropagate(x, chunk.count);
    clip_deltas(data, chunk, limit, per_layer);
    accumulate_gradient(data, chunk, gradient);
  });
  return sum;
}

template <class T>
RowsEvaluation LayerStack<T>::evaluate(const T* x, const Dataset<T>& data, RowSet rows) const {
  RowsEvaluation result;
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t) {
    result.loss_sum += head(data, chunk, false, T(0), &result.correct);
  });
  return result;
}

template <class T>
void LayerStack<T>::predict(const T* x, const Dataset<T>& data, RowSet rows, T* predictions) const {
  const std::size_t k_out = layers_.back().out;
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t begin) {
    const T* z = ws_.pre.back().data();
    for (std::size_t k = 0; k < chunk.count; ++k) {
      T& p = predictions[begin + k];
      switch (config_.head) {
        case Head::squared_error:
          p = z[k];
          break;
        case Head::logistic:
          p = z[k] > T(0) ? T(1) : config_.negative_label;
          break;
        case Head::softmax_cross_entropy:
          p = static_cast<T>(argmax(z + k * k_out, k_out));
          break;
      }
    }
  });
}

template <class T>
void LayerStack<T>::scores(const T* x, const Dataset<T>& data, RowSet rows, T* out) const {
  const std::size_t k_out = layers_.back().out;
  for_each_forward_chunk(x, data, rows, [&](RowSet chunk, std::size_t begin) {
    const T* z = ws_.pre.back().data();
    std::copy(z, z + chunk.count * k_out, out + begin * k_out);
  });
}

template class LayerStack<float>;
template class LayerStack<double>;

}  // namespace descent::detail
