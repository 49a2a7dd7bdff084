#include "descent/transform/lanton.hpp"

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "../model/panel_gemm.hpp"
#include "descent/core/aligned_buffer.hpp"
#include "descent/core/error.hpp"
#include "descent/transform/matrix_blocks.hpp"
#include "descent/transform/muon.hpp"
#include "descent/transform/newton_schulz.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<Field<LantonOptions>>& LantonOptions::fields() {
  using O = LantonOptions;
  static const std::vector<Field<O>> f = {
      {"lr", &O::lr, Range::positive(),
       "base step size: eta_l = lr * ((alpha + min_k H_k) / (alpha + H_l))^(1/4), the least noisy block's rate"},
      {"momentum", &O::momentum, Range::unit_closed_open(), "B <- momentum * B + (1 - momentum) * g"},
      {"nesterov", &O::nesterov, Range::any(), "orthogonalize (1 - momentum) * g + momentum * B instead of B"},
      {"weight_decay", &O::weight_decay, Range::non_negative(), "decoupled: update -= eta_l * weight_decay * W"},
      {"adjust_lr", &O::adjust_lr, Range::any(),
       "s(rows, cols) as muon's: original sqrt(max(1, rows/cols)), match_rms_adamw 0.2 sqrt(max(rows, cols)), "
       "spectral_unclamped sqrt(rows/cols), none 1",
       &MuonOptions::adjust_lr_choices()},
      {"ns_steps", &O::ns_steps, Range{1, 99, false, false}, "Newton-Schulz steps X <- a X + (b A + c A^2) X"},
      {"eps", &O::eps, Range::positive(), "X_0 = B~ / max(||B~||_F, eps)"},
      {"beta2", &O::beta2, Range::unit_closed_open(),
       "noise average: H <- beta2 * H + (1 - beta2) * ||g - g_prev||_*^2 (nuclear norm, per block)"},
      {"alpha", &O::alpha, Range::positive(), "a_l = 1 / sqrt(alpha + H_l)"}};
  return f;
}

namespace {

using RowMajorMap = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using EigenSolver = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>;

// Per-thread scratch of the nuclear norm: the matrix (transposed when tall), its Gram matrix,
// and one eigen-solver per Gram size seen (a solver resized to another size reallocates, and
// the blocks of a network have a few sizes that recur every step).
struct NuclearWorkspace {
  AlignedBuffer<double> x, gram;
  detail::PanelGemm<double> gemm;
  std::vector<std::pair<Eigen::Index, std::unique_ptr<EigenSolver>>> solvers;
  std::vector<double> difference;  // G_t - G_{t-1} of the block in hand, in double

  EigenSolver& solver(Eigen::Index m) {
    for (auto& [size, s] : solvers)
      if (size == m) return *s;
    solvers.emplace_back(m, std::make_unique<EigenSolver>(m));
    return *solvers.back().second;
  }
};

NuclearWorkspace& nuclear_workspace() {
  thread_local NuclearWorkspace w;
  return w;
}

void grow(AlignedBuffer<double>& buffer, std::size_t size) {
  if (buffer.size() < size) buffer = AlignedBuffer<double>(size);
}

double nuclear_norm_in(NuclearWorkspace& w, const double* matrix, std::size_t rows, std::size_t cols) {
  if (rows == 0 || cols == 0) return 0;
  using detail::col_major;
  using detail::row_major;
  const bool transposed = rows > cols;
  const std::size_t m = transposed ? cols : rows;
  const std::size_t q = transposed ? rows : cols;
  grow(w.x, m * q);
  grow(w.gram, m * m);
  double* x = w.x.data();
  if (transposed) {
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) x[j * q + i] = matrix[i * cols + j];
  } else {
    std::copy_n(matrix, m * q, x);
  }
  const auto mi = static_cast<Eigen::Index>(m);
  const auto qi = static_cast<Eigen::Index>(q);
  RowMajorMap gram(w.gram.data(), mi, mi);
  gram.setZero();
  // X X^T: X^T is X read column-major with the same leading dimension.
  w.gemm.template accumulate<row_major, col_major>(mi, mi, qi, x, qi, x, qi, gram.data(), mi, 1.0);
  EigenSolver& solver = w.solver(mi);
  solver.compute(gram, Eigen::EigenvaluesOnly);
  // The singular values are the square roots of the Gram matrix's eigenvalues; rounding can
  // leave a zero eigenvalue slightly negative.
  double sum = 0;
  for (Eigen::Index k = 0; k < mi; ++k) sum += std::sqrt(std::max(solver.eigenvalues()[k], 0.0));
  return sum;
}

class Lanton final : public TransformBase<Lanton, TransformKind::global> {
 public:
  explicit Lanton(LantonOptions o) : o_(std::move(o)) { validate(o_); }
  std::string spec() const override { return to_spec("lanton", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    require_matrix_blocks(layout, "LantonOptions", "lanton");
    s.add_slot("momentum_buffer", layout.size());
    s.add_slot("previous_gradient", layout.size());
    for (const BlockInfo& block : layout.blocks()) s.add_scalar("noise_estimate:" + block.name);
  }

  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    s.step[0] = o_.lr->value(s.count - 1);
  }

  // Each block's rate needs every block's noise estimate, and NS mixes a whole block.
  template <class T, class Io>
  void tile(TransformState<T>&, const Tile<T>&, Io) const {
    throw MismatchError("lanton is a global transform: run it through descent::update or descent::apply");
  }

  template <class T>
  void global(TransformState<T>& s, std::span<T> direction, std::span<const T> params,
              const ParameterLayout& layout) const {
    const std::size_t n = direction.size();
    const auto& blocks = layout.blocks();
    if (layout.size() != n || params.size() != n || s.slots.size() != 2 || s.slots[0].size() != n ||
        s.slots[1].size() != n || s.scalars.size() != blocks.size())
      throw MismatchError("lanton: direction of " + std::to_string(n) + " elements, parameters of " +
                          std::to_string(params.size()) + ", layout of " + std::to_string(layout.size()) + " in " +
                          std::to_string(blocks.size()) + " blocks, state of " + std::to_string(s.slots.size()) +
                          " slots and " + std::to_string(s.scalars.size()) + " noise estimates");
    for (const BlockInfo& block : blocks)
      if (block.shape.size() < 2)
        throw MismatchError("lanton: block '" + block.name + "' of " + std::to_string(block.shape.size()) +
                            " dimension(s)" + " is not a matrix (the state was made for another layout)");

    // Pass 1: every block's noise estimate H (the rates are relative to the least noisy block).
    // The first step has no previous gradient and adds nothing: H stays 0.
    T* previous = s.slots[1].data();
    NuclearWorkspace& w = nuclear_workspace();
    const bool has_previous = s.count > 1;
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      const BlockInfo& block = blocks[k];
      const T* g = direction.data() + block.offset;
      T* prev = previous + block.offset;
      if (has_previous && block.size > 0) {
        if (w.difference.size() < block.size) w.difference.resize(block.size);
        for (std::size_t i = 0; i < block.size; ++i)
          w.difference[i] = static_cast<double>(g[i]) - static_cast<double>(prev[i]);
        const double noise = nuclear_norm_in(w, w.difference.data(), block.shape[0], block.size / block.shape[0]);
        s.scalars[k] = o_.beta2 * s.scalars[k] + (1 - o_.beta2) * noise * noise;
      }
      std::copy_n(g, block.size, prev);
    }
    double least = std::numeric_limits<double>::infinity();
    for (double h : s.scalars) least = std::min(least, h);

    // Pass 2: Muon's step on every block, at the block's own rate.
    const double lr = s.step[0];
    T* buffer = s.slots[0].data();
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      const BlockInfo& block = blocks[k];
      if (block.size == 0) continue;
      const std::size_t rows = block.shape[0];
      const std::size_t cols = block.size / rows;
      const double eta = lr * std::sqrt(std::sqrt((o_.alpha + least) / (o_.alpha + s.scalars[k])));
      muon_block_step(direction.data() + block.offset, buffer + block.offset, params.data() + block.offset, rows, cols,
                      o_.momentum, o_.nesterov, static_cast<int>(o_.ns_steps), o_.eps,
                      eta * muon_lr_scale(o_.adjust_lr, rows, cols), eta * o_.weight_decay);
    }
  }

 private:
  LantonOptions o_;
};

}  // namespace

double nuclear_norm(std::span<const double> x, std::size_t rows, std::size_t cols) {
  if (x.size() != rows * cols)
    throw MismatchError("nuclear_norm: a " + std::to_string(rows) + " x " + std::to_string(cols) + " matrix has " +
                        std::to_string(rows * cols) + " elements, got " + std::to_string(x.size()));
  return nuclear_norm_in(nuclear_workspace(), x.data(), rows, cols);
}

TransformPtr lanton(LantonOptions options) { return std::make_shared<const Lanton>(std::move(options)); }

}  // namespace descent
